// The admin page's screens of one site (GET /api/v1/sites/{site}/displays, polled by
// admin.js): each hall TV, counter page and rating tablet with its name, zone, sound, last
// event and state; per screen, Rename (inline, Enter saves, Escape cancels) and Remove (asked again
// in a row below). Rows are kept per screen id and updated in place, so that a poll never
// takes the focus or an open editor away from the admin.
//
// config.strings keys (server/web/strings.py, page "admin"):
//   screen_ok, screen_stale, screen_offline, no_screens, sound_running, sound_suspended,
//   sound_off, sound_unsupported, page_display, page_counter, page_rate, screen_rename,
//   screen_rename_label, screen_remove, screen_remove_label, screen_name_label,
//   screen_name_example, screen_named, screen_unnamed, screen_remove_confirm,
//   screen_removed, save, cancel, failed

import { api } from "loket/api";
import { DASH, h, setText } from "loket/page";

const MAX_NAME = 80; // server/screens.py

export class ScreenTable {
  /**
   * @param {object} options body: the table's <tbody>; message: the status line; site: the
   *   site id; t: the page's translator; onAuthError(error): true when the session is gone
   *   (handled there).
   */
  constructor({ body, message, site, t, onAuthError }) {
    this.body = body;
    this.message = message;
    this.path = `/api/v1/sites/${encodeURIComponent(site)}/displays`;
    this.t = t;
    this.onAuthError = onAuthError;
    this.rows = new Map(); // screen id → its row (see row())
    this.asking = null; // the row whose removal is being confirmed
    this.columns = body.parentElement.tHead.rows[0].cells.length;
    this.empty = h("tr", {}, h("td", { colspan: String(this.columns) }, t("no_screens")));
    // each cell carries its column's name: a phone shows the rows as blocks without the header
    this.labels = Array.from(body.parentElement.tHead.rows[0].cells, (cell) => cell.textContent);
  }

  say(text, kind = "") {
    this.message.textContent = text;
    this.message.className = `message ${kind}`.trim();
  }

  failed(error) {
    if (!this.onAuthError(error)) this.say(this.t("failed", { message: error.message }), "error");
  }

