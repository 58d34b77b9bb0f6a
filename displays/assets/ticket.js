// A visitor's own ticket on their phone, live over /ws/ticket/{id} (server/ticketfeed.py):
// each message carries only this ticket's view — {ticket, position, estimate} — so the page
// just shows the newest one. When the ticket is called: a full-screen call, vibration, and a
// short sound once the visitor has touched the page (browsers allow sound only after that).
// Tickets of an earlier day and the print view (?print=1) have no script.
//
// Set aside by a counter ("held", CONTRACT 6.5) it says so, and that the visitor will be called
// back there; waiting for one counter (`for_counter`: a transfer to that desk) it names that
// counter and the place in its line; sent on to another service, it names the new one.
// Once done, it offers the visitor's rating (ticketrating.js).
//
// config.strings keys (texts: server/web/strings.py, page "ticket"; plus those of ticketcard.js):
//   status_waiting, status_called, status_recalled, status_done, status_no_show,
//   status_held, status_desk, note_transferred, note_to_counter, wait_range, wait_up_to,
//   wait_soon, wait_unknown, sound_enable, sound_ready

import { AudioOutput } from "loket/audio";
import { formatMoment } from "loket/calendar";
import { readConfig, restartClass, setText, siteTimeZone, translator } from "loket/page";
import { followSite } from "loket/sitechange";
import { LiveSocket } from "loket/socket";
import { aheadText } from "loket/ticketcard";
import { TicketRating } from "loket/ticketrating";

const VIBRATION = [400, 200, 400, 200, 800];
const SOON_MIN = 2; // a range ending this soon reads as "any moment now"

const config = readConfig();
const t = translator(config.strings);
const serviceName = (id) => (config.services && config.services[id]) || id;
const counterName = (id) => (config.counters && config.counters[id]) || id;

let view = { ticket: config.ticket, position: config.position, estimate: config.estimate };
let transferred = false;
const rating = new TicketRating(t, config.rating);

const dom = {
  number: document.getElementById("ticket-number"),
  service: document.getElementById("ticket-service"),
  status: document.getElementById("ticket-status"),
  note: document.getElementById("ticket-note"),
  waitFact: document.getElementById("fact-wait"),
  wait: document.getElementById("ticket-wait"),
  issued: document.getElementById("ticket-issued"),
  sound: document.getElementById("sound-button"),
  keepOpen: document.getElementById("ticket-keep-open"),
  call: document.getElementById("call-screen"),
  callNumber: document.getElementById("call-number"),
  callCounter: document.getElementById("call-counter"),
  callOk: document.getElementById("call-ok"),
};

// -- what the page says -------------------------------------------------------------

function statusText() {
  const { ticket, position } = view;
  const counter = counterName(ticket.counter);
  switch (ticket.status) {
    case "called":
      return ticket.recalls > 0 ? t("status_recalled", { counter }) : t("status_called", { counter });
    case "done":
      return t("status_done");
    case "no_show":
      return t("status_no_show");
    case "held":
      return t("status_held", { counter });
    default: {
      const ahead = aheadText(t, position, config.lang);
      if (!ticket.for_counter) return ahead || t("status_waiting");
      // the place in that counter's own line, once the server has read it
      return [t("status_desk", { counter: counterName(ticket.for_counter) }), ahead].filter(Boolean).join(" ");
    }
  }
}

/** After a transfer seen live: where the ticket was sent, and that it keeps its number. */
function noteText(ticket) {
  if (!transferred || ticket.status !== "waiting") return "";
  if (ticket.for_counter) return t("note_to_counter", { counter: counterName(ticket.for_counter) });
  return t("note_transferred", { service: serviceName(ticket.service) });
}

/** The estimate as a range of minutes; never a single promised time. */
function waitText(estimate) {
  if (!estimate) return t("wait_unknown");
  if (estimate.high_min <= SOON_MIN) return t("wait_soon");
  if (estimate.low_min === 0) return t("wait_up_to", { high: estimate.high_min });
  return t("wait_range", { low: estimate.low_min, high: estimate.high_min });
}

