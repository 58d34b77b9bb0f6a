// The hall display: the newest call huge, the previous calls, who is served at each counter,
// the waiting counts, a clock and the running text. Live through LiveSocket; no input.
//
// A transfer (CONTRACT 6.5) says where its ticket goes next, "A015 ↪ Counter 5" (a desk) or
// "A015 ↪ Passport" (a service's line): first among the previous calls for MOVE_SHOWN_MS, and
// wherever the screen shows that ticket's call until it is called again. A held ticket leaves
// "now serving", as a done one does.
//
// Each call is announced at most once, keyed by (ticket ref, recall): a live call that is new;
// a call replayed after a network drop if it happened less than REPLAY_ANNOUNCE_MS ago (by
// the server's clock); never what a snapshot shows, never a call seen before. A transfer that
// carries an announcement (the site's announce_transfers) is played by the same rules, keyed
// by its event's seq. While a call is spoken its number on screen has the class "speaking".
//
// Per-TV sound settings come from the address (docs/hall-tv.md): ?volume=0–100 (default
// 100), ?trim=ms (added to every start time; may be negative) and ?sound=off (this TV stays
// silent: one audio master per zone). While the browser keeps sound locked until a gesture,
// a banner asks for a key press or a tap.
//
// config.strings keys: none. Everything this script shows is a ticket number, a counter
// or service name from config, or text the template already rendered through gettext.

import { Announcer } from "loket/announce";
import { AudioOutput } from "loket/audio";
import { dayText } from "loket/calendar";
import { Labels } from "loket/labels";
import {
  DASH,
  formatDate,
  formatTime,
  h,
  keepScreenOn,
  readConfig,
  restartClass,
  setText,
  siteTimeZone,
} from "loket/page";
import { Pager } from "loket/pager";
import { followSite } from "loket/sitechange";
import { SiteState, statusNow } from "loket/sitestate";
import { LiveSocket } from "loket/socket";

const FLASH_MS = 8000;
const PREVIOUS_CALLS = 6;
const TICKER_SCREENS_PER_SECOND = 1 / 12; // crosses the screen in 12 s: readable from afar
const REPLAY_ANNOUNCE_MS = 60000; // a call missed longer ago is stale: people have moved on
const HANDLED_KEPT = 500; // calls remembered; far more than can be replayed to us
const TRIM_LIMIT_MS = 5000; // a larger trim is a typo, not a TV's audio delay
const PAGE_MS = 8000; // each page of "now serving" (or waiting) rows: time to find one's own
const MOVE_SHOWN_MS = 120000; // a transfer leads the previous calls this long

/** The layout's CSS variables, from data-layout (display.html): the CSP allows no style="". */
function applyLayout(node) {
  for (const [name, value] of Object.entries(JSON.parse(node.dataset.layout || "{}"))) {
    node.style.setProperty(name, String(value));
  }
}

applyLayout(document.querySelector(".display"));

const config = readConfig();
const state = new SiteState();
const labels = new Labels(config.labels || {});

/** "Now serving" and waiting rows page by page when they do not fit at their minimum size. */
const listPager = (id, rowSelector) => {
  const list = document.getElementById(id);
  return new Pager(list, [...list.querySelectorAll(rowSelector)], document.getElementById(`${id}-page`));
};
const listPagers = () => [listPager("serving-list", ".serving-row"), listPager("waiting-list", ".waiting-row")];
const pagers = listPagers();

function servingRows() {
  return new Map(
    Array.from(document.querySelectorAll(".serving-row[data-counter]"), (row) => [row.dataset.counter, row]),
  );
}

const dom = {
  current: document.getElementById("current"),
  number: document.getElementById("current-number"),
  counter: document.getElementById("current-counter"),
  recall: document.getElementById("current-recall"),
  moved: document.getElementById("current-moved"),
  movedTag: document.getElementById("moved-tag"),
  priority: document.getElementById("current-priority"),
  priorityNote: document.getElementById("priority-note"),
  recent: document.getElementById("recent-list"),
  clock: document.getElementById("clock"),
  date: document.getElementById("date"),
  ticker: document.getElementById("ticker-text"),
  servingRows: servingRows(),
  waitingCounts: document.querySelectorAll("[data-waiting]"),
  soundBanner: document.getElementById("sound-banner"),
};

/** This TV's sound settings from its address: ?volume=0–100&trim=ms&sound=off. */
function soundSettings(query) {
  const params = new URLSearchParams(query);
  const number = (name, fallback) => {
    const value = Number.parseFloat(params.get(name));
    return Number.isFinite(value) ? value : fallback;
  };
  const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
  return {
    enabled: params.get("sound") !== "off",
    volume: clamp(number("volume", 100), 0, 100) / 100,
    trimMs: clamp(number("trim", 0), -TRIM_LIMIT_MS, TRIM_LIMIT_MS),
  };
}

