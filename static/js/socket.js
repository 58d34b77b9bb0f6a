// One reconnecting WebSocket for the display, counter and ticket pages (CONTRACT section 4).
//
// - Applies events in seq order exactly once, asks for what is missing, and gives up on a
//   resume that does not come: the rules are in sequencer.js, this file only carries them
//   out. A snapshot replaces everything (the page resets its state in onSnapshot).
// - Reconnects with exponential backoff and full jitter, then sends resume.
// - Browsers do not expose WebSocket ping frames, so it sends a JSON "ping" every 20 s;
//   45 s of silence means a dead link. The pongs also give the server's clock (clock.js): a
//   burst of pings right after each (re)connect makes it good within a second.
// - Never reloads the page: a hall TV must keep running unattended.
// - Drops the socket at once when the browser says it went offline (a phone leaving the
//   Wi-Fi): waiting for the close handshake or for 45 s of silence showed a live page.
// - Reports itself with a "hello" (ARCHITECTURE.md, display registry) after each connection's
//   first snapshot and then every 20 s with the ping, so that staff can see which screens are
//   alive, what they show and whether they can play sound.
// - Replayed events it has already applied do not touch the state again, but go to
//   onReplayed: the page may still want to know that they happened while it was away.

import { ClockSync, localNow } from "loket/clock";
import { Sequencer } from "loket/sequencer";

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 10000;
const SILENCE_LIMIT_MS = 45000;
const PING_EVERY_MS = 20000;
const BURST_PINGS = 5; // right after connecting, BURST_GAP_MS apart
const BURST_GAP_MS = 100;

export class LiveSocket {
  /**
   * @param {string} path e.g. "/ws/display/demo"
   * @param {object} handlers onSnapshot(data, msg), onEvent(msg), onStatus(connected),
   *   onControl(msg) for seq-null messages, onReplayed(msg) for replayed events already in the
   *   state; `indicator`: an element that gets the class "offline" while disconnected.
   *   For the hello report: `page` ("display", "counter", "rate" or "ticket"; none: no
   *   hello), `zone` (or null), `counter` (a rating tablet's, or null) and `audio()`
   *   returning the page's audio state (or null).
   */
  constructor(path, handlers = {}) {
    this.path = path;
    this.handlers = handlers;
    this.connected = false;
    this.sequencer = new Sequencer();
    this.ws = null;
    this.attempt = 0;
    this.clockSync = new ClockSync();
    this.offset = 0; // server clock minus local clock (localNow()), ms
    this.timers = { retry: 0, silence: 0, ping: 0, burst: 0, gap: 0 };
    this.stopped = true;
    this.greeted = false; // a hello went out on this connection (after its first snapshot)
    this.onOnline = () => {
      if (!this.connected && !this.stopped) this.connectNow();
    };
    this.onOffline = () => {
      if (!this.stopped) this.lost();
    };
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.setStatus(false);
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    this.teardown();
    for (const name of Object.keys(this.timers)) clearTimeout(this.timers[name]);
  }

  /** The epoch and the seq of the last event applied (the seq is settable for tests). */
  get epoch() {
    return this.sequencer.epoch;
  }

  get seq() {
    return this.sequencer.seq;
  }

  set seq(seq) {
    this.sequencer.seq = seq;
  }

