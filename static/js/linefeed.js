// Reads something again whenever events say it may have changed, without piling requests
// up: one request in flight at a time, and at most one more asked for while it runs
// (however many events came meanwhile, the next answer covers them all). No imports, so
// that node can test it (tests/js/linefeed.test.mjs).

export class LineFeed {
  /** @param {() => Promise<object>} read one request; onLine(answer, since); onError(error) */
  constructor(read, onLine, onError) {
    this.read = read;
    this.onLine = onLine;
    this.onError = onError;
    this.running = false;
    this.again = false;
    this.since = null; // performance.now() of the first event the next answer must show
  }

  /** An event may have changed the line; `at` is when it came (performance.now()). */
  refresh(at = performance.now()) {
    if (this.since === null) this.since = at;
    if (this.running) {
      this.again = true;
      return;
    }
    this.run();
  }

  async run() {
    this.running = true;
    const since = this.since;
    this.since = null;
    try {
      this.onLine(await this.read(), since);
    } catch (error) {
      this.onError(error);
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.run();
      }
    }
  }
}