/**
 * Where a call's visitor is to go now: the counter that called them; once transferred
 * (waiting again), the desk that will call them or the service whose line they wait in.
 */
function whereTo(call) {
  const ticket = call.ticket;
  if (ticket.status !== "waiting") return { moved: false, names: labels.counter(call.counter) };
  if (ticket.for_counter) return { moved: true, names: labels.counter(ticket.for_counter) };
  return { moved: true, names: labels.service(ticket.service) };
}

const whereKey = (call) => [call.ticket.status, call.ticket.for_counter ?? "", call.ticket.service].join("/");

// Speaking the same number again must re-announce it, so the live region is refilled only
// when the newest call changes (another ticket, another recall of it, or where it goes).
let shownCall = null; // null: nothing rendered yet

function renderCurrent() {
  const newest = state.recent[0];
  const key = newest ? `${newest.ticket.ref}/${newest.recall}/${whereKey(newest)}` : "";
  if (key === shownCall) return;
  shownCall = key;
  const where = newest ? whereTo(newest) : { moved: false, names: [] };
  dom.number.textContent = newest ? newest.ticket.number : DASH;
  dom.counter.replaceChildren(...where.names);
  dom.current.classList.toggle("empty", !newest);
  dom.current.classList.toggle("moved", where.moved);
  dom.current.classList.toggle("priority-call", Boolean(newest?.ticket.priority));
  dom.priority.hidden = !newest?.ticket.priority;
  dom.recall.hidden = !(newest && newest.recall > 0) || where.moved;
  dom.moved.hidden = !where.moved;
  fitNumber();
}

/** The CSS makes the called number as wide as its panel from its width in em, measured here
 * in the font it is shown in: a long number stays whole, a short one is not held small. */
function fitNumber() {
  const width = dom.number.getBoundingClientRect().width;
  const size = Number.parseFloat(getComputedStyle(dom.number).fontSize);
  if (width > 0 && size > 0) dom.number.style.setProperty("--number-em", (width / size).toFixed(3));
}

/** "Priority" for screen readers (display.html) on a row the script builds, or nothing. */
function priorityNote(ticket) {
  if (!ticket.priority) return null;
  const note = dom.priorityNote.content.firstElementChild.cloneNode(true);
  note.hidden = false;
  return note;
}

/** "Transferred" in the labels' languages (display.html), on a transfer's row. */
function movedTag() {
  return dom.movedTag.content.firstElementChild.cloneNode(true);
}

/** A previous call's row; `movedAt` (server ms) for a transfer shown as news, which flashes. */
function recentItem(call, movedAt = null) {
  const where = whereTo(call);
  const classes = ["recent-item"];
  if (call.ticket.priority) classes.push("priority-ticket");
  if (where.moved) classes.push("moved");
  const item = h(
    "li",
    { class: classes.join(" "), dataset: { ticket: call.ticket.number, ref: call.ticket.ref } },
    h("span", { class: "recent-number" }, call.ticket.number),
    priorityNote(call.ticket),
    where.moved ? movedTag() : null,
    h("span", { class: "arrow", "aria-hidden": "true" }, where.moved ? "↪" : "→"),
    h("span", { class: "recent-counter" }, where.names),
  );
  const age = movedAt === null ? FLASH_MS : socket.now() - movedAt;
  if (age < FLASH_MS) {
    // rebuilt on every event: the flash goes on from where it was, not from its start
    item.classList.add("flash");
    item.style.animationDelay = `${-Math.max(0, age)}ms`;
  }
  return item;
}

/** The transfers still news, newest first, but not the newest call's (the big panel shows it). */
function shownMoves() {
  const newest = state.recent[0]?.ticket.ref;
  const moves = state.movesSince(socket.now() - MOVE_SHOWN_MS).filter((move) => move.ticket.ref !== newest);
  return moves.slice(0, PREVIOUS_CALLS);
}

const movesKey = (moves) => moves.map((move) => move.ticket.ref).join(" ");
let shownMoveKeys = "";

function renderRecent() {
  const moves = shownMoves();
  shownMoveKeys = movesKey(moves);
  const moved = new Set(moves.map((move) => move.ticket.ref));
  const calls = state.recent.slice(1).filter((call) => !moved.has(call.ticket.ref));
  const items = [
    ...moves.map((move) => recentItem({ ticket: move.ticket, counter: move.counter }, move.at)),
    ...calls.slice(0, PREVIOUS_CALLS - moves.length).map((call) => recentItem(call)),
  ];
  dom.recent.replaceChildren(...items);
}

/** A transfer stops being news: the previous calls are shown again without it. */
function expireMoves() {
  if (movesKey(shownMoves()) === shownMoveKeys) return;
  renderRecent();
  renderSpeaking();
}

