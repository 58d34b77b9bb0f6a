// The hall display's sound output: one AudioContext per page, its volume, its autoplay lock,
// and decoded audio (ARCHITECTURE.md, Audio).
//
// - Web Audio, not <audio> elements: buffers started with start(when) on the context's own
//   clock join sample-accurately (no gap between chime and speech) and start on time.
// - Chromium keeps a context made without a user gesture "suspended" (unless started with
//   --autoplay-policy=no-user-gesture-required); the first key press, click or touch
//   resumes it. A suspended context still decodes, so callers can still time things.
// - With sound off (another TV of the zone is the audio master) there is no live context at
//   all: an OfflineAudioContext only decodes, so the page still knows how long speech lasts.
// - Audio that cannot be fetched or decoded is null: the caller skips it.

const FETCH_TIMEOUT_MS = 10000;
const BUFFERS_KEPT = 24; // decoded clips kept: the chime and a few recent calls (recalls)
const UNLOCK_EVENTS = ["keydown", "pointerdown", "touchstart"];

export class AudioOutput {
  /**
   * @param {object} options `enabled` false: this TV stays silent ("off"); `volume` 0–1;
   *   `onState(state)` when state() changes.
   */
  constructor({ enabled = true, volume = 1, onState = () => {} } = {}) {
    this.onState = onState;
    this.context = null; // the live context, if this page makes sound
    this.decoder = null; // the context that decodes (the live one, or an offline one)
    this.buffers = new Map(); // url → Promise<AudioBuffer | null>, most recently used last
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!enabled) {
      this.decoder = new OfflineAudioContext(1, 1, 44100);
      return;
    }
    try {
      this.context = this.decoder = new Context();
    } catch {
      return; // no audio device at all: "unsupported"
    }
    this.gain = this.context.createGain();
    this.gain.gain.value = volume;
    this.gain.connect(this.context.destination);
    this.context.onstatechange = () => this.onState(this.state());
    this.unlock = () => {
      if (this.context.state !== "running") this.context.resume().catch(() => {});
    };
    // Kept for the page's life: a context can be suspended again (an audio device change).
    for (const type of UNLOCK_EVENTS) window.addEventListener(type, this.unlock, { capture: true, passive: true });
  }

  /** "running", "suspended" (waiting for a gesture), "off" or "unsupported". */
  state() {
    if (this.context) return this.context.state === "running" ? "running" : "suspended";
    return this.decoder ? "off" : "unsupported";
  }

  /** The decoded clip at `url` (fetched once while it stays among the recent ones), or null. */
  load(url) {
    if (!this.decoder) return Promise.resolve(null);
    let buffer = this.buffers.get(url);
    if (buffer) this.buffers.delete(url); // re-inserted below as the most recent
    else buffer = fetchDecoded(url, this.decoder);
    this.buffers.set(url, buffer);
    if (this.buffers.size > BUFFERS_KEPT) this.buffers.delete(this.buffers.keys().next().value);
    buffer.then((decoded) => decoded || this.buffers.delete(url)); // a failure is retried next time
    return buffer;
  }

  /**
   * Local epoch ms (clock.js localNow()) at which the sample at context time 0 leaves the
   * speaker, read from the context's output timestamp (so it includes the output latency).
   * Context time t is heard at epochAtZero() + 1000 t.
   */
  epochAtZero() {
    const context = this.context;
    let { contextTime, performanceTime } = context.getOutputTimestamp?.() || {};
    if (!(performanceTime > 0)) {
      // Nothing rendered yet: what is rendered now is heard after the output latency.
      contextTime = context.currentTime - (context.baseLatency || 0) - (context.outputLatency || 0);
      performanceTime = performance.now();
    }
    return performance.timeOrigin + performanceTime - contextTime * 1000;
  }

  /** Plays `buffer` from context time `when` (seconds) at this TV's volume. */
  play(buffer, when) {
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.gain);
    source.start(when);
    return source;
  }
}

async function fetchDecoded(url, decoder) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    const answer = await fetch(url, { signal: abort.signal });
    if (!answer.ok) return null;
    return await decoder.decodeAudioData(await answer.arrayBuffer());
  } catch {
    return null; // offline, timed out, or not audio we can decode
  } finally {
    clearTimeout(timer);
  }
}
