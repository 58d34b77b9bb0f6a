// The order of a live socket's events (CONTRACT section 4), without the socket: a pure object
// that is told what arrived (and, where time matters, when) and answers with what to do.
// LiveSocket (socket.js) does the WebSocket and the timers; the rules are here alone, so that
// `node --test` can hold them to account (tests/js/sequencer.test.mjs).
//
// - Applies events in seq order exactly once: duplicates (seq <= last applied, same epoch)
//   are dropped; a gap (seq > last + 1) or another epoch asks the server to resume; events
//   that arrive early wait in a buffer until the missing ones are replayed.
// - A snapshot replaces everything.
// - Replayed events already applied (a resume after a reconnect: their seq is at or below the
//   fresh snapshot's) are not applied again, but handed on: the page may still want to know
//   that they happened while it was away (the display announces them).
// - A resume that has not filled the gap GAP_WAIT_MS later: reconnect, for a snapshot.
//
// Every call returns the steps to take, in order:
//   {do: "snapshot", msg}    reset the state from this snapshot
//   {do: "apply", msg}       apply this event
//   {do: "replayed", msg}    an event applied before, replayed: news for the page only
//   {do: "send", message}    send this to the server (a resume)
//   {do: "wait", until}      call expire(now) at `until` (ms, on the clock `now` is given in)
//   {do: "stopWaiting"}      the gap is filled: that call is no longer needed
//   {do: "reconnect"}        drop the connection for a new one (it begins with a snapshot)

export const GAP_WAIT_MS = 5000;

export class Sequencer {
  constructor() {
    this.epoch = null;
    this.seq = null; // the last one applied
    this.pending = new Map(); // seq → event that arrived before its predecessors
    this.deadline = null; // while a resume is awaited: when to give up on it (ms)
  }

  /** The resume to send as a connection opens, or null before the first snapshot. */
  resume() {
    return this.epoch === null ? null : { type: "resume", epoch: this.epoch, seq: this.seq };
  }

  /** A message with an integer seq (a snapshot or an event), received at `now` (ms). */
  receive(msg, now) {
    if (msg.type === "snapshot") {
      // Buffered events of another epoch would be taken for this one's at the same seq.
      if (msg.epoch !== this.epoch) this.pending.clear();
      this.epoch = msg.epoch;
      this.seq = msg.seq;
      return [{ do: "snapshot", msg }, ...this.drain()];
    }
    if (this.epoch === null) return []; // the snapshot always comes first; nothing to build on
    if (msg.epoch === this.epoch && msg.seq <= this.seq) {
      return msg.replayed ? [{ do: "replayed", msg }] : []; // seen already
    }
    if (msg.epoch === this.epoch && msg.seq === this.seq + 1) {
      return [this.apply(msg), ...this.drain()];
    }
    // A gap or another epoch: keep it for later and ask for what is missing. For another
    // epoch the server cannot replay and answers with a fresh snapshot.
    if (msg.epoch === this.epoch) this.pending.set(msg.seq, msg);
    return this.askResume(now);
  }

  /** The wait for a gap to be filled, looked at `now` (ms). */
  expire(now) {
    if (this.deadline === null) return [];
    if (now < this.deadline) return [{ do: "wait", until: this.deadline }]; // a timer fired early
    this.deadline = null;
    this.pending.clear();
    return [{ do: "reconnect" }];
  }

  apply(msg) {
    this.seq = msg.seq;
    return { do: "apply", msg };
  }

  drain() {
    const steps = [];
    while (this.pending.has(this.seq + 1)) {
      const next = this.pending.get(this.seq + 1);
      this.pending.delete(this.seq + 1);
      steps.push(this.apply(next));
    }
    for (const seq of this.pending.keys()) if (seq <= this.seq) this.pending.delete(seq);
    if (this.pending.size === 0 && this.deadline !== null) {
      this.deadline = null;
      steps.push({ do: "stopWaiting" });
    }
    return steps;
  }

  askResume(now) {
    if (this.deadline !== null) return []; // one resume per gap
    this.deadline = now + GAP_WAIT_MS;
    return [
      { do: "send", message: this.resume() },
      { do: "wait", until: this.deadline },
    ];
  }
}
