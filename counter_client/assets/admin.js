// Administration: the users (admin_users.js) and a form to create one, and every site's
// queues (polled every 5 s: a few admins do not need a live socket per site).
//
// The texts are in server/web/strings.py (page "admin"); auth.js and admin_users.js list
// the keys they use, and this file its own config.strings keys:
//   user_created, choose_counters, failed, updated_at, unreachable, session_expired,
//   screen_ok, screen_stale, screen_offline, no_screens, sound_running, sound_suspended,
//   sound_off, sound_unsupported, page_display, page_counter
// config.time: how the page's language writes a time of day (server/i18n/calendar.py).

import { UserList } from "loket/admin_users";
import { api } from "loket/api";
import { Login } from "loket/auth";
import { formatMoment } from "loket/calendar";
import { DASH, h, readConfig, setText, translator } from "loket/page";

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
  const everywhere = form.elements.role.value === "admin" || allCounters.checked;
  countersSelect.disabled = everywhere;
  allCounters.disabled = form.elements.role.value === "admin";
}

async function createUser(event) {
  event.preventDefault();
  if (!form.reportValidity()) return;
  const role = form.elements.role.value;
  const chosen = Array.from(countersSelect.selectedOptions, (option) => option.value);
  const everywhere = role === "admin" || allCounters.checked;
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

// -- queues ----------------------------------------------------------------------

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
    showDisplays(card.querySelector("[data-displays]"), displays);
    // at the admin's own clock (no time zone given): when this page last heard from the site
    setText(updated, t("updated_at", { time: formatMoment(new Date(), config.time) }));
  } catch {
    setText(updated, t("unreachable"));
  }
}

// A TV that is stale or silent is what an admin must notice: say it in words, not colour only.
function displayState(display) {
  if (!display.connected) return t("screen_offline");
  return display.stale ? t("screen_stale") : t("screen_ok");
}

function soundWords(audio) {
  switch (audio) {
    case "running":
      return t("sound_running");
    case "suspended":
      return t("sound_suspended");
    case "off":
      return t("sound_off");
    case "unsupported":
      return t("sound_unsupported");
    default:
      return audio;
  }
}

/** A hall TV whose browser blocked sound is silent until someone presses a key on it.
 * An offline one plays nothing, whatever it last reported. */
function soundCell(display) {
  if (display.page !== "display" || !display.audio || !display.connected) return h("td", {}, DASH);
  const blocked = display.audio === "suspended";
  return h(
    "td",
    { class: blocked ? "sound-blocked" : "", dataset: { sound: display.audio } },
    soundWords(display.audio),
  );
}

/** What kind of screen reported: the hall display or a counter page (their hello's "page"). */
function pageName(page) {
  if (page === "display") return t("page_display");
  if (page === "counter") return t("page_counter");
  return page || "?";
}

function showDisplays(body, displays) {
  const rows = displays.map((display) =>
    h(
      "tr",
      { class: display.stale ? "stale" : "" },
      h("td", {}, `${pageName(display.page)} · ${display.id.slice(0, 8)}`, h("br"), display.screen || ""),
      h("td", {}, display.zone || DASH),
      soundCell(display),
      h("td", { class: "num" }, display.seq == null ? DASH : String(display.seq)),
      h("td", {}, displayState(display)),
    ),
  );
  if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: "5" }, t("no_screens"))));
  // each cell carries its column's name: a phone shows the rows as blocks without the header
  const names = Array.from(body.parentElement.tHead.rows[0].cells, (cell) => cell.textContent);
  for (const row of rows) {
    Array.from(row.cells, (cell, index) => cell.colSpan === 1 && (cell.dataset.label = names[index]));
  }
  body.replaceChildren(...rows);
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
