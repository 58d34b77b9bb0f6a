// The hall display's labels in all the site's languages (server/web/multilingual.py renders
// each as <span data-ml><span lang data-i>…</span>…</span>): rotated every few seconds, all
// in step, or shown as a pair, per the site's [sites.display] setting. What the script writes
// (counter and service names in the current call and previous calls, the date) is built the
// same way.

import { h } from "loket/page";

export class Labels {
  /** @param {{mode: string, seconds: number, langs: string[], counters: object, services: object}} config */
  constructor(config) {
    this.mode = config.mode || "single";
    this.seconds = config.seconds || 8;
    this.langs = config.langs || [];
    this.counters = config.counters || {};
    this.services = config.services || {};
    this.index = 0; // the language shown now, when rotating
    this.timer = 0;
  }

  start() {
    if (this.mode === "rotate" && this.langs.length > 1) {
      this.timer = setInterval(() => this.next(), this.seconds * 1000);
    }
    return this;
  }

  next() {
    this.index = (this.index + 1) % this.langs.length;
    this.apply(document);
  }

  visible(i) {
    return this.mode === "pair" ? i < 2 : i === this.index;
  }

  /** Shows the current language in every multilingual label under `root`. */
  apply(root) {
    for (const span of root.querySelectorAll("[data-ml] > [data-i]")) {
      span.hidden = !this.visible(Number(span.dataset.i));
    }
  }

  /**
   * A counter's name for the screen. Screen readers get the page language only (the call is
   * in a live region: a rotating name would be spoken again at every turn).
   */
  counter(id) {
    return this.name(this.counters[id], id);
  }

  /** A service's name for the screen, the same way (the line a transferred ticket waits in). */
  service(id) {
    return this.name(this.services[id], id);
  }

  name(names = {}, id = "") {
    return this.texts(names, names[this.langs[0]] || id);
  }

  /** Text the script writes in each language (`texts`: lang → text; `own` when one lacks). */
  texts(texts, own = texts[this.langs[0]]) {
    if (this.langs.length < 2 || this.mode === "single") return [own];
    const spans = this.langs.map((lang, i) =>
      h("span", { lang, dataset: { i: String(i) }, hidden: !this.visible(i) }, texts[lang] || own),
    );
    return [
      h("span", { class: "sr-only" }, own),
      h("span", { class: `ml ml-${this.mode}`, dataset: { ml: "" }, "aria-hidden": "true" }, spans),
    ];
  }

  /** The site changed (sitechange.js): new names, perhaps another mode; the turn goes on. */
  take(config) {
    clearInterval(this.timer);
    this.mode = config.mode || "single";
    this.seconds = config.seconds || 8;
    this.langs = config.langs || [];
    this.counters = config.counters || {};
    this.services = config.services || {};
    this.index = this.index % Math.max(1, this.langs.length);
    this.start();
    this.apply(document);
  }
}
