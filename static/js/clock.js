// The server's clock as seen from this page, NTP-style (CONTRACT section 4: ping / pong).
//
// - Local time is performance.timeOrigin + performance.now(): milliseconds since the epoch
//   that never jump. Date.now() follows whatever the TV's clock is set to (often wrong, and
//   it may be stepped while we run); performance.now() does not.
// - Each pong gives one estimate: offset = server + rtt / 2 - received. Its error is at most
//   rtt / 2, so the sample with the shortest round trip is the best one.
// - Only the last WINDOW samples count: a burst of pings after each (re)connect makes the
//   estimate good within a second, and the window slides so a drifting clock is followed.

const WINDOW = 8; // a burst of 5, then one ping every 20 s: a burst ages out in under 3 min

/** Milliseconds since the Unix epoch by this page's monotonic clock. */
export function localNow() {
  return performance.timeOrigin + performance.now();
}

export class ClockSync {
  constructor() {
    this.samples = []; // [{rtt, offset}], oldest first
  }

  /**
   * Adds the answer to a ping sent at `sent` (localNow()) that the server stamped `server`
   * (its epoch ms); returns the best offset (server minus local, ms), or null if unusable.
   */
  add(sent, server, received = localNow()) {
    const rtt = received - sent;
    if (!Number.isFinite(rtt) || !Number.isFinite(server) || rtt < 0) return null;
    this.samples.push({ rtt, offset: server + rtt / 2 - received });
    if (this.samples.length > WINDOW) this.samples.shift();
    return this.samples.reduce((best, s) => (s.rtt < best.rtt ? s : best)).offset;
  }
}
