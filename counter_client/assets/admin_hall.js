// Administration: the hall changed without a restart (server/hall.py). "Reload the site
// file" takes the file as it is on the server now, and says what changed or why nothing
// did; the running text of each site is edited per language and shows on the displays at
// once. Starts when admin.js has logged an administrator in (its "loket:login" event).
//
// config.strings keys (texts: server/web/strings.py, page "admin"):
//   reload_done, reload_same, reload_failed, ticker_saved, failed, session_expired

import { api } from "loket/api";
import { readConfig, translator } from "loket/page";

const config = readConfig();
const t = translator(config.strings);
const reloadButton = document.getElementById("reload-sites");
const reloadMessage = document.getElementById("reload-message");

function say(node, text, kind = "") {
  node.textContent = text;
  node.className = `message ${kind}`.trim();
  node.setAttribute("role", kind === "error" ? "alert" : "status");
}

function problem(error) {
  return error.status === 401 ? t("session_expired") : t("failed", { message: error.message });
}

async function reloadSites() {
  reloadButton.disabled = true;
  say(reloadMessage, "");
  try {
    const { changed } = await api("/api/v1/admin/reload", { method: "POST", body: {} });
    say(reloadMessage, changed.length ? t("reload_done", { changes: changed.join("; ") }) : t("reload_same"), "ok");
    for (const form of forms) form.load();
  } catch (error) {
    const refused = error.status === 409 || error.status === 422;
    say(reloadMessage, refused ? t("reload_failed", { message: error.message }) : problem(error), "error");
  } finally {
    reloadButton.disabled = false;
  }
}

/** One site's running text: a field per language, the file's text as its placeholder. */
class TickerForm {
  constructor(form) {
    this.form = form;
    this.path = `/api/v1/sites/${encodeURIComponent(form.dataset.tickerSite)}/ticker`;
    this.message = form.querySelector("[data-ticker-message]");
    this.fields = Array.from(form.querySelectorAll("textarea"));
    this.fromFile = {};
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save(false);
    });
    form.querySelector("[data-ticker-reset]").addEventListener("click", () => this.save(true));
  }

  async load() {
    try {
      this.show(await api(this.path));
    } catch (error) {
      say(this.message, problem(error), "error");
    }
  }

  show(ticker) {
    this.fromFile = ticker.file;
    for (const field of this.fields) {
      field.placeholder = ticker.file[field.name] || "";
      field.value = ticker.edited[field.name] || ticker.file[field.name] || "";
    }
  }

  async save(toFile) {
    const texts = {};
    for (const field of this.fields) {
      const text = field.value.trim();
      // the file's own text, or none: no override (the file's text shows, and follows it)
      texts[field.name] = toFile || !text || text === this.fromFile[field.name] ? null : text;
    }
    try {
      this.show(await api(this.path, { method: "PUT", body: { texts } }));
      say(this.message, t("ticker_saved"), "ok");
    } catch (error) {
      say(this.message, problem(error), "error");
    }
  }
}

const forms = Array.from(document.querySelectorAll("[data-ticker-site]"), (form) => new TickerForm(form));
reloadButton.addEventListener("click", reloadSites);
document.addEventListener("loket:login", () => {
  for (const form of forms) form.load();
});