function render() {
  const { ticket, estimate } = view;
  const text = statusText();
  setText(dom.number, ticket.number);
  setText(dom.service, serviceName(ticket.service));
  setText(dom.status, text);
  dom.status.dataset.status = ticket.status;
  dom.waitFact.hidden = ticket.status !== "waiting";
  setText(dom.wait, waitText(estimate));
  setText(dom.issued, formatMoment(ticket.issued_at, config.moment, siteTimeZone()));
  const note = noteText(ticket);
  dom.note.hidden = !note;
  setText(dom.note, note);
  setText(dom.callNumber, ticket.number);
  setText(dom.callCounter, counterName(ticket.counter));
  if (ticket.status !== "called") hideCall();
  dom.keepOpen.hidden = closed(); // nothing more will happen to this ticket
  rating.update(ticket);
  showSoundState();
  // The tab title tells the visitor too when the page is in the background.
  document.title = `${ticket.number} · ${text}`;
}

// -- the call -----------------------------------------------------------------------

function showCall() {
  dom.call.hidden = false;
  document.body.classList.add("calling");
  restartClass(dom.call, "flash", 6000);
  dom.callOk.focus();
}

function hideCall() {
  if (dom.call.hidden) return;
  dom.call.hidden = true;
  document.body.classList.remove("calling");
  dom.status.focus?.();
}

function alertVisitor() {
  showCall();
  if (navigator.vibrate) navigator.vibrate(VIBRATION); // ignored until the page was touched
  ring();
}

// -- sound: the site's chime, or two beeps made on the spot ----------------------------

const audio = new AudioOutput({ onState: showSoundState });

function closed() {
  return view.ticket.status === "done" || view.ticket.status === "no_show";
}

function showSoundState() {
  const ready = audio.state() === "running";
  dom.sound.hidden = audio.state() === "unsupported" || closed();
  dom.sound.setAttribute("aria-pressed", String(ready));
  setText(dom.sound, ready ? t("sound_ready") : t("sound_enable"));
}

async function ring() {
  if (audio.state() !== "running") return;
  const chime = config.chime ? await audio.load(config.chime) : null;
  if (chime) audio.play(chime, 0);
  else beep();
}

function beep() {
  const context = audio.context;
  const start = context.currentTime + 0.05;
  for (const [offset, frequency] of [
    [0, 880],
    [0.3, 660],
  ]) {
    const tone = context.createOscillator();
    const level = context.createGain();
    tone.frequency.value = frequency;
    level.gain.setValueAtTime(0.0001, start + offset);
    level.gain.exponentialRampToValueAtTime(0.4, start + offset + 0.02);
    level.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.25);
    tone.connect(level).connect(audio.gain);
    tone.start(start + offset);
    tone.stop(start + offset + 0.3);
  }
}

// -- live -------------------------------------------------------------------------------

/** A new view from the server: a snapshot (after each (re)connect) or an event. */
function update(next, kind) {
  if (!next || !next.ticket) return;
  const before = view.ticket;
  view = next;
  if (kind === "ticket.transferred") transferred = true;
  const calledNow =
    next.ticket.status === "called" &&
    (kind === "ticket.called" || before.status !== "called" || next.ticket.recalls > before.recalls);
  render();
  // a snapshot after a reconnect may be the first news of the call: alert then too
  if (calledNow) alertVisitor();
}

dom.sound.addEventListener("click", () => {
  // the click itself is the gesture that lets the page make sound and vibrate
  audio.unlock?.();
  if (navigator.vibrate) navigator.vibrate(50);
  setTimeout(() => ring(), 100);
});
dom.callOk.addEventListener("click", hideCall);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") hideCall();
});

render();
if (view.ticket.status === "called") showCall(); // opened after the call: show it, quietly
const socket = new LiveSocket(config.ticket_ws, {
  indicator: document.getElementById("conn-status"),
  onSnapshot: (data) => update(data, "snapshot"),
  onEvent: (msg) => update(msg.data, msg.type),
  onControl: followSite(config, () => {
    socket.path = config.ticket_ws;
    render(); // the names of its service and counter, as the site calls them now
  }),
}).start();
window.loketTicket = { socket, audio, rating, view: () => view }; // for tests
