// Administration: the users (admin_users.js) and a form to create one, and every site's
// queues and screens (admin_screens.js), polled every 5 s: a few admins do not need a live
// socket per site.
//
// The texts are in server/web/strings.py (page "admin"); auth.js and admin_users.js list
// the keys they use, as does admin_screens.js, and this file its own config.strings keys:
//   user_created, choose_counters, failed, updated_at, unreachable, session_expired
// config.time: how the page's language writes a time of day (server/i18n/calendar.py).

import { ScreenTable } from "loket/admin_screens";
import { UserList } from "loket/admin_users";
import { api } from "loket/api";
import { Login } from "loket/auth";
import { formatMoment } from "loket/calendar";
import { DASH, readConfig, setText, translator } from "loket/page";

const POLL_MS = 5000;

const config = readConfig();
const t = translator(config.strings);

const app = document.getElementById("admin-app");
const form = document.getElementById("user-form");
const usersBody = document.getElementById("users");
const userMessage = document.getElementById("user-message");
const countersSelect = form.elements.counters;
const allCounters = form.elements.all_counters;

// "demo/3" → "Public Service Mall · Counter 3", from the options the template rendered.
const counterLabels = new Map(
  Array.from(countersSelect.querySelectorAll("option"), (option) => [
    option.value,
    `${option.parentElement.label} · ${option.textContent}`,
  ]),
);

function say(node, text, kind = "") {
  node.textContent = text;
  node.className = `message ${kind}`.trim();
}

function handleAuthError(error) {
  if (error.status === 401 || error.code === "csrf_failed") {
    login.show(t("session_expired"));
    return true;
  }
  return false;
}

// -- users ---------------------------------------------------------------------

const users = new UserList({
  body: usersBody,
  message: document.getElementById("users-message"),
  t,
  counterLabels,
  me: () => login.user,
  onAuthError: handleAuthError,
});

function syncCounterChoice() {
  // admins and supervisors act at every counter (CONTRACT 6.3)
  const everywhere = form.elements.role.value !== "staff" || allCounters.checked;
  countersSelect.disabled = everywhere;
  allCounters.disabled = form.elements.role.value !== "staff";
}

async function createUser(event) {
  event.preventDefault();
  if (!form.reportValidity()) return;
  const role = form.elements.role.value;
  const chosen = Array.from(countersSelect.selectedOptions, (option) => option.value);
  const everywhere = role !== "staff" || allCounters.checked;
  if (!everywhere && !chosen.length) {
    say(userMessage, t("choose_counters"), "error");
    countersSelect.focus();
    return;
  }
  const body = {
    username: form.elements.username.value.trim(),
    password: form.elements.password.value,
    role,
    counters: everywhere ? null : chosen,
  };
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const { user } = await api("/api/v1/users", { method: "POST", body });
    say(userMessage, t("user_created", { username: user.username }), "ok");
    form.reset();
    syncCounterChoice();
    users.load();
  } catch (error) {
    if (!handleAuthError(error)) say(userMessage, t("failed", { message: error.message }), "error");
  } finally {
    submit.disabled = false;
  }
}

// -- queues and screens ------------------------------------------------------------

const screenTables = new Map(); // site card → its ScreenTable

function screensOf(card) {
  if (!screenTables.has(card)) {
    const table = new ScreenTable({
      body: card.querySelector("[data-displays]"),
      message: card.querySelector("[data-screens-message]"),
      site: card.dataset.site,
      t,
      onAuthError: handleAuthError,
    });
    screenTables.set(card, table);
  }
  return screenTables.get(card);
}

async function refreshSite(card) {
  const updated = card.querySelector("[data-updated]");
  try {
    const { data } = await api(`/api/v1/sites/${encodeURIComponent(card.dataset.site)}/state`);
    for (const cell of card.querySelectorAll("[data-waiting]")) {
      setText(cell, String(data.waiting[cell.dataset.waiting] ?? 0));
    }
    const serving = new Map(data.now_serving.map((entry) => [entry.counter, entry.ticket.number]));
    for (const cell of card.querySelectorAll("[data-counter]")) {
      setText(cell, serving.get(cell.dataset.counter) || DASH);
    }
    const { displays } = await api(
      `/api/v1/sites/${encodeURIComponent(card.dataset.site)}/displays`,
    );
    screensOf(card).show(displays);
    // at the admin's own clock (no time zone given): when this page last heard from the site
    setText(updated, t("updated_at", { time: formatMoment(new Date(), config.time) }));
  } catch {
    setText(updated, t("unreachable"));
  }
}

let pollTimer = 0;

function poll() {
  clearTimeout(pollTimer);
  if (!login.user || login.user.role !== "admin") return;
  if (document.visibilityState === "visible") {
    document.querySelectorAll(".admin-sites [data-site]").forEach(refreshSite);
  }
  pollTimer = setTimeout(poll, POLL_MS);
}

// -- start -------------------------------------------------------------------------

const login = new Login({
  view: document.getElementById("login-view"),
  app,
  t,
  onLogin(user) {
    setText(document.getElementById("user-name"), user.username);
    const isAdmin = user.role === "admin";
    document.getElementById("admin-only").hidden = isAdmin;
    for (const section of document.querySelectorAll(".admin-section")) section.hidden = !isAdmin;
    if (!isAdmin) return;
    document.dispatchEvent(new CustomEvent("loket:login", { detail: user })); // admin_kiosks.js
    users.load();
    poll();
  },
});

form.addEventListener("submit", createUser);
form.elements.role.addEventListener("change", syncCounterChoice);
allCounters.addEventListener("change", syncCounterChoice);
document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && poll());
document.getElementById("logout").addEventListener("click", () => login.logout());
syncCounterChoice();
login.start();
