// Administration: each site's enrolled kiosks (CONTRACT 6.7), and the desks' rating tablets
// (CONTRACT 6.4: a kiosk enrolled for one counter). Enrol one by name (and counter): its key
// is shown this once, with the enrolment link (/kiosk/SITE#key=…, or /rate/SITE/COUNTER#key=…)
// that, opened on the device, keeps the key there. List them; revoke one (after a
// confirmation). Starts when admin.js has logged an administrator in ("loket:login").
//
// config.strings keys (texts: server/web/strings.py, page "admin"):
//   kiosk_enrolled, desk_enrolled, kiosk_never_used, no_kiosks, kiosk_revoke,
//   kiosk_revoke_confirm, kiosk_revoked, kiosk_copied, failed, session_expired
// config.moment: how the page's language writes a date and time (server/i18n/calendar.py).

import { api } from "loket/api";
import { formatMoment } from "loket/calendar";
import { h, readConfig, siteTimeZone, translator } from "loket/page";

const config = readConfig();
const t = translator(config.strings);

function say(node, text, kind = "") {
  node.textContent = text;
  node.className = `message ${kind}`.trim();
}

function problem(error) {
  return error.status === 401 ? t("session_expired") : t("failed", { message: error.message });
}

class SiteKiosks {
  constructor(root) {
    this.root = root;
    this.site = root.dataset.kioskSite;
    this.path = `/api/v1/sites/${encodeURIComponent(this.site)}/kiosks`;
    this.list = root.querySelector("[data-kiosk-list]");
    this.form = root.querySelector("[data-kiosk-form]");
    this.fresh = root.querySelector("[data-kiosk-new]");
    this.message = root.querySelector("[data-kiosk-message]");
    // what each enrolled device is used as, in the form's words ("" : a ticket kiosk)
    this.uses = new Map(Array.from(root.querySelector("[data-kiosk-use]").options, (o) => [o.value, o.text]));
    this.form.addEventListener("submit", (event) => this.enrol(event));
    root.querySelector("[data-kiosk-copy]").addEventListener("click", () => this.copy());
  }

  async load() {
    try {
      const { kiosks } = await api(this.path);
      this.show(kiosks);
    } catch (error) {
      say(this.message, problem(error), "error");
    }
  }

  show(kiosks) {
    const zone = siteTimeZone(this.root); // the site's clock, as on its kiosks and tickets
    const when = (iso) => (iso ? formatMoment(iso, config.moment, zone) : t("kiosk_never_used"));
    const rows = kiosks.map((kiosk) =>
      h(
        "tr",
        { dataset: { kiosk: kiosk.id } },
        h("td", {}, kiosk.name),
        h("td", {}, this.uses.get(kiosk.counter || "") ?? kiosk.counter),
        h("td", {}, when(kiosk.created_at)),
        h("td", {}, when(kiosk.last_used_at)),
        h(
          "td",
          {},
          h(
            "button",
            { type: "button", class: "btn btn-danger", onclick: () => this.revoke(kiosk) },
            t("kiosk_revoke"),
          ),
        ),
      ),
    );
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: "5" }, t("no_kiosks"))));
    this.list.replaceChildren(...rows);
  }

  async enrol(event) {
    event.preventDefault();
    if (!this.form.reportValidity()) return;
    const submit = this.form.querySelector('button[type="submit"]');
    submit.disabled = true;
    say(this.message, "");
    try {
      const counter = this.form.elements.counter.value;
      const { kiosk, key } = await api(this.path, {
        method: "POST",
        body: { name: this.form.elements.name.value.trim(), ...(counter ? { counter } : {}) },
      });
      this.form.reset();
      this.showKey(kiosk, key);
      this.load();
    } catch (error) {
      say(this.message, problem(error), "error");
    } finally {
      submit.disabled = false;
    }
  }

  /** The key, this once: the link that enrols the device it is opened on (the kiosk page,
   * or a counter's rating tablet), and the key itself. */
  showKey(kiosk, key) {
    const site = encodeURIComponent(this.site);
    const page = kiosk.counter ? `rate/${site}/${encodeURIComponent(kiosk.counter)}` : `kiosk/${site}`;
    const link = `${location.origin}/${page}#key=${encodeURIComponent(key)}`;
    this.fresh.querySelector("[data-kiosk-new-text]").textContent = kiosk.counter
      ? t("desk_enrolled", { name: kiosk.name, use: this.uses.get(kiosk.counter) ?? kiosk.counter })
      : t("kiosk_enrolled", { name: kiosk.name });
    const anchor = this.fresh.querySelector("[data-kiosk-link]");
    anchor.href = link;
    anchor.textContent = link;
    this.fresh.querySelector("[data-kiosk-key]").value = key;
    this.fresh.hidden = false;
    anchor.focus();
  }

  async copy() {
    const link = this.fresh.querySelector("[data-kiosk-link]").href;
    try {
      await navigator.clipboard.writeText(link);
      say(this.message, t("kiosk_copied"), "ok");
    } catch {
      // no clipboard over plain http: the link is selectable on screen
      window.getSelection().selectAllChildren(this.fresh.querySelector("[data-kiosk-link]"));
    }
  }

  async revoke(kiosk) {
    if (!window.confirm(t("kiosk_revoke_confirm", { name: kiosk.name }))) return;
    try {
      await api(`${this.path}/${encodeURIComponent(kiosk.id)}`, { method: "DELETE" });
      say(this.message, t("kiosk_revoked", { name: kiosk.name }), "ok");
      this.fresh.hidden = true; // a key shown before may be the one just revoked
    } catch (error) {
      say(this.message, problem(error), "error");
    }
    this.load();
  }
}

const sites = Array.from(document.querySelectorAll("[data-kiosk-site]"), (root) => new SiteKiosks(root));

document.addEventListener("loket:login", (event) => {
  if (event.detail.role !== "admin") return;
  for (const site of sites) site.load();
});