function renderServing() {
  const now = socket.now();
  for (const [id, row] of dom.servingRows) {
    const ticket = state.nowServing.get(id);
    // a paused or closed counter says so (CONTRACT 6.2); one a server told nothing of: a dash
    const known = state.counters.get(id);
    const status = ticket || !known ? "open" : statusNow(known, siteTimeZone(), now);
    const number = row.querySelector(".serving-number");
    setText(number, ticket ? ticket.number : DASH);
    number.hidden = status !== "open";
    for (const label of row.querySelectorAll(".serving-status")) label.hidden = label.dataset.status !== status;
    row.querySelector(".priority-note").hidden = !ticket?.priority;
    row.classList.toggle("priority-ticket", Boolean(ticket?.priority));
    row.classList.toggle("idle", !ticket);
    row.classList.toggle("paused", status === "paused");
    row.classList.toggle("closed", status === "closed");
    if (status !== "open") row.classList.remove("flash"); // a call's flash ends with its service
  }
}

function renderWaiting() {
  for (const node of dom.waitingCounts) {
    setText(node, String(state.waiting[node.dataset.waiting] ?? 0));
  }
}

// The ticket whose announcement is being spoken now (null: none). Its number is highlighted
// wherever the screen shows it; the lists are rebuilt on every event, so this is state.
let speaking = null;

function renderSpeaking() {
  const newest = state.recent[0];
  dom.number.classList.toggle("speaking", speaking !== null && newest?.ticket.ref === speaking);
  for (const item of dom.recent.children) {
    item.classList.toggle("speaking", speaking !== null && item.dataset.ref === speaking);
  }
  for (const [id, row] of dom.servingRows) {
    row.classList.toggle("speaking", speaking !== null && state.nowServing.get(id)?.ref === speaking);
  }
}

function render() {
  renderCurrent();
  renderRecent();
  renderServing();
  renderWaiting();
  renderSpeaking();
}

/** The sound is locked until someone presses a key or taps: say so on screen, and tell staff. */
function soundStateChanged() {
  dom.soundBanner.hidden = output.state() !== "suspended";
  if (socket.greeted) socket.hello(); // at once, not at the next 20 s report
}

function flash(call) {
  restartClass(dom.current, "flash", FLASH_MS);
  const row = dom.servingRows.get(call.counter);
  if (!row) return;
  pagers[0].showRow(row); // the page with the called counter comes up, so its flash is seen
  restartClass(row, "flash", FLASH_MS);
}

// "ref/recall" of the calls already handled, oldest first (a Set keeps insertion order).
// Snapshot calls are not added: a call made while we were offline is in the fresh snapshot
// and still deserves its announcement when its replay follows.
const handled = new Set();

/** True the first time a call is seen; remembers it. */
function firstSight(key) {
  if (handled.has(key)) return false;
  handled.add(key);
  if (handled.size > HANDLED_KEPT) handled.delete(handled.values().next().value);
  return true;
}

/** The key an event's announcement is played under, once: a call's "ref/recall", an
 * announced transfer's "ref/moved/seq"; null for an event that is not spoken. */
function announceKey(msg) {
  const data = msg.data;
  if (!data || !data.ticket) return null;
  if (msg.type === "ticket.called") return `${data.ticket.ref}/${data.recall || 0}`;
  if (msg.type === "ticket.transferred" && data.announcement) return `${data.ticket.ref}/moved/${msg.seq}`;
  return null;
}

function announce(msg, key, lateLimitMs) {
  const newest = state.recent[0];
  // Highlight only what the screen shows as the current call (a replay may be older).
  if (newest && `${newest.ticket.ref}/${newest.recall}` === key) flash(newest);
  const ref = msg.data.ticket.ref;
  const onSpeaking = (on) => {
    if (on) speaking = ref;
    else if (speaking === ref) speaking = null; // the next one may have begun already
    renderSpeaking();
  };
  announcer.play(msg.data.announcement, { key, lateLimitMs, onSpeaking });
}

/** A call (or announced transfer) that happened while we were away: announce it only while
 * it is recent. */
function replayedCall(msg) {
  const key = announceKey(msg);
  if (key === null) return;
  const age = socket.now() - Date.parse(msg.ts);
  if (!(age <= REPLAY_ANNOUNCE_MS)) return; // also a missing or unreadable ts
  if (firstSight(key)) announce(msg, key, REPLAY_ANNOUNCE_MS);
}

/** A live transfer of the call the big panel shows: it flashes as a call does. */
function flashMovedCurrent(msg) {
  if (msg.type === "ticket.transferred" && state.recent[0]?.ticket.ref === msg.data?.ticket?.ref) {
    restartClass(dom.current, "flash", FLASH_MS);
  }
}

