// The admin page's user list (CONTRACT 6.6): each user's role, counters and state, and per
// user: a new password, disable / enable, delete (asked again in the row first). An admin's
// own new password goes through /api/v1/auth/password (the current one asked), so that the
// page keeps working with the new session the server answers with; any other change, through
// PATCH / DELETE /api/v1/users/{username}, ends that user's sessions at once.
//
// config.strings keys (server/web/strings.py, page "admin"):
//   all_counters, no_counters, role_admin, role_supervisor, role_staff, failed, state_active,
//   state_disabled, you, action_password, action_disable, action_enable, action_delete, new_password,
//   current_password, save, cancel, confirm_delete, password_changed, own_password_changed,
//   user_disabled, user_enabled, user_deleted, last_admin

import { api } from "loket/api";
import { h } from "loket/page";

export class UserList {
  /**
   * @param {object} options body: the table's <tbody>; message: the status line; t: the
   *   page's translator; counterLabels: Map "site/counter" → label; me(): the logged-in
   *   user; onAuthError(error): true when the error was a lost session (handled there).
   */
  constructor({ body, message, t, counterLabels, me, onAuthError }) {
    this.body = body;
    this.message = message;
    this.t = t;
    this.counterLabels = counterLabels;
    this.me = me;
    this.onAuthError = onAuthError;
  }

  say(text, kind = "") {
    this.message.textContent = text;
    this.message.className = `message ${kind}`.trim();
  }

  failed(error) {
    if (this.onAuthError(error)) return;
    const text = error.code === "last_admin" ? this.t("last_admin") : error.message;
    this.say(this.t("failed", { message: text }), "error");
  }

  async load() {
    try {
      const { users } = await api("/api/v1/users");
      this.body.replaceChildren(...users.map((user) => this.row(user)));
    } catch (error) {
      this.failed(error);
    }
  }

  countersText(user) {
    if (user.role !== "staff" || user.counters === null) return this.t("all_counters");
    if (!user.counters.length) return this.t("no_counters");
    return user.counters.map((id) => this.counterLabels.get(id) || id).join(", ");
  }

  roleText(role) {
    if (role === "admin") return this.t("role_admin");
    return role === "supervisor" ? this.t("role_supervisor") : this.t("role_staff");
  }

  row(user) {
    const t = this.t;
    const own = user.username === this.me()?.username;
    const tr = h(
      "tr",
      { dataset: { user: user.username }, class: user.disabled ? "user-disabled" : "" },
      h("td", {}, user.username, own ? ` ${t("you")}` : ""),
      h("td", {}, this.roleText(user.role)),
      h("td", {}, this.countersText(user)),
      h(
        "td",
        { dataset: { state: user.disabled ? "disabled" : "active" } },
        user.disabled ? t("state_disabled") : t("state_active"),
      ),
    );
    // no disabling or deleting oneself here: the server would refuse the last admin anyway
    const others = own
      ? []
      : [
          this.button(user.disabled ? t("action_enable") : t("action_disable"), () =>
            this.change(user, { disabled: !user.disabled }),
          ),
          this.button(t("action_delete"), () => this.askDelete(user, tr), "btn-danger"),
        ];
    const password = this.button(t("action_password"), () => this.askPassword(user, tr, own));
    tr.append(h("td", { class: "user-actions" }, password, ...others));
    return tr;
  }

  button(text, onclick, kind = "") {
    return h("button", { type: "button", class: `btn ${kind}`.trim(), onclick }, text);
  }

  /** A row under the user's, holding a small form; one at a time. */
  openBelow(tr, content) {
    this.body.querySelector("tr.user-edit")?.remove();
    const cells = tr.children.length;
    const edit = h("tr", { class: "user-edit" }, h("td", { colspan: String(cells) }, content));
    tr.after(edit);
    return edit;
  }

  askPassword(user, tr, own) {
    const t = this.t;
    const field = (name, label, autocomplete) =>
      h(
        "label",
        { class: "field" },
        h("span", {}, label),
        h("input", { name, type: "password", required: true, autocomplete }),
      );
    const form = h(
      "form",
      { class: "user-password", dataset: { for: user.username } },
      own ? field("old", t("current_password"), "current-password") : null,
      field("new", t("new_password"), "new-password"),
      h(
        "div",
        { class: "form-end" },
        h("button", { type: "submit", class: "btn btn-primary" }, t("save")),
        this.button(t("cancel"), () => edit.remove()),
      ),
    );
    const edit = this.openBelow(tr, form);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.setPassword(user, form, own);
    });
    form.elements[0].focus();
  }

  async setPassword(user, form, own) {
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      if (own) {
        const body = { old: form.elements.old.value, new: form.elements.new.value };
        await api("/api/v1/auth/password", { method: "POST", body });
        this.say(this.t("own_password_changed"), "ok");
      } else {
        const body = { password: form.elements.new.value };
        await api(this.url(user), { method: "PATCH", body });
        this.say(this.t("password_changed", { username: user.username }), "ok");
      }
      form.closest("tr").remove();
    } catch (error) {
      this.failed(error);
      form.elements.new.select();
    } finally {
      submit.disabled = false;
    }
  }

  askDelete(user, tr) {
    const t = this.t;
    const ask = h(
      "div",
      { class: "user-confirm", role: "group" },
      h("p", {}, t("confirm_delete", { username: user.username })),
      this.button(t("action_delete"), () => this.remove(user), "btn-danger"),
      this.button(t("cancel"), () => edit.remove()),
    );
    const edit = this.openBelow(tr, ask);
    ask.querySelector("button").focus();
  }

  async remove(user) {
    try {
      await api(this.url(user), { method: "DELETE" });
      this.say(this.t("user_deleted", { username: user.username }), "ok");
      await this.load();
    } catch (error) {
      this.failed(error);
    }
  }

  async change(user, body) {
    try {
      await api(this.url(user), { method: "PATCH", body });
      const vars = { username: user.username };
      this.say(body.disabled ? this.t("user_disabled", vars) : this.t("user_enabled", vars), "ok");
      await this.load();
    } catch (error) {
      this.failed(error);
    }
  }

  url(user) {
    return `/api/v1/users/${encodeURIComponent(user.username)}`;
  }
}
