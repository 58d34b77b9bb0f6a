// The staff page of one counter: log in, then call, recall, close, hold and transfer
// tickets, see the line (counterline.js), and open, pause or close the counter itself
// (CONTRACT 6.2: calling at a paused or closed counter opens it, on the server). The current ticket comes from the API's
// answers and from the site's live events; whichever is newer (by seq) wins, so a late
// event never undoes a fresh answer.
//
// Texts: server/web/strings.py, page "counter" (auth.js and counterline.js list their own).
// config.strings keys:
//   called, recalled, closed_done, closed_no_show, transferred, transferred_first,
//   transferred_desk, held, details, queue_empty, no_current, forbidden, retrying,
//   network_failed, failed, session_expired, serving_for, confirm_no_show, no_counters,
//   not_callable, type_number, line_failed, status_open, status_paused, status_closed,
//   status_since, now_open, now_paused, now_closed, close_current, choose_services
// config.time: how the page's language writes a time of day (server/i18n/calendar.py).

import { api, newKey } from "loket/api";
import { Login } from "loket/auth";
import { formatMoment } from "loket/calendar";
import { LineView, measure } from "loket/counterline";
import { clock } from "loket/duration";
import { LineFeed } from "loket/linefeed";
import { DASH, h, readConfig, restartClass, setText, siteTimeZone, translator } from "loket/page";
import { SiteState, statusNow } from "loket/sitestate";
import { followSite } from "loket/sitechange";
import { LiveSocket } from "loket/socket";

const RETRY_DELAYS_MS = [700, 1500, 3000]; // call-next only: it is safe to repeat with its key
const MIN_BUSY_MS = 600; // a fast answer must not let the second click of a double click through
const KEYS = {
  KeyR: "recall",
  KeyD: "done",
  KeyN: "no-show",
  KeyH: "hold",
  KeyT: "transfer",
  KeyC: "number",
  KeyO: "open",
  KeyP: "pause",
  KeyX: "close",
};
const STATUS_ACTIONS = new Set(["open", "pause", "close"]); // the counter's, not a ticket's
const CONFIRM_MS = 5000; // a no-show closes a visitor for good: a second press within this

const config = readConfig();
const t = translator(config.strings);
const serviceName = (id) => (config.services && config.services[id]) || id;

const dom = {
  app: document.getElementById("counter-app"),
  card: document.getElementById("current-card"),
  number: document.getElementById("current-ticket"),
  details: document.getElementById("current-details"),
  actions: document.getElementById("counter-actions"),
  buttons: Array.from(document.querySelectorAll("#counter-actions [data-action]")),
  message: document.getElementById("counter-message"),
  user: document.getElementById("user-name"),
  dialog: document.getElementById("transfer-dialog"),
  transferTo: document.getElementById("transfer-to"),
  transferNumber: document.getElementById("transfer-number"),
  transferPlace: document.getElementById("transfer-place"),
  transferBack: document.querySelector('#transfer-place [value="back"]'),
  transferFirst: document.querySelector('#transfer-place [value="first"]'),
  numberForm: document.getElementById("call-by-number"),
  numberField: document.getElementById("call-number"),
  numberError: document.getElementById("call-number-error"),
  waiting: document.querySelectorAll("[data-waiting]"),
  priority: document.getElementById("current-priority"),
  timer: document.getElementById("current-timer"),
  callLabel: document.getElementById("call-next-label"),
  doneCallLabel: document.getElementById("done-call-next-label"),
  noShow: document.getElementById("no-show"),
  noShowLabel: document.getElementById("no-show-label"),
  noShowAgain: document.getElementById("no-show-again"),
  confirmNote: document.getElementById("no-show-confirm"),
  elsewhere: document.getElementById("not-assigned"),
  ownCounters: document.getElementById("own-counters"),
  statusCard: document.getElementById("status-card"),
  statusText: document.getElementById("status-text"),
  statusSince: document.getElementById("status-since"),
  statusReason: document.getElementById("status-reason"),
  statusButtons: Array.from(document.querySelectorAll("[data-status-action]")),
  pauseDialog: document.getElementById("pause-dialog"),
  pauseOther: document.getElementById("pause-other"),
};

