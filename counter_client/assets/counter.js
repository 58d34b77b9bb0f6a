// The staff page of one counter: log in, then call, recall, close and transfer tickets.
// The current ticket comes from the API's answers and from the site's live events;
// whichever is newer (by seq) wins, so a late event never undoes a fresh answer.
//
// config.strings keys (texts: server/web/strings.py, page "counter"; plus those of auth.js):
//   called, recalled, closed_done, closed_no_show, transferred, details,
//   queue_empty, no_current, forbidden, not_assigned, retrying, network_failed, failed,
//   session_expired

import { api, newKey } from "loket/api";
import { Login } from "loket/auth";
import { DASH, formatTime, readConfig, restartClass, setText, translator } from "loket/page";
import { SiteState } from "loket/sitestate";
import { LiveSocket } from "loket/socket";

const RETRY_DELAYS_MS = [700, 1500, 3000]; // call-next only: it is safe to repeat with its key
const MIN_BUSY_MS = 600; // a fast answer must not let the second click of a double click through
const KEYS = { KeyR: "recall", KeyD: "done", KeyN: "no-show", KeyT: "transfer" };

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
  transferService: document.getElementById("transfer-service"),
  waiting: document.querySelectorAll("[data-waiting]"),
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
    ticket ? t("details", { service: serviceName(ticket.service), time: formatTime(ticket.called_at, config.lang) }) : "",
  );
  const key = ticket ? `${ticket.ref}/${ticket.recalls}` : "";
  if (shown !== null && key && key !== shown) restartClass(dom.card, "flash", 1500);
  shown = key;
  for (const node of dom.waiting) setText(node, String(state.waiting[node.dataset.waiting] ?? 0));
  updateButtons();
}

// -- actions -------------------------------------------------------------------

let busy = false;
let retryKey = null; // the Idempotency-Key of a call-next press that got no answer

function updateButtons() {
  const hasTicket = Boolean(current());
  for (const button of dom.buttons) {
    button.disabled = busy || (button.dataset.action !== "call-next" && !hasTicket);
  }
  dom.actions.setAttribute("aria-busy", String(busy));
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
  if (busy) return;
  if (action !== "call-next" && !current()) return say(t("no_current"), "warn");
  // One key per press; a press that got no answer is repeated with its key, so that the
  // server answers it once instead of calling a second person.
  const key = action === "call-next" ? retryKey || newKey() : null;
  const began = performance.now();
  busy = true;
  updateButtons();
  try {
    const answer = await post(action, body, key);
    retryKey = null;
    accept(action, answer);
  } catch (error) {
    refuse(action, error, key);
  } finally {
    await sleep(Math.max(0, MIN_BUSY_MS - (performance.now() - began)));
    busy = false;
    render();
  }
}

function accept(action, { ticket, seq }) {
  const stays = action === "call-next" || action === "recall";
  answered = { ticket: stays ? ticket : null, seq };
  const vars = { number: ticket.number, service: serviceName(ticket.service) };
  const messages = {
    "call-next": [t("called", vars), "ok"],
    recall: [t("recalled", vars), "ok"],
    done: [t("closed_done", vars), ""],
    "no-show": [t("closed_no_show", vars), ""],
    transfer: [t("transferred", vars), ""],
  };
  const [text, kind] = messages[action];
  say(text, kind);
}

function refuse(action, error, key) {
  if (error.status === 401 || error.code === "csrf_failed") {
    login.show(t("session_expired"));
  } else if (error.status === 403) {
    say(t("forbidden"), "error");
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

function openTransfer() {
  const ticket = current();
  if (busy || !ticket) return say(t("no_current"), "warn");
  for (const option of dom.transferService.options) option.disabled = option.value === ticket.service;
  const first = Array.from(dom.transferService.options).find((option) => !option.disabled);
  if (!first) return;
  dom.transferService.value = first.value;
  dom.dialog.showModal();
  dom.transferService.focus();
}

dom.dialog.addEventListener("close", () => {
  if (dom.dialog.returnValue === "transfer") press("transfer", { service: dom.transferService.value });
  dom.dialog.returnValue = "";
});

for (const button of dom.buttons) {
  button.addEventListener("click", (event) => {
    if (event.detail > 1) return; // the second click of a double click
    const action = button.dataset.action;
    if (action === "transfer") openTransfer();
    else press(action);
  });
}

// Space/Enter call next unless a control has the focus (it has its own meaning for them);
// letters by physical key (event.code) so that they work with Cyrillic layouts too.
document.addEventListener(
  "keydown",
  (event) => {
    if (dom.app.hidden || dom.dialog.open) return;
    if (event.repeat && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault(); // a held key must not activate a focused button again and again
      return;
    }
    if (event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target instanceof Element ? event.target : document.body;
    if (target.closest("input, select, textarea, [contenteditable]")) return;
    const onControl = target.closest("button, a, summary");
    if (event.code === "Space" || event.code === "Enter" || event.code === "NumpadEnter") {
      if (onControl) return;
      event.preventDefault();
      press("call-next");
    } else if (KEYS[event.code]) {
      event.preventDefault();
      if (KEYS[event.code] === "transfer") openTransfer();
      else press(KEYS[event.code]);
    }
  },
  true,
);

// -- live events and login -----------------------------------------------------

const socket = new LiveSocket(config.ws, {
  indicator: document.getElementById("conn-status"),
  page: "counter", // for the hello report (display registry); no audio here
  onSnapshot(data, msg) {
    state.reset(data);
    socketSeq = msg.seq;
    render();
  },
  onEvent(msg) {
    state.apply(msg);
    socketSeq = msg.seq;
    render();
  },
});

const login = new Login({
  view: document.getElementById("login-view"),
  app: dom.app,
  t,
  onLogin(user) {
    setText(dom.user, user.username);
    const here = `${config.site}/${config.counter}`;
    const allowed = user.role === "admin" || user.counters === null || user.counters.includes(here);
    say(allowed ? "" : t("not_assigned"), allowed ? "" : "error");
    if (!socket.connected && socket.stopped) socket.start();
    render();
    document.getElementById("call-next").focus();
  },
});

document.getElementById("logout").addEventListener("click", () => login.logout());
login.start();
