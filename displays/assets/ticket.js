// A visitor's own ticket on their phone: the number, its service and where it stands,
// live through LiveSocket (every event of the site arrives; only this ticket's matter).
// With ?print=1 the page is the 80 mm paper ticket instead and has no live part.
//
// config.strings keys (texts: server/web/strings.py, page "ticket"; plus those of ticketcard.js):
//   status_called, status_done, status_no_show, issued_at

import { api } from "loket/api";
import { formatTime, readConfig, restartClass, setText, translator } from "loket/page";
import { LiveSocket } from "loket/socket";
import { aheadText, fillTicketCard } from "loket/ticketcard";

const VIBRATION = [400, 200, 400, 200, 800];

const config = readConfig();
const t = translator(config.strings);
const serviceName = (id) => (config.services && config.services[id]) || id;
const counterName = (id) => (config.counters && config.counters[id]) || id;

let ticket = config.ticket;
let position = config.position;

/** Whether `other` waits before `mine` in one service: priority first, then issue time. */
function isAhead(other, mine) {
  if (other.priority !== mine.priority) return other.priority;
  return other.issued_at < mine.issued_at; // ISO 8601 UTC strings sort by time
}

function statusText() {
  switch (ticket.status) {
    case "called":
      return t("status_called", { counter: counterName(ticket.counter) });
    case "done":
      return t("status_done");
    case "no_show":
      return t("status_no_show");
    default:
      return aheadText(t, position, config.lang);
  }
}

const dom = {
  number: document.getElementById("ticket-number"),
  service: document.getElementById("ticket-service"),
  status: document.getElementById("ticket-status"),
  issued: document.getElementById("ticket-issued"),
};

function render() {
  const text = statusText();
  setText(dom.number, ticket.number);
  setText(dom.service, serviceName(ticket.service));
  setText(dom.status, text);
  dom.status.dataset.status = ticket.status;
  setText(dom.issued, t("issued_at", { time: formatTime(ticket.issued_at, config.lang) }));
  // The tab title tells the visitor too when the page is in the background.
  document.title = text ? `${ticket.number} · ${text}` : ticket.number;
}

function alertCalled() {
  restartClass(dom.status, "flash", 8000);
  if (navigator.vibrate) navigator.vibrate(VIBRATION);
}

async function refresh() {
  try {
    const answer = await api(`/api/v1/tickets/${encodeURIComponent(ticket.id)}`);
    ticket = answer.ticket;
    position = answer.position;
    render();
  } catch {
    // keep what is shown; the next snapshot or event brings it up to date
  }
}

function onEvent(msg) {
  const other = msg.data && msg.data.ticket;
  if (!other) return;
  if (other.id === ticket.id) {
    ticket = other;
    if (msg.type === "ticket.called") {
      position = null;
      if (!msg.replayed) alertCalled();
    } else if (msg.type === "ticket.transferred") {
      refresh(); // its place in the new service is known only to the server
    }
    render();
    return;
  }
  // Someone else's ticket: estimate the change of this one's place without asking the server.
  if (ticket.status !== "waiting" || position === null || other.service !== ticket.service) return;
  if (msg.type === "ticket.called" && !msg.data.recall) position = Math.max(0, position - 1);
  else if (msg.type === "ticket.issued" && isAhead(other, ticket)) position += 1;
  else if (msg.type === "ticket.transferred" && isAhead(other, ticket)) position += 1;
  else return;
  render();
}

if (document.body.classList.contains("print-mode")) {
  fillTicketCard(
    document.querySelector(".print-ticket"),
    { ticket, position, serviceName: serviceName(ticket.service) },
    t,
    config.lang,
  );
} else {
  render();
  new LiveSocket(config.ws, {
    indicator: document.getElementById("conn-status"),
    page: "ticket", // for the hello report (display registry); no audio here
    onSnapshot: refresh, // a (re)connect may have missed events: ask for the exact place
    onEvent,
  }).start();
}