const sound = soundSettings(location.search);
const output = new AudioOutput({ ...sound, onState: soundStateChanged });
const announcer = new Announcer(output, () => socket.now(), sound.trimMs);
const socket = new LiveSocket(config.ws, {
  indicator: document.getElementById("conn-status"),
  page: "display",
  zone: config.zone,
  audio: () => output.state(),
  onSnapshot(data) {
    state.reset(data);
    render(); // a snapshot is the present state, not news: no flash, no sound
  },
  onEvent(msg) {
    state.apply(msg);
    render();
    const key = announceKey(msg);
    if (msg.replayed) replayedCall(msg); // filled a gap: it may be old news
    else {
      flashMovedCurrent(msg);
      if (key !== null && firstSight(key)) announce(msg, key);
    }
  },
  onReplayed(msg) {
    // already in the snapshot; a transfer is news again while its ticket still waits
    // there, and the announcement is left to decide
    state.catchUp(msg);
    render();
    replayedCall(msg);
  },
  onControl: followSite(config, siteChanged),
});
window.loketSocket = socket; // diagnostic and test hook (browser tests cut the link with it)
// Diagnostic and test hook: what was played and when (announce.js), the sound state and the
// server clock offset in use.
window.loketAudio = {
  log: announcer.log,
  skipped: announcer.skipped,
  settings: sound,
  get state() {
    return output.state();
  },
  get offset() {
    return socket.offset;
  },
};

let shownDay = "";

function tickClock() {
  const now = new Date(socket.now()); // the server's clock: a TV's own clock is often wrong
  setText(dom.clock, formatTime(now, config.lang));
  dom.clock.dateTime = now.toISOString();
  // in each of the labels' languages, turning with them, from the server's CLDR names
  // (every language alike); the browser's own words if it gave none
  const calendars = config.calendars || {};
  const days = Object.fromEntries(
    Object.entries(calendars).map(([lang, names]) => [lang, dayText(now, names, siteTimeZone())]),
  );
  const own = days[config.lang] ?? formatDate(now, config.lang);
  const key = JSON.stringify([own, days]);
  if (key === shownDay) return; // once a day: the spans are built anew
  shownDay = key;
  dom.date.replaceChildren(...labels.texts(days, own));
  renderServing(); // a new day: every counter is closed until it opens
}

function tick() {
  tickClock();
  expireMoves();
}

// The running text in the labels' languages (config.tickers), one language per pass: it
// changes as it leaves the screen, never in mid-sentence.
let tickerTurn = 0;

function nextTicker() {
  const tickers = config.tickers || [];
  if (tickers.length < 2) return;
  tickerTurn = (tickerTurn + 1) % tickers.length;
  dom.ticker.lang = tickers[tickerTurn].lang;
  setText(dom.ticker, tickers[tickerTurn].text);
  sizeTicker();
  // each pass from its start at its own speed, as a new animation: moving the old one back
  // or changing its length would cross another pass's end and skip a language
  dom.ticker.style.animationName = "none";
  void dom.ticker.offsetWidth;
  dom.ticker.style.animationName = "";
}

function sizeTicker() {
  if (!dom.ticker || !dom.ticker.textContent.trim()) return;
  const distance = dom.ticker.scrollWidth; // its width plus one screen of leading space
  const speed = window.innerWidth * TICKER_SCREENS_PER_SECOND;
  dom.ticker.style.setProperty("--ticker-duration", `${Math.max(10, distance / speed).toFixed(1)}s`);
}

/** Sizes what depends on the screen: the running text's speed, the lists' pages. */
function fit() {
  sizeTicker();
  fitNumber();
  for (const pager of pagers) pager.measure();
}

/** The site changed (a reload of its file, a new running text): sitechange.js has put in
 * the new names, rows and running text; what refers to them is found again. */
function siteChanged(doc) {
  const display = document.querySelector(".display");
  display.dataset.layout = doc.querySelector(".display")?.dataset.layout || "{}";
  applyLayout(display);
  dom.servingRows = servingRows();
  dom.waitingCounts = document.querySelectorAll("[data-waiting]");
  dom.ticker = document.getElementById("ticker-text");
  dom.ticker?.addEventListener("animationiteration", nextTicker);
  tickerTurn = 0;
  pagers.splice(0, pagers.length, ...listPagers());
  labels.take(config.labels || {});
  socket.path = config.ws; // a reconnect names the version shown now
  shownCall = null; // the current call's counter name, again
  render();
  fit();
}

render();
soundStateChanged();
tickClock();
setInterval(tick, 1000);
document.fonts.ready.then(fit);
dom.ticker?.addEventListener("animationiteration", nextTicker);
window.addEventListener("resize", fit);
fit();
setInterval(() => pagers.forEach((pager) => pager.next()), PAGE_MS);
keepScreenOn();
labels.start();
socket.start();