// -- the current ticket --------------------------------------------------------

const state = new SiteState();
let socketSeq = -1; // seq of the last event the socket applied
let answered = null; // {ticket, seq} from the last API answer; wins while it is newer
let shown = null; // id/recalls of the ticket on screen (null: nothing rendered yet)

function current() {
  if (answered && answered.seq > socketSeq) return answered.ticket;
  return state.nowServing.get(config.counter) || null;
}

function render() {
  const ticket = current();
  setText(dom.number, ticket ? ticket.number : DASH);
  dom.number.classList.toggle("none", !ticket);
  setText(
    dom.details,
    ticket ? t("details", { service: serviceName(ticket.service), time: formatMoment(ticket.called_at, config.time, siteTimeZone()) }) : "",
  );
  const key = ticket ? `${ticket.ref}/${ticket.recalls}` : "";
  if (shown !== null && key && key !== shown) restartClass(dom.card, "flash", 1500);
  if (key !== shown) disarm(); // a confirmation is for the visitor it was asked about
  shown = key;
  dom.priority.hidden = !(ticket && ticket.priority);
  // with a visitor at the desk, the big button closes them as done before it calls: say so
  dom.callLabel.hidden = Boolean(ticket);
  dom.doneCallLabel.hidden = !ticket;
  tick();
  for (const node of dom.waiting) setText(node, String(state.waiting[node.dataset.waiting] ?? 0));
  updateButtons();
}

// How long the current visitor has been served, from the server's called_at (a clock a few
// seconds off shows a few seconds off; never below zero).
function elapsed(since) {
  return clock((Date.now() - Date.parse(since)) / 1000);
}

function tick() {
  const ticket = current();
  dom.timer.hidden = !(ticket && ticket.called_at);
  setText(dom.timer, dom.timer.hidden ? "" : t("serving_for", { time: elapsed(ticket.called_at) }));
  line.tick();
  renderStatus(); // a new day closes every counter, without an event
}

// -- the counter's status (CONTRACT 6.2) ------------------------------------------

// The newest CounterState seen, with its seq: from the snapshot and events (public: no user,
// no reason) and from the API's answers and the line's reads (for staff: with them).
let statusSeen = null;
let shownSince = null; // the `since` whose services the checklist was last set from

function noteStatus(counterState, seq) {
  if (!counterState || counterState.counter !== config.counter) return;
  if (statusSeen && seq < statusSeen.seq) return;
  // the same state seen twice (its event, then the answer or the line): keep the staff's fields
  const same = statusSeen && seq === statusSeen.seq && statusSeen.state.since === counterState.since;
  statusSeen = { state: same ? { ...statusSeen.state, ...counterState } : counterState, seq };
}

function counterStatus() {
  return statusNow(statusSeen && statusSeen.state, siteTimeZone());
}

function renderStatus() {
  const status = counterStatus();
  // the state as set, unless a new day closed it since
  const shownState = statusSeen && statusSeen.state.status === status ? statusSeen.state : null;
  const known = shownState && status !== "closed" ? shownState : null;
  dom.statusCard.dataset.status = status;
  const texts = { open: () => t("status_open"), paused: () => t("status_paused"), closed: () => t("status_closed") };
  setText(dom.statusText, texts[status]());
  const since = shownState ? formatMoment(shownState.since, config.time, siteTimeZone()) : "";
  setText(dom.statusSince, since ? t("status_since", { time: since }) : "");
  const reason = status === "paused" && known ? known.reason || "" : "";
  setText(dom.statusReason, reason);
  dom.statusReason.hidden = !reason;
  // the services it serves today are ticked, once per change of state: a clerk's own ticks stay
  if (known && known.since !== shownSince && Array.isArray(known.services)) {
    shownSince = known.since;
    for (const box of serviceBoxes()) box.checked = known.services.includes(box.value);
  }
  for (const button of dom.statusButtons) {
    const action = button.dataset.statusAction;
    const same = (action === "pause" && status === "paused") || (action === "close" && status === "closed");
    button.disabled = busy || !assigned || same;
  }
  for (const box of serviceBoxes()) box.disabled = !assigned; // not while busy: that would take the focus
}

