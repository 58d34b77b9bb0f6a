// The page of a ticket served on an earlier day, still within the 24 hours its holder may
// rate it (CONTRACT 6.4): nothing live any more, only the rating (ticketrating.js).

import { readConfig, translator } from "loket/page";
import { TicketRating } from "loket/ticketrating";

const config = readConfig();
const rating = new TicketRating(translator(config.strings), config.rating);
rating.update(config.ticket);
window.loketTicket = { rating }; // for tests
