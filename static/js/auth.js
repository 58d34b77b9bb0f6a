// The staff login shared by the counter and admin pages (form markup: _login.html).
// The session lives in the HttpOnly cookie the server sets; nothing is kept in storage.
//
// config.strings keys (texts: server/web/strings.py, on the counter and admin pages):
//   login_failed, login_unavailable

import { api } from "loket/api";

export class Login {
  /**
   * @param {object} options view: the element holding the login form; app: the element
   *   shown once logged in; t: the page's translator; onLogin(user): called on every login.
   */
  constructor({ view, app, t, onLogin }) {
    this.view = view;
    this.app = app;
    this.t = t;
    this.onLogin = onLogin;
    this.user = null;
    this.form = view.querySelector("form");
    this.error = view.querySelector("[data-login-error]");
    this.submitButton = this.form.querySelector('button[type="submit"]');
    this.form.addEventListener("submit", (event) => this.submit(event));
  }

  /** Asks the server who is logged in; shows the form when nobody is. */
  async start() {
    try {
      const { user } = await api("/api/v1/auth/me");
      this.enter(user);
    } catch (error) {
      this.show(error.status === 401 ? "" : this.t("login_unavailable"));
    }
  }

  show(message = "") {
    this.user = null;
    this.app.hidden = true;
    this.view.hidden = false;
    this.setError(message);
    this.form.elements.username.focus();
  }

  setError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  async submit(event) {
    event.preventDefault();
    const username = this.form.elements.username.value.trim();
    const password = this.form.elements.password.value;
    if (!username || !password) {
      (username ? this.form.elements.password : this.form.elements.username).focus();
      return;
    }
    this.submitButton.disabled = true;
    this.setError("");
    try {
      const { user } = await api("/api/v1/auth/login", {
        method: "POST",
        body: { username, password },
      });
      this.form.reset();
      this.enter(user);
    } catch (error) {
      if (error.status === 401) this.setError(this.t("login_failed"));
      else if (error.isNetwork) this.setError(this.t("login_unavailable"));
      else this.setError(error.message);
      this.form.elements.password.select();
    } finally {
      this.submitButton.disabled = false;
    }
  }

  enter(user) {
    this.user = user;
    this.view.hidden = true;
    this.app.hidden = false;
    this.onLogin(user);
  }

  async logout() {
    try {
      await api("/api/v1/auth/logout", { method: "POST" });
    } catch {
      // an expired session is logged out already
    }
    this.show();
  }
}