function serviceBoxes() {
  return Array.from(document.querySelectorAll('#open-services input[name="service"]'));
}

function openCounter() {
  const services = serviceBoxes().filter((box) => box.checked).map((box) => box.value);
  if (!services.length) return say(t("choose_services"), "warn");
  press("open", { services });
}

let pauseFrom = null; // the element that had the focus before the dialog opened

function openPause() {
  if (busy || !assigned || counterStatus() === "paused") return;
  pauseFrom = document.activeElement;
  dom.pauseDialog.querySelector('input[name="reason"][value=""]').checked = true;
  dom.pauseOther.value = "";
  dom.pauseDialog.showModal();
  dom.pauseDialog.querySelector('input[name="reason"]').focus();
}

// typing a reason of one's own is choosing it; Enter there pauses (the form's first button
// would be Cancel)
dom.pauseOther.addEventListener("input", () => {
  dom.pauseDialog.querySelector('input[name="reason"][value=""]').checked = true;
});
dom.pauseOther.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  dom.pauseDialog.close("pause");
});

dom.pauseDialog.addEventListener("close", () => {
  if (dom.pauseDialog.returnValue === "pause") {
    const chosen = dom.pauseDialog.querySelector('input[name="reason"]:checked');
    const reason = dom.pauseOther.value.trim() || (chosen ? chosen.value : "");
    press("pause", reason ? { reason } : undefined);
  }
  dom.pauseDialog.returnValue = "";
  const from = pauseFrom;
  const usable = from && from !== document.body && from.isConnected && !from.disabled;
  (usable ? from : document.getElementById("call-next")).focus();
});

for (const button of dom.statusButtons) {
  button.addEventListener("click", (event) => {
    if (event.detail > 1) return; // the second click of a double click
    shortcut(button.dataset.statusAction);
  });
}

// -- the line ------------------------------------------------------------------

const line = new LineView({
  t,
  lang: config.lang,
  counter: config.counter,
  serviceName,
  onCall: (ticket) => callTicket(ticket.ref),
  line: document.getElementById("line"),
  held: document.getElementById("held"),
  count: document.getElementById("line-count"),
  capped: document.getElementById("line-capped"),
  emptyLine: document.getElementById("line-empty"),
  emptyHeld: document.getElementById("held-empty"),
  heldSection: document.getElementById("held-section"),
});

const feed = new LineFeed(
  () => api(`${config.api}/queue`),
  (answer, since) => {
    const began = performance.now();
    noteStatus(answer.counter, socketSeq); // for staff: who opened it, why it is paused
    renderStatus();
    line.show(answer);
    measure(since, began);
  },
  (error) => {
    if (error.status === 401) login.show(t("session_expired"));
    else if (error.status !== 403) say(t("line_failed"), "warn"); // 403: the box says why
  },
);

// The services this counter calls from now (its CounterState: opening may change them);
// an issued ticket of another service does not change its line.
let services = new Set(config.counter_services || []);

function ownCounter(data) {
  const state = data && data.counter;
  return state && typeof state === "object" && state.counter === config.counter ? state : null;
}

function changesLine(msg) {
  const data = msg.data || {};
  if (msg.type === "ticket.issued") return Boolean(data.ticket) && services.has(data.ticket.service);
  if (msg.type.startsWith("counter.")) {
    const own = ownCounter(data);
    if (own && Array.isArray(own.services)) services = new Set(own.services);
    return Boolean(own);
  }
  return true; // a call, hold or transfer anywhere may take or bring someone of this line
}

function readLine(at) {
  if (assigned && !dom.app.hidden) feed.refresh(at);
}

setInterval(tick, 1000);

// -- no-show: asked twice ----------------------------------------------------

let armed = 0; // the timer of an open no-show confirmation (0: none)

