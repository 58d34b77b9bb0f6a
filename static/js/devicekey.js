// An enrolled device's key (CONTRACT 6.7), kept in the browser: the ticket kiosk's and the
// desk's rating tablet's. The admin page's enrolment link (/kiosk/SITE#key=… or
// /rate/SITE/COUNTER#key=…) stores it by itself; the page sends it as X-Kiosk-Key.
// A #fragment never reaches the server or its logs, and the key is taken out of the address
// bar (and so out of the history, and off the screen) as soon as it is kept.

const KEY_IN_LINK = /(?:^#|&)key=([^&]*)/;

export class DeviceKey {
  /** @param {string} slot the localStorage entry, e.g. "loket.kiosk-key.demo" */
  constructor(slot) {
    this.slot = slot;
  }

  get() {
    try {
      return localStorage.getItem(this.slot) || "";
    } catch {
      return ""; // storage blocked: the device works as one not enrolled
    }
  }

  /** Keeps the key; an empty one forgets it. */
  set(key) {
    try {
      if (key) localStorage.setItem(this.slot, key);
      else localStorage.removeItem(this.slot);
    } catch {
      // storage blocked: nothing to keep it in
    }
  }

  /** The request headers that carry it (none without a key). */
  headers() {
    const key = this.get();
    return key ? { "X-Kiosk-Key": key } : {};
  }

  /** Keeps the key of an enrolment link opened here; true if there was one. */
  takeFromLink() {
    const found = KEY_IN_LINK.exec(location.hash);
    if (!found) return false;
    this.set(decodeURIComponent(found[1]).trim());
    history.replaceState(null, "", location.pathname + location.search);
    return true;
  }
}
