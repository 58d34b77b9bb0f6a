// Plays a call's spoken announcement on the hall display (CONTRACT section 4, Announcement):
// its segments one after another (one per site language), starting at `start_at` on the
// server's clock so that every display in the hall speaks together.
// Calls queue up instead of talking over each other. Audio that fails (not served, blocked
// by the browser's autoplay policy) is skipped silently; the screen still shows the call.
// Which calls deserve an announcement (once each) is the display page's decision.

const TOO_LATE_MS = 10000; // a call announced this late would confuse more than help
const SEGMENT_TIMEOUT_MS = 20000;
const ANNOUNCED_KEPT = 500;

// Test and diagnostic hook: "ticketId/recall" of every announcement queued, oldest first
// (the last ANNOUNCED_KEPT). Browser tests read it; nothing in the page depends on it.
const announced = (window.loketAnnounced = []);

export class Announcer {
  /** @param {() => number} serverNow milliseconds since the epoch on the server's clock */
  constructor(serverNow) {
    this.serverNow = serverNow;
    this.chain = Promise.resolve();
    this.outcome = null; // "running" | "suspended" after the last real playback attempt
    this.probed = null; // the AudioContext state seen once at start
  }

  /**
   * Queues one announcement. `key` ("ticketId/recall") is recorded in window.loketAnnounced;
   * `lateLimitMs`: how far past start_at it may still begin (a call replayed after a network
   * drop is worth hearing later than the usual limit).
   */
  play(announcement, { key = null, lateLimitMs = TOO_LATE_MS } = {}) {
    if (key !== null) {
      announced.push(key);
      if (announced.length > ANNOUNCED_KEPT) announced.shift();
    }
    const segments = (announcement && announcement.segments) || [];
    if (!segments.length || !Number.isFinite(announcement.start_at)) return;
    const startAt = announcement.start_at;
    // Start loading now: the server leaves a lead time before start_at for this.
    const audios = segments.filter((s) => s.url).map((s) => preload(s.url));
    this.chain = this.chain.then(async () => {
      const wait = startAt - this.serverNow();
      if (wait < -lateLimitMs) return;
      if (wait > 0) await sleep(wait);
      for (const audio of audios) this.outcome = (await playToEnd(audio)) || this.outcome;
    });
  }

  /** For the hello report: "running", "suspended" (autoplay blocked) or "unsupported". */
  audioState() {
    if (typeof Audio === "undefined") return "unsupported";
    if (this.outcome) return this.outcome; // what really happened beats any guess
    // A gesture on the page (someone pressed a key on the TV) lifts the autoplay block.
    if (this.probed === "suspended" && navigator.userActivation?.hasBeenActive) return "running";
    if (this.probed) return this.probed;
    const policy = navigator.getAutoplayPolicy?.("mediaelement"); // Firefox only, so far
    if (policy) return (this.probed = policy === "allowed" ? "running" : "suspended");
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return "running"; // <audio> exists; nothing tells us it is blocked
    // A context made without a gesture starts "suspended" where autoplay is blocked. Made
    // once and closed at once: an open context keeps the audio device busy.
    try {
      const context = new Context();
      this.probed = context.state === "running" ? "running" : "suspended";
      context.close().catch(() => {});
    } catch {
      this.probed = "unsupported";
    }
    return this.probed;
  }
}

function preload(url) {
  const audio = new Audio();
  audio.preload = "auto";
  audio.src = url;
  return audio;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when done: "running" if it played, "suspended" if autoplay refused, else null. */
function playToEnd(audio) {
  return new Promise((resolve) => {
    let outcome = null;
    const finish = () => {
      clearTimeout(timer);
      audio.onended = audio.onerror = null;
      resolve(outcome);
    };
    const timer = setTimeout(finish, SEGMENT_TIMEOUT_MS);
    audio.onended = finish;
    audio.onerror = finish;
    audio.play().then(
      () => (outcome = "running"),
      (error) => {
        if (error && error.name === "NotAllowedError") outcome = "suspended";
        finish();
      },
    );
  });
}