function arm() {
  const ticket = current();
  armed = setTimeout(disarm, CONFIRM_MS);
  dom.noShow.classList.add("armed");
  dom.noShowLabel.hidden = true;
  dom.noShowAgain.hidden = false;
  setText(dom.confirmNote, t("confirm_no_show", { number: ticket.number, n: CONFIRM_MS / 1000 }));
}

function disarm() {
  if (!armed) return;
  clearTimeout(armed);
  armed = 0;
  dom.noShow.classList.remove("armed");
  dom.noShowLabel.hidden = false;
  dom.noShowAgain.hidden = true;
  setText(dom.confirmNote, "");
}

function noShow() {
  if (busy || !assigned) return;
  if (!current()) return say(t("no_current"), "warn");
  if (!armed) return arm();
  disarm();
  press("no-show");
}

// -- actions -------------------------------------------------------------------

let busy = false;
let assigned = true; // false: this user may not work here; the server would refuse them
let retryKey = null; // the Idempotency-Key of a call-next press that got no answer
let focusCallNext = false; // once the press is over, the big button takes the focus

function updateButtons() {
  const hasTicket = Boolean(current());
  for (const button of dom.buttons) {
    button.disabled = busy || !assigned || (button.dataset.action !== "call-next" && !hasTicket);
  }
  dom.actions.setAttribute("aria-busy", String(busy));
  renderStatus();
}

function say(text, kind = "") {
  dom.message.textContent = text;
  dom.message.className = `message ${kind}`.trim();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(action, body, key) {
  const headers = key ? { "Idempotency-Key": key } : {};
  const request = () => api(`${config.api}/${action}`, { method: "POST", body, headers });
  if (!key) return request(); // the others are not safe to repeat blindly (a second recall)
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await request();
    } catch (error) {
      if (!error.isNetwork || attempt >= RETRY_DELAYS_MS.length) throw error;
      say(t("retrying"), "warn");
      await sleep(RETRY_DELAYS_MS[attempt]);
    }
  }
}

async function press(action, body) {
  if (busy || !assigned) return;
  if (action !== "no-show") disarm();
  const needsTicket = action !== "call-next" && action !== "call" && !STATUS_ACTIONS.has(action);
  if (needsTicket && !current()) return say(t("no_current"), "warn");
  // One key per press; a press that got no answer is repeated with its key, so that the
  // server answers it once instead of calling a second person.
  const key = action === "call-next" ? retryKey || newKey() : null;
  const began = performance.now();
  busy = true;
  updateButtons();
  try {
    const answer = await post(action, body, key);
    retryKey = null;
    accept(action, answer, body);
  } catch (error) {
    refuse(action, error, key, body);
  } finally {
    await sleep(Math.max(0, MIN_BUSY_MS - (performance.now() - began)));
    busy = false;
    render();
    if (focusCallNext) document.getElementById("call-next").focus(); // enabled again now
    focusCallNext = false;
  }
}

function transferred(vars, to) {
  if (to.counter) return t("transferred_desk", { ...vars, counter: config.counters[to.counter] || to.counter });
  return to.first ? t("transferred_first", vars) : t("transferred", vars);
}

function accept(action, { ticket, seq, counter }, body) {
  noteStatus(counter, seq); // a status changed, or a call that opened the counter first
  if (STATUS_ACTIONS.has(action)) {
    const said = { open: () => t("now_open"), pause: () => t("now_paused"), close: () => t("now_closed") };
    // opened from the services' boxes: Space calls next again, rather than ticking a box
    focusCallNext = action === "open" && Boolean(document.activeElement?.closest("#open-services"));
    return say(said[action](), "ok");
  }
  const stays = action === "call-next" || action === "recall" || action === "call";
  answered = { ticket: stays ? ticket : null, seq };
  const vars = { number: ticket.number, service: serviceName(ticket.service) };
  const messages = {
    "call-next": () => [t("called", vars), "ok"],
    call: () => [t("called", vars), "ok"],
    recall: () => [t("recalled", vars), "ok"],
    done: () => [t("closed_done", vars), ""],
    "no-show": () => [t("closed_no_show", vars), ""],
    hold: () => [t("held", vars), ""],
    transfer: () => [transferred(vars, body), ""],
  };
  const [text, kind] = messages[action]();
  say(text, kind);
  if (action === "call") {
    dom.numberField.value = "";
    setText(dom.numberError, "");
  }
}

