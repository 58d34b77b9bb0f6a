// ticket.html?print=1, the paper ticket: the page is sized to the slip (one page, however
// long the names), again once the fonts are in and just before printing.

import { fitPageToSlip } from "loket/ticketcard";

const card = document.querySelector(".print-ticket");
const fit = () => fitPageToSlip(card);
fit();
document.fonts.ready.then(fit);
window.addEventListener("beforeprint", fit);