  show(displays) {
    const seen = new Set();
    const wanted = [];
    for (const display of displays) {
      seen.add(display.id);
      const row = this.rows.get(display.id) || this.row(display.id);
      this.fill(row, display);
      wanted.push(row.tr);
      if (this.asking === row) wanted.push(row.confirm);
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) this.drop(row);
    }
    if (!wanted.length) wanted.push(this.empty);
    this.place(wanted);
  }

  /** Puts the rows in order, moving only those out of place (a moved node loses focus). */
  place(wanted) {
    wanted.forEach((tr, index) => {
      if (this.body.children[index] !== tr) this.body.insertBefore(tr, this.body.children[index] || null);
    });
    while (this.body.children.length > wanted.length) this.body.lastElementChild.remove();
  }

  /** A screen's row, made once: its cells and buttons stay while the screen is listed. */
  row(id) {
    const t = this.t;
    const row = { id, display: null };
    row.title = h("span", { class: "screen-title" });
    row.meta = h("span", { class: "screen-meta" });
    row.rename = h("button", { type: "button", class: "btn btn-small", onclick: () => this.edit(row) }, t("screen_rename"));
    row.remove = h(
      "button",
      { type: "button", class: "btn btn-small btn-danger", onclick: () => this.ask(row) },
      t("screen_remove"),
    );
    row.actions = h("td", { class: "screen-actions" }, row.rename, row.remove);
    row.name = h("td", { class: "screen-name" }, row.title, row.meta);
    row.zone = h("td");
    row.sound = h("td");
    row.seq = h("td", { class: "num" });
    row.state = h("td");
    const cells = [row.name, row.zone, row.sound, row.seq, row.state];
    cells.forEach((cell, index) => (cell.dataset.label = this.labels[index]));
    row.tr = h("tr", { dataset: { screen: id } }, ...cells, row.actions);
    this.rows.set(id, row);
    return row;
  }

  fill(row, display) {
    const t = this.t;
    row.display = display;
    const label = this.label(display);
    row.tr.classList.toggle("stale", display.stale);
    row.title.classList.toggle("unnamed", !display.name);
    setText(row.title, label);
    const details = [display.screen].filter(Boolean);
    if (display.name) details.unshift(`${this.kind(display)} · ${display.id.slice(0, 8)}`);
    setText(row.meta, details.join(" · "));
    row.rename.setAttribute("aria-label", t("screen_rename_label", { screen: label }));
    row.remove.setAttribute("aria-label", t("screen_remove_label", { screen: label }));
    setText(row.zone, display.zone || DASH);
    this.fillSound(row.sound, display);
    setText(row.seq, display.seq == null ? DASH : String(display.seq));
    setText(row.state, this.state(display));
  }

  /** The admin's name, else what kind of screen it is and the start of its id. */
  label(display) {
    return display.name || `${this.kind(display)} · ${display.id.slice(0, 8)}`;
  }

  /** What kind of screen reported (its hello's "page"): the hall display, a counter page, or
   * the rating tablet of a counter. */
  kind({ page, counter }) {
    if (page === "display") return this.t("page_display");
    if (page === "counter") return this.t("page_counter");
    if (page === "rate") return this.t("page_rate", { counter: counter || "?" });
    return page || "?";
  }

  // A TV that is stale or silent is what an admin must notice: say it in words, not colour only.
  state(display) {
    if (!display.connected) return this.t("screen_offline");
    return display.stale ? this.t("screen_stale") : this.t("screen_ok");
  }

  /** A hall TV whose browser blocked sound is silent until someone presses a key on it.
   * An offline one plays nothing, whatever it last reported. */
  fillSound(cell, display) {
    const audio = display.page === "display" && display.connected ? display.audio : null;
    cell.classList.toggle("sound-blocked", audio === "suspended");
    if (audio) cell.dataset.sound = audio;
    else delete cell.dataset.sound;
    setText(cell, audio ? this.soundWords(audio) : DASH);
  }

  soundWords(audio) {
    switch (audio) {
      case "running":
        return this.t("sound_running");
      case "suspended":
        return this.t("sound_suspended");
      case "off":
        return this.t("sound_off");
      case "unsupported":
        return this.t("sound_unsupported");
      default:
        return audio;
    }
  }

  // -- rename, in the row ----------------------------------------------------------

  edit(row) {
    if (row.form) return row.form.elements.name.focus();
    const t = this.t;
    const input = h("input", {
      name: "name",
      maxlength: String(MAX_NAME),
      autocomplete: "off",
      "aria-label": t("screen_name_label"),
      placeholder: t("screen_name_example"),
    });
    input.value = row.display.name || "";
    row.form = h(
      "form",
      { class: "screen-rename" },
      input,
      h("button", { type: "submit", class: "btn btn-small btn-primary" }, t("save")),
      h("button", { type: "button", class: "btn btn-small", onclick: () => this.closeEdit(row) }, t("cancel")),
    );
    row.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.rename(row);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.closeEdit(row);
      }
    });
    row.tr.classList.add("editing");
    row.name.append(row.form);
    input.focus();
    input.select();
  }

  closeEdit(row, focus = true) {
    row.form?.remove();
    row.form = null;
    row.tr.classList.remove("editing");
    if (focus) row.rename.focus();
  }

  async rename(row) {
    const submit = row.form.querySelector('button[type="submit"]');
    const name = row.form.elements.name.value.trim() || null;
    submit.disabled = true;
    try {
      const answer = await api(`${this.path}/${encodeURIComponent(row.id)}`, {
        method: "PATCH",
        body: { name },
      });
      const saved = answer.display.name;
      const before = this.label(row.display);
      this.fill(row, { ...row.display, name: saved });
      this.closeEdit(row);
      this.say(
        saved ? this.t("screen_named", { screen: before, name: saved }) : this.t("screen_unnamed", { screen: before }),
        "ok",
      );
    } catch (error) {
      this.failed(error);
      submit.disabled = false;
      row.form?.elements.name.focus();
    }
  }

  // -- remove, asked again in a row below --------------------------------------------

  ask(row) {
    if (this.asking) this.stopAsking(false);
    const t = this.t;
    const yes = h(
      "button",
      { type: "button", class: "btn btn-danger", onclick: () => this.removeNow(row) },
      t("screen_remove"),
    );
    row.confirm = h(
      "tr",
      { class: "screen-confirm-row" },
      h(
        "td",
        { colspan: String(this.columns) },
        h(
          "div",
          { class: "user-confirm", role: "group" },
          h("p", {}, t("screen_remove_confirm", { screen: this.label(row.display) })),
          yes,
          h("button", { type: "button", class: "btn", onclick: () => this.stopAsking() }, t("cancel")),
        ),
      ),
    );
    row.confirm.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.stopAsking();
    });
    this.asking = row;
    row.tr.after(row.confirm);
    yes.focus();
  }

  stopAsking(focus = true) {
    const row = this.asking;
    if (!row) return;
    row.confirm.remove();
    this.asking = null;
    if (focus) row.remove.focus();
  }

  async removeNow(row) {
    const label = this.label(row.display);
    try {
      await api(`${this.path}/${encodeURIComponent(row.id)}`, { method: "DELETE" });
    } catch (error) {
      if (error.status !== 404) {
        this.failed(error);
        return;
      }
    }
    const next = row.confirm?.nextElementSibling; // the row after: focus goes on there
    this.drop(row);
    if (!this.body.children.length) this.body.append(this.empty);
    this.say(this.t("screen_removed", { screen: label }), "ok");
    next?.querySelector("button")?.focus();
  }

  drop(row) {
    if (this.asking === row) this.stopAsking(false);
    row.tr.remove();
    this.rows.delete(row.id);
  }
}