function refuse(action, error, key, body) {
  if (error.code === "not_callable") {
    const text = t("not_callable", { number: body.ticket.split("-").pop() }); // a ref: its number
    setText(dom.numberError, text);
    say(text, "error");
    readLine(); // the line on screen was behind: show who is there now
  } else if (error.status === 401 || error.code === "csrf_failed") {
    login.show(t("session_expired"));
  } else if (error.status === 403) {
    say(t("forbidden"), "error");
  } else if (error.code === "current_ticket") {
    say(t("close_current"), "warn");
  } else if (error.code === "invalid_services") {
    say(t("choose_services"), "warn");
  } else if (error.code === "queue_empty" || error.code === "no_current_ticket") {
    // call-next closes the current ticket before it finds the queue empty: none is current now.
    answered = { ticket: null, seq: socketSeq + 0.5 };
    say(error.code === "queue_empty" ? t("queue_empty") : t("no_current"), "warn");
  } else if (error.isNetwork) {
    if (key) retryKey = key;
    say(t("network_failed"), "error");
  } else {
    say(t("failed", { message: error.message }), "error");
  }
}

// -- transfer: to a service (back or head of its line) or to another counter ---------

let transferFrom = null; // the element that had the focus before the dialog opened

function transferTarget() {
  const [kind, id] = dom.transferTo.value.split(":");
  return { kind, id };
}

/** Back of the ticket's own line is where it came from: only its head makes sense there. */
function fitPlace() {
  const ticket = current();
  const { kind, id } = transferTarget();
  const own = kind === "service" && ticket && id === ticket.service;
  dom.transferPlace.disabled = kind !== "service";
  dom.transferBack.disabled = own;
  if (own) dom.transferFirst.checked = true;
}

function openTransfer() {
  const ticket = current();
  if (busy || !assigned) return;
  if (!ticket) return say(t("no_current"), "warn");
  transferFrom = document.activeElement;
  setText(dom.transferNumber, ticket.number);
  const other = Array.from(dom.transferTo.options).find((o) => o.value !== `service:${ticket.service}`);
  dom.transferTo.value = other ? other.value : `service:${ticket.service}`;
  dom.transferBack.checked = true;
  fitPlace();
  dom.dialog.showModal();
  dom.transferTo.focus();
}

dom.transferTo.addEventListener("change", fitPlace);

dom.dialog.addEventListener("close", () => {
  if (dom.dialog.returnValue === "transfer") {
    const { kind, id } = transferTarget();
    const first = dom.transferFirst.checked;
    press("transfer", kind === "counter" ? { counter: id } : first ? { service: id, first } : { service: id });
  }
  dom.dialog.returnValue = "";
  // back where the clerk was; from nowhere in particular (the body), to the big button
  const from = transferFrom;
  const usable = from && from !== document.body && from.isConnected && !from.disabled;
  (usable ? from : document.getElementById("call-next")).focus();
});

// -- call a ticket by its number, or from the line ---------------------------------

function callTicket(name) {
  disarm();
  press("call", { ticket: name });
}

dom.numberForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = dom.numberField.value.trim().toUpperCase();
  if (!name) {
    setText(dom.numberError, t("type_number"));
    return;
  }
  setText(dom.numberError, "");
  callTicket(name);
});

dom.numberField.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    dom.numberField.value = "";
    setText(dom.numberError, "");
    dom.numberField.blur(); // the shortcuts work again (call-next cannot take the focus while busy)
    document.getElementById("call-next").focus();
  }
});

function shortcut(action) {
  if (action === "open") openCounter();
  else if (action === "pause") openPause();
  else if (action === "transfer") openTransfer();
  else if (action === "no-show") noShow();
  else if (action === "number") dom.numberField.focus();
  else press(action);
}

