// Speaks a call's announcement on the hall display (CONTRACT section 4, Announcement): the
// site's chime, then each segment (one per site language), back to back without a gap,
// starting at `start_at` on the server's clock so that every TV in the hall speaks together.
//
// - One announcement at a time, in arrival order: a burst of calls queues up, each starts
//   when the previous one ends. Nothing is cut off and nothing overlaps.
// - Audio is fetched the moment the call arrives: the server leaves a lead time for that.
//   A clip not in by the moment it is due (the first: its slot plus a short grace) is left
//   out — the server is behind or shed that speech (503): the chime and the highlight
//   still come, and nothing after it is held up waiting for a missing segment.
// - An announcement whose turn comes more than its late limit after its start is skipped
//   (waiting behind other announcements does not count as late). So is one whose audio
//   all failed; a failed clip alone is left out. The screen never depends on sound.
// - While the page cannot make sound (autoplay lock, sound=off) announcements still take
//   their time slot, silently: the on-screen highlight follows the TVs that do speak, and
//   nothing piles up to blast out when the sound is turned on.
// Which calls deserve an announcement (once each) is the display page's decision.

import { localNow } from "loket/clock";

const TOO_LATE_MS = 10000; // a call announced this late would confuse more than help
const LOAD_GRACE_MS = 1000; // how long past its slot the first clip may still arrive
const PLACE_AHEAD_MS = 200; // a later clip is placed this long before it is due: no gap
const MARGIN_S = 0.05; // never start a clip sooner than this: start(when) in the past would clip it
const ANNOUNCED_KEPT = 500;
const LOG_KEPT = 200;

// Test and diagnostic hook: "ref/recall" of every announcement queued, oldest first
// (the last ANNOUNCED_KEPT). Browser tests read it; nothing in the page depends on it.
const announced = (window.loketAnnounced = []);

export class Announcer {
  /**
   * @param {import("./audio.js").AudioOutput} output
   * @param {() => number} serverNow milliseconds since the epoch on the server's clock
   * @param {number} trimMs added to every start: fine tuning of one TV against the others
   */
  constructor(output, serverNow, trimMs = 0) {
    this.output = output;
    this.serverNow = serverNow;
    this.trimMs = trimMs;
    this.chain = Promise.resolve();
    this.endsAt = 0; // local epoch ms when the last scheduled announcement ends
    this.contextEndsAt = 0; // the same on the audio context's clock (s), for the last one heard
    // Diagnostics: what was played ({key, kind, lang, url, at, duration}; `at` in local epoch
    // ms, clock.js) and what was skipped ({key, reason}); the last LOG_KEPT of each.
    this.log = [];
    this.skipped = [];
  }

  /**
   * Queues one announcement. `key` ("ref/recall") is recorded in window.loketAnnounced;
   * `lateLimitMs`: how far past start_at it may still begin (a call replayed after a network
   * drop is worth hearing later than the usual limit); `onSpeaking(true | false)` when it
   * begins and ends.
   */
  play(announcement, { key = null, lateLimitMs = TOO_LATE_MS, onSpeaking = () => {} } = {}) {
    if (key !== null) {
      announced.push(key);
      if (announced.length > ANNOUNCED_KEPT) announced.shift();
    }
    if (!announcement || !Number.isFinite(announcement.start_at)) return;
    const parts = [];
    if (announcement.chime) parts.push({ kind: "chime", lang: null, url: announcement.chime });
    for (const segment of announcement.segments || []) {
      if (segment.url) parts.push({ kind: "speech", lang: segment.lang, url: segment.url });
    }
    if (!parts.length) return;
    for (const part of parts) part.buffer = this.output.load(part.url); // loading starts now
    const job = { key, parts, startAt: announcement.start_at, lateLimitMs, onSpeaking };
    this.chain = this.chain
      .then(() => this.schedule(job))
      .catch((error) => console.error("announcement failed", error)); // the next one still plays
  }

  async schedule(job) {
    // Its time slot: start_at on our clock (the offset as known now), or after the previous.
    const slot = Math.max(job.startAt - (this.serverNow() - localNow()) + this.trimMs, this.endsAt);
    if (localNow() - slot > job.lateLimitMs) return this.skip(job.key, "late");
    const live = this.output.state() === "running";
    let due = slot; // local epoch ms at which the next clip is to start
    let when = null; // the same on the context's clock (s), once a clip is placed
    let zero = null; // epochAtZero() when the first clip is placed: one mapping for all
    let begin = null;
    for (const part of job.parts) {
      // A clip must be in when it is due (the first one may take a short grace), else it is
      // left out and the next takes its place: a missing segment never holds up the rest.
      const grace = begin === null ? LOAD_GRACE_MS : -PLACE_AHEAD_MS;
      const buffer = await within(part.buffer, Math.max(due, localNow()) + grace);
      if (!buffer) continue;
      let at = Math.max(due, localNow());
      if (live) {
        zero ??= this.output.epochAtZero();
        const earliest = this.output.context.currentTime + MARGIN_S;
        when = Math.max(when ?? (due - zero) / 1000, earliest, this.contextEndsAt);
        this.output.play(buffer, when);
        at = zero + when * 1000;
        const { kind, lang, url } = part;
        keep(this.log, { key: job.key, kind, lang, url, at, duration: buffer.duration * 1000 });
        when += buffer.duration; // the next clip starts on the sample after this one ends
        this.contextEndsAt = when;
      }
      if (begin === null) {
        begin = at;
        setTimeout(() => job.onSpeaking(true), begin - localNow());
      }
      due = at + buffer.duration * 1000;
      this.endsAt = due;
    }
    if (begin === null) return this.skip(job.key, "failed");
    setTimeout(() => job.onSpeaking(false), due - localNow());
  }

  skip(key, reason) {
    keep(this.skipped, { key, reason });
  }
}

/** What `promise` resolves to, or null if that is not before `until` (local epoch ms). */
function within(promise, until) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), Math.max(0, until - localNow()));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
    );
  });
}

function keep(list, entry) {
  list.push(entry);
  if (list.length > LOG_KEPT) list.shift();
}
