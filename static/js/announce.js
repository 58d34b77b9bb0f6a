// Speaks a call's announcement on the hall display (CONTRACT section 4, Announcement): the
// site's chime, then each segment (one per site language), back to back without a gap,
// starting at `start_at` on the server's clock so that every TV in the hall speaks together.
//
// - One announcement at a time, in arrival order: a burst of calls queues up, each starts
//   when the previous one ends. Nothing is cut off and nothing overlaps.
// - Audio is fetched the moment the call arrives: the server leaves a lead time for that.
// - An announcement whose turn comes more than its late limit after its start is skipped
//   (waiting behind other announcements does not count as late). So is one whose audio
//   all failed; a failed clip alone is left out. The screen never depends on sound.
// - While the page cannot make sound (autoplay lock, sound=off) announcements still take
//   their time slot, silently: the on-screen highlight follows the TVs that do speak, and
//   nothing piles up to blast out when the sound is turned on.
// Which calls deserve an announcement (once each) is the display page's decision.

import { localNow } from "loket/clock";

const TOO_LATE_MS = 10000; // a call announced this late would confuse more than help
const MARGIN_S = 0.05; // never start a clip sooner than this: start(when) in the past would clip it
const ANNOUNCED_KEPT = 500;
const LOG_KEPT = 200;

// Test and diagnostic hook: "ticketId/recall" of every announcement queued, oldest first
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
   * Queues one announcement. `key` ("ticketId/recall") is recorded in window.loketAnnounced;
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
    const parts = [];
    for (const part of job.parts) {
      const buffer = await part.buffer;
      if (buffer) parts.push({ ...part, buffer });
    }
    // Its time slot: start_at on our clock (the offset as known now), or after the previous.
    const slot = Math.max(job.startAt - (this.serverNow() - localNow()) + this.trimMs, this.endsAt);
    if (localNow() - slot > job.lateLimitMs) return this.skip(job.key, "late");
    if (!parts.length) return this.skip(job.key, "failed");
    const [begin, end] =
      this.output.state() === "running" ? this.sound(job.key, parts, slot) : silent(parts, slot);
    this.endsAt = end;
    setTimeout(() => job.onSpeaking(true), begin - localNow());
    setTimeout(() => job.onSpeaking(false), end - localNow());
  }

  /** Schedules the clips back to back on the context's clock; returns [begin, end] (epoch ms). */
  sound(key, parts, slot) {
    const zero = this.output.epochAtZero();
    const earliest = this.output.context.currentTime + MARGIN_S;
    let when = Math.max((slot - zero) / 1000, earliest, this.contextEndsAt);
    const begin = zero + when * 1000;
    for (const { kind, lang, url, buffer } of parts) {
      this.output.play(buffer, when);
      const at = zero + when * 1000;
      keep(this.log, { key, kind, lang, url, at, duration: buffer.duration * 1000 });
      when += buffer.duration; // the next clip starts on the sample after this one ends
    }
    this.contextEndsAt = when;
    return [begin, zero + when * 1000];
  }

  skip(key, reason) {
    keep(this.skipped, { key, reason });
  }
}

/** The time slot of an announcement nobody hears here: [begin, end] in epoch ms. */
function silent(parts, slot) {
  const begin = Math.max(slot, localNow());
  return [begin, parts.reduce((end, part) => end + part.buffer.duration * 1000, begin)];
}

function keep(list, entry) {
  list.push(entry);
  if (list.length > LOG_KEPT) list.shift();
}