  /** Milliseconds since the Unix epoch by the server's clock (estimated from pongs). */
  now() {
    return localNow() + this.offset;
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  // -- connection ----------------------------------------------------------

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${this.path}`;
  }

  connect() {
    clearTimeout(this.timers.retry);
    if (this.stopped) return;
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.greeted = false;
      this.setStatus(true);
      const resume = this.sequencer.resume();
      if (resume) this.send(resume);
      this.ping();
      this.pingBurst(BURST_PINGS - 1);
    };
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = () => this.lost();
    ws.onerror = () => {}; // a close event always follows
    this.watchSilence(); // also ends a connect attempt that hangs
  }

  connectNow() {
    this.attempt = 0;
    this.teardown();
    this.connect();
  }

  /** Forget the current socket without waiting for its close handshake (the link may be dead). */
  teardown() {
    const ws = this.ws;
    this.ws = null;
    clearTimeout(this.timers.silence);
    clearTimeout(this.timers.ping);
    clearTimeout(this.timers.burst);
    clearTimeout(this.timers.gap);
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close();
    } catch {
      // already closed
    }
  }

  lost() {
    this.teardown();
    this.setStatus(false);
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    // Full jitter: a whole hall of displays must not reconnect in the same instant.
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 16);
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  setStatus(connected) {
    const changed = connected !== this.connected;
    this.connected = connected;
    const indicator = this.handlers.indicator;
    if (indicator) indicator.classList.toggle("offline", !connected);
    if (changed) this.call("onStatus", connected);
  }

  watchSilence() {
    clearTimeout(this.timers.silence);
    this.timers.silence = setTimeout(() => this.lost(), SILENCE_LIMIT_MS);
  }

  ping() {
    clearTimeout(this.timers.ping);
    if (this.greeted) this.hello(); // one 20 s timer for both; the first hello follows the snapshot
    this.send({ type: "ping", t: localNow() });
    this.timers.ping = setTimeout(() => this.ping(), PING_EVERY_MS);
  }

  /** A few more pings, BURST_GAP_MS apart, so that the clock is good soon after connecting. */
  pingBurst(left) {
    if (left <= 0) return;
    this.timers.burst = setTimeout(() => {
      this.send({ type: "ping", t: localNow() });
      this.pingBurst(left - 1);
    }, BURST_GAP_MS);
  }

  // -- messages ------------------------------------------------------------

  receive(text) {
    this.watchSilence();
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (!msg || typeof msg !== "object" || typeof msg.type !== "string") return;
    if (!Number.isInteger(msg.seq)) {
      if (msg.type === "pong") this.clock(msg.data || {});
      this.call("onControl", msg);
      return;
    }
    this.run(this.sequencer.receive(msg, localNow()));
    if (msg.type === "snapshot" && !this.greeted) {
      this.greeted = true;
      this.hello(); // after the events the snapshot let through, so that its seq counts them
    }
  }

  /** Carries out the sequencer's steps (sequencer.js), in order. */
  run(steps) {
    for (const step of steps) {
      switch (step.do) {
        case "snapshot":
          this.attempt = 0; // a healthy connection: the next outage starts with a short wait
          this.call("onSnapshot", step.msg.data || {}, step.msg);
          break;
        case "apply":
          this.call("onEvent", step.msg);
          break;
        case "replayed":
          this.call("onReplayed", step.msg);
          break;
        case "send":
          this.send(step.message);
          break;
        case "wait":
          clearTimeout(this.timers.gap);
          this.timers.gap = setTimeout(
            () => this.run(this.sequencer.expire(localNow())),
            Math.max(0, step.until - localNow()),
          );
          break;
        case "stopWaiting":
          clearTimeout(this.timers.gap);
          break;
        case "reconnect":
          this.lost(); // a new connection always begins with a snapshot
          break;
      }
    }
  }

  /** The display registry's report: who this screen is and how far it has got. */
  hello() {
    const { page, zone = null, counter = null, audio } = this.handlers;
    if (!page) return;
    let audioState = null;
    try {
      audioState = audio ? audio() : null;
    } catch {
      audioState = null; // a failing getter must not stop the report
    }
    this.send({
      type: "hello",
      display: {
        id: screenId(page),
        page,
        zone: zone || null,
        counter: counter || null,
        screen: `${screen.width}x${screen.height}`,
        version: document.body.dataset.version || null,
        lang: document.documentElement.lang || null,
      },
      epoch: this.epoch,
      seq: this.seq,
      audio: audioState,
    });
  }

  /** A pong: its `client` is our ping's localNow(), `server` the server's clock then. */
  clock({ client, server }) {
    const offset = this.clockSync.add(client, server);
    if (offset !== null) this.offset = offset;
  }

  call(name, ...args) {
    const handler = this.handlers[name];
    if (!handler) return;
    try {
      handler(...args);
    } catch (error) {
      console.error(`LiveSocket ${name} handler failed`, error); // keep the socket alive
    }
  }
}

// -- identity ----------------------------------------------------------------

const memoryIds = {}; // when localStorage is unavailable (private mode, storage disabled)

/**
 * A random id per browser and page kind, kept in localStorage so that a TV keeps its
 * identity in the registry across reloads and restarts.
 */
function screenId(page) {
  const key = `loket.display-id.${page}`;
  try {
    let id = localStorage.getItem(key);
    if (!id) {
      id = randomId();
      localStorage.setItem(key, id);
    }
    return id;
  } catch {
    return (memoryIds[key] ||= randomId());
  }
}

function randomId() {
  // crypto.randomUUID needs a secure context; hall TVs often load plain http from the LAN.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // UUID version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
