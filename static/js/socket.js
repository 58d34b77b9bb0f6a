// One reconnecting WebSocket for the display, counter and ticket pages (CONTRACT section 4).
//
// - Applies events in seq order exactly once: duplicates (seq <= last applied, same epoch)
//   are dropped; a gap (seq > last + 1) or another epoch asks the server to resume; events
//   that arrive early wait in a buffer until the missing ones are replayed.
// - A snapshot replaces everything (the page resets its state in onSnapshot).
// - Reconnects with exponential backoff and full jitter, then sends resume.
// - Browsers do not expose WebSocket ping frames, so it sends a JSON "ping" every 20 s
//   (the "pong" also gives the server's clock); 45 s of silence means a dead link.
// - Never reloads the page: a hall TV must keep running unattended.

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 10000;
const SILENCE_LIMIT_MS = 45000;
const PING_EVERY_MS = 20000;
const GAP_WAIT_MS = 5000; // a resume that does not fill the gap by then: reconnect for a snapshot
const CLOCK_SAMPLES = 5;

export class LiveSocket {
  /**
   * @param {string} path e.g. "/ws/display/demo"
   * @param {object} handlers onSnapshot(data, msg), onEvent(msg), onStatus(connected),
   *   onControl(msg) for seq-null messages; `indicator`: an element that gets the class
   *   "offline" while disconnected.
   */
  constructor(path, handlers = {}) {
    this.path = path;
    this.handlers = handlers;
    this.connected = false;
    this.epoch = null;
    this.seq = null;
    this.ws = null;
    this.attempt = 0;
    this.pending = new Map(); // seq → event that arrived before its predecessors
    this.clockSamples = []; // [{rtt, offset}] from pongs
    this.offset = 0; // server clock minus local clock, ms
    this.timers = { retry: 0, silence: 0, ping: 0, gap: 0 };
    this.stopped = true;
    this.onOnline = () => {
      if (!this.connected && !this.stopped) this.connectNow();
    };
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    this.setStatus(false);
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    this.teardown();
    for (const name of Object.keys(this.timers)) clearTimeout(this.timers[name]);
  }

  /** Milliseconds since the Unix epoch by the server's clock (estimated from pongs). */
  now() {
    return Date.now() + this.offset;
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
      this.setStatus(true);
      if (this.epoch !== null) this.send({ type: "resume", epoch: this.epoch, seq: this.seq });
      this.ping();
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
    this.send({ type: "ping", t: Date.now() });
    this.timers.ping = setTimeout(() => this.ping(), PING_EVERY_MS);
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
    if (msg.type === "snapshot") {
      this.attempt = 0; // a healthy connection: the next outage starts with a short wait
      this.epoch = msg.epoch;
      this.seq = msg.seq;
      this.call("onSnapshot", msg.data || {}, msg);
      this.drain();
      return;
    }
    if (this.epoch === null) return; // the snapshot always comes first; nothing to build on yet
    if (msg.epoch === this.epoch && msg.seq <= this.seq) return; // seen already
    if (msg.epoch === this.epoch && msg.seq === this.seq + 1) {
      this.apply(msg);
      this.drain();
      return;
    }
    // A gap or another epoch: keep it for later and ask for what is missing. For another
    // epoch the server cannot replay and answers with a fresh snapshot.
    if (msg.epoch === this.epoch) this.pending.set(msg.seq, msg);
    this.askResume();
  }

  apply(msg) {
    this.seq = msg.seq;
    this.call("onEvent", msg);
  }

  drain() {
    while (this.pending.has(this.seq + 1)) {
      const next = this.pending.get(this.seq + 1);
      this.pending.delete(this.seq + 1);
      this.apply(next);
    }
    for (const seq of this.pending.keys()) if (seq <= this.seq) this.pending.delete(seq);
    if (this.pending.size === 0) {
      clearTimeout(this.timers.gap);
      this.timers.gap = 0;
    }
  }

  askResume() {
    if (this.timers.gap) return; // one resume per gap
    this.send({ type: "resume", epoch: this.epoch, seq: this.seq });
    this.timers.gap = setTimeout(() => {
      this.timers.gap = 0;
      this.pending.clear();
      this.lost(); // a new connection always begins with a snapshot
    }, GAP_WAIT_MS);
  }

  clock({ client, server }) {
    if (!Number.isFinite(client) || !Number.isFinite(server)) return;
    const now = Date.now();
    const rtt = now - client;
    this.clockSamples.push({ rtt, offset: server + rtt / 2 - now });
    if (this.clockSamples.length > CLOCK_SAMPLES) this.clockSamples.shift();
    // The sample with the shortest round trip has the smallest error.
    this.offset = this.clockSamples.reduce((best, s) => (s.rtt < best.rtt ? s : best)).offset;
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
