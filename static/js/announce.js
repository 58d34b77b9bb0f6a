// Plays a call's spoken announcement on the hall display (CONTRACT section 4, Announcement):
// its segments one after another (one per site language), starting at `start_at` on the
// server's clock so that every display in the hall speaks together.
// Calls queue up instead of talking over each other. Audio that fails (not served, blocked
// by the browser's autoplay policy) is skipped silently; the screen still shows the call.

const TOO_LATE_MS = 10000; // a call announced this late would confuse more than help
const SEGMENT_TIMEOUT_MS = 20000;

export class Announcer {
  /** @param {() => number} serverNow milliseconds since the epoch on the server's clock */
  constructor(serverNow) {
    this.serverNow = serverNow;
    this.chain = Promise.resolve();
  }

  play(announcement) {
    const segments = (announcement && announcement.segments) || [];
    if (!segments.length || !Number.isFinite(announcement.start_at)) return;
    const startAt = announcement.start_at;
    // Start loading now: the server leaves a lead time before start_at for this.
    const audios = segments.filter((s) => s.url).map((s) => preload(s.url));
    this.chain = this.chain.then(async () => {
      const wait = startAt - this.serverNow();
      if (wait < -TOO_LATE_MS) return;
      if (wait > 0) await sleep(wait);
      for (const audio of audios) await playToEnd(audio);
    });
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

function playToEnd(audio) {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      audio.onended = audio.onerror = null;
      resolve();
    };
    const timer = setTimeout(finish, SEGMENT_TIMEOUT_MS);
    audio.onended = finish;
    audio.onerror = finish;
    audio.play().catch(finish);
  });
}
