// The supervisor's live view (CONTRACT 6.3): every counter and every line of one site, or
// of every site on /live. Each site's display socket says when something happened; the
// page then reads GET .../live again (linefeed.js: one request at a time, however many
// events came). Nothing is polled: between answers, the waits and service times count on
// here from the answer's figures.
//
// config.strings keys (server/web/strings.py, page "live"):
//   session_expired, status_open, status_paused,
//   status_closed, paused_for, served_today, minutes, live, reconnecting, updated_at,
//   unreachable, nobody

import { api } from "loket/api";
import { Login } from "loket/auth";
import { formatMoment } from "loket/calendar";
import { clock } from "loket/duration";
import { LineFeed } from "loket/linefeed";
import { DASH, readConfig, setText, translator } from "loket/page";
import { LiveSocket } from "loket/socket";

const config = readConfig();
const t = translator(config.strings);
const LONG_SERVICE_S = 20 * 60; // a service this long stands out when today has no p90 yet
const SHORTEST_LONG_S = 5 * 60; // nor does one under this, whatever today's p90 (few samples)
const TICK_MS = 1000;

function statusText(state) {
  if (state.status === "open") return t("status_open");
  if (state.status === "closed") return t("status_closed");
  return state.reason ? t("paused_for", { reason: state.reason }) : t("status_paused");
}

function percent(share) {
  return share === null || share === undefined
    ? DASH
    : new Intl.NumberFormat(config.lang, { style: "percent" }).format(share);
}

/** A duration that counts on from an answer: `seconds` then, plus the time since. */
class Ticking {
  constructor() {
    this.items = new Map(); // element → seconds at `this.at`
    this.at = performance.now();
  }

  reset() {
    this.items.clear();
    this.at = performance.now();
  }

  set(node, seconds) {
    if (seconds === null || seconds === undefined) {
      this.items.delete(node);
      setText(node, "");
      return;
    }
    this.items.set(node, seconds);
    setText(node, clock(seconds));
  }

  tick() {
    const passed = (performance.now() - this.at) / 1000;
    for (const [node, seconds] of this.items) setText(node, clock(seconds + passed));
  }
}

class SiteView {
  constructor(card, site) {
    this.card = card;
    this.site = site;
    this.ticking = new Ticking();
    this.link = card.querySelector("[data-link]");
    this.feed = new LineFeed(
      () => api(`/api/v1/sites/${encodeURIComponent(site.id)}/live`),
      (answer) => this.show(answer),
      (error) => this.failed(error),
    );
    this.socket = new LiveSocket(site.ws, {
      onSnapshot: () => this.feed.refresh(),
      onEvent: () => this.feed.refresh(),
      onStatus: (connected) => {
        card.classList.toggle("offline", !connected);
        setText(this.link, connected ? t("live") : t("reconnecting"));
      },
    });
  }

  start() {
    if (this.started) return; // logged in again after a session ended: it runs already
    this.started = true;
    this.socket.start();
  }

  failed(error) {
    if (error.status === 401) {
      login.show(t("session_expired"));
      return;
    }
    setText(this.card.querySelector("[data-updated]"), t("unreachable"));
  }

  show(live) {
    this.ticking.reset();
    this.showToday(live.today);
    for (const line of live.services) this.showService(line);
    const p90 = live.today?.service_s?.p90;
    const longAfter = p90 ? Math.max(p90, SHORTEST_LONG_S) : LONG_SERVICE_S;
    for (const counter of live.counters) this.showCounter(counter, longAfter);
    setText(
      this.card.querySelector("[data-updated]"),
      t("updated_at", { time: formatMoment(new Date(), config.time) }),
    );
  }

  showToday(today) {
    const stat = (name) => this.card.querySelector(`[data-stat="${name}"]`);
    const count = (n) => (today ? new Intl.NumberFormat(config.lang).format(n) : DASH);
    setText(stat("issued"), count(today?.issued));
    setText(stat("served"), count(today?.served));
    setText(stat("no_show"), count(today?.no_show));
    setText(stat("wait"), today?.wait_s ? clock(today.wait_s.avg) : DASH);
    setText(stat("within"), percent(today?.within_target));
  }

  showService(line) {
    const row = this.card.querySelector(`[data-service="${CSS.escape(line.service)}"]`);
    if (!row) return; // a service added since the page was made: a reload shows it
    const cell = (name) => row.querySelector(`[data-cell="${name}"]`);
    setText(cell("waiting"), String(line.waiting));
    if (line.longest_wait_s === null) setText(cell("longest"), DASH);
    else this.ticking.set(cell("longest"), line.longest_wait_s);
    const target = line.target_wait_s;
    const minutes = new Intl.NumberFormat(config.lang, { maximumFractionDigits: 1 }).format(target / 60);
    setText(cell("target"), target === null ? DASH : t("minutes", { n: minutes }));
    setText(cell("over"), target === null ? DASH : String(line.over_target));
    row.classList.toggle("over-target", line.over_target > 0);
  }

  showCounter(counter, longAfter) {
    const item = this.card.querySelector(`[data-counter="${CSS.escape(counter.counter)}"]`);
    if (!item) return;
    const cell = (name) => item.querySelector(`[data-cell="${name}"]`);
    item.dataset.status = counter.status;
    setText(cell("status"), statusText(counter));
    setText(cell("ticket"), counter.current ? counter.current.number : DASH);
    this.ticking.set(cell("serving"), counter.current ? counter.serving_s : null);
    item.classList.toggle("long-service", (counter.serving_s ?? 0) > longAfter);
    setText(cell("clerk"), counter.user || (counter.status === "closed" ? "" : t("nobody")));
    setText(cell("served"), t("served_today", { n: counter.served_today }));
  }
}

const views = [];
for (const site of config.sites) {
  const card = document.querySelector(`.live-site[data-site="${CSS.escape(site.id)}"]`);
  if (card) views.push(new SiteView(card, site));
}

const login = new Login({
  view: document.getElementById("login-view"),
  app: document.getElementById("live-app"),
  t,
  onLogin(user) {
    setText(document.getElementById("user-name"), user.username);
    const allowed = user.role === "admin" || user.role === "supervisor";
    document.getElementById("supervisor-only").hidden = allowed;
    for (const view of views) {
      view.card.hidden = !allowed;
      if (allowed) view.start();
    }
  },
});

setInterval(() => {
  for (const view of views) view.ticking.tick();
}, TICK_MS);
document.getElementById("logout").addEventListener("click", () => login.logout());
login.start();