for (const button of dom.buttons) {
  button.addEventListener("click", (event) => {
    if (event.detail > 1) return; // the second click of a double click
    shortcut(button.dataset.action);
  });
}

// Space/Enter call next unless a control has the focus (it has its own meaning for them);
// letters by physical key (event.code) so that they work with Cyrillic layouts too.
document.addEventListener(
  "keydown",
  (event) => {
    if (dom.app.hidden || dom.dialog.open || dom.pauseDialog.open) return;
    if (event.key === "Escape" && armed) {
      event.preventDefault();
      disarm();
      return;
    }
    if (event.repeat && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault(); // a held key must not activate a focused button again and again
      return;
    }
    if (event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target instanceof Element ? event.target : document.body;
    // a ticked service box keeps the letters working; Space is its own (it ticks)
    if (target.closest('input:not([type="checkbox"]), select, textarea, [contenteditable]')) return;
    const onControl = target.closest('button, a, summary, input[type="checkbox"]');
    if (event.code === "Space" || event.code === "Enter" || event.code === "NumpadEnter") {
      if (onControl) return;
      event.preventDefault();
      press("call-next");
    } else if (KEYS[event.code]) {
      event.preventDefault();
      shortcut(KEYS[event.code]);
    }
  },
  true,
);

// -- a clerk at a counter that is not theirs ------------------------------------

/** Links to the counters this user works at ("demo/3"), named when they are of this site. */
function showOwnCounters(counters) {
  dom.elsewhere.hidden = assigned;
  const links = counters.map((ref) => {
    const [site, counter] = ref.split("/");
    const name = site === config.site && config.counters[counter] ? config.counters[counter] : ref;
    const href = `/counter/${encodeURIComponent(site)}/${encodeURIComponent(counter)}?lang=${config.lang}`;
    return h("li", {}, h("a", { class: "btn", href }, name));
  });
  if (!assigned && !links.length) links.push(h("li", {}, t("no_counters")));
  dom.ownCounters.replaceChildren(...links);
}

// -- live events and login -----------------------------------------------------

const socket = new LiveSocket(config.ws, {
  indicator: document.getElementById("conn-status"),
  page: "counter", // for the hello report (display registry); no audio here
  onSnapshot(data, msg) {
    const at = performance.now();
    state.reset(data);
    socketSeq = msg.seq;
    noteStatus(state.counters.get(config.counter), msg.seq);
    const own = ownCounter({ counter: (data.counters || []).find((c) => c.counter === config.counter) });
    if (own && Array.isArray(own.services)) services = new Set(own.services);
    render();
    readLine(at);
  },
  onEvent(msg) {
    const at = performance.now();
    state.apply(msg);
    socketSeq = msg.seq;
    if (msg.type.startsWith("counter.")) noteStatus(msg.data && msg.data.counter, msg.seq);
    render();
    if (changesLine(msg)) readLine(at);
  },
  onControl: followSite(config, siteChanged),
});

/** The site changed (sitechange.js put in the new names and services): find them again. */
function siteChanged() {
  dom.waiting = document.querySelectorAll("[data-waiting]");
  dom.transferTo = document.getElementById("transfer-to"); // a new element: listen again
  dom.transferTo.addEventListener("change", fitPlace);
  socket.path = config.ws;
  render();
}

const login = new Login({
  view: document.getElementById("login-view"),
  app: dom.app,
  t,
  onLogin(user) {
    setText(dom.user, user.username);
    const here = `${config.site}/${config.counter}`;
    assigned = user.role === "admin" || user.counters === null || user.counters.includes(here);
    showOwnCounters(assigned ? [] : user.counters);
    say("");
    if (!socket.connected && socket.stopped) socket.start();
    render();
    readLine();
    if (assigned) document.getElementById("call-next").focus();
    else dom.elsewhere.focus();
  },
});

document.getElementById("logout").addEventListener("click", () => login.logout());
login.start();
