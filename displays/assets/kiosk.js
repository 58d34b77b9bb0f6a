// The ticket kiosk: one touch button per service, a priority toggle, then the issued ticket
// on screen (printable on the roll the site's paper_mm names, 80 or 58 mm, or the kiosk's own ?paper=)
// until the visitor is done or 20 s have passed.
//
// An enrolled kiosk (CONTRACT 6.7) keeps its key in localStorage and sends it as X-Kiosk-Key:
// its tickets are then not limited per address. The admin page's enrolment link
// (/kiosk/SITE#key=…) stores the key by itself; staff may also paste it under "Kiosk setup".
//
// config.strings keys (texts: server/web/strings.py, page "kiosk"; plus those of ticketcard.js):
//   returning, issue_failed, unreachable, queue_full, too_many_tickets, kiosk_only,
//   key_revoked, enrolled_as, not_enrolled, key_invalid, key_unchecked, key_forgotten

import { api } from "loket/api";
import { DeviceKey } from "loket/devicekey";
import { readConfig, translator } from "loket/page";
import { followSite } from "loket/sitechange";
import { LiveSocket } from "loket/socket";
import { fillTicketCard, fitPageToSlip } from "loket/ticketcard";

const SHOW_TICKET_S = 20;
const FORGET_PRIORITY_MS = 60000; // someone pressed Priority and walked away

const config = readConfig();
const t = translator(config.strings);

const start = document.getElementById("kiosk-start");
const done = document.getElementById("kiosk-ticket");
const card = done.querySelector(".print-ticket");
const priority = document.getElementById("priority");
const error = document.getElementById("kiosk-error");
const countdown = document.getElementById("kiosk-countdown");
const printButton = document.getElementById("print-ticket");
// both found again when the site's services change (sitechange.js)
let serviceButtons = Array.from(document.querySelectorAll(".service-btn[data-service]"));
let grid = document.getElementById("service-grid");
const scrollHint = document.getElementById("scroll-hint");

const setupToggle = document.getElementById("kiosk-setup-toggle");
const setupForm = document.getElementById("kiosk-setup");
const enrolment = document.getElementById("kiosk-enrolment");
const deviceKey = new DeviceKey(`loket.kiosk-key.${config.site}`);

let busy = false;
let countdownTimer = 0;
let priorityTimer = 0;

function setPriority(on) {
  priority.setAttribute("aria-pressed", String(on));
  clearTimeout(priorityTimer);
  if (on) priorityTimer = setTimeout(() => setPriority(false), FORGET_PRIORITY_MS);
}

/** The kiosk's own setting in its address (?paper=58, its printer's roll) stays when a
 * visitor changes the language. */
function keepPaperInLanguageLinks() {
  const paper = new URLSearchParams(location.search).get("paper");
  if (!paper) return;
  for (const link of document.querySelectorAll(".lang-switch a")) {
    const url = new URL(link.href);
    url.searchParams.set("paper", paper);
    link.href = url.pathname + url.search;
  }
}

/** The arrow under the services while some are below the fold, until scrolled to them. */
function showScrollHint() {
  scrollHint.hidden = grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 2;
}

function showError(message) {
  error.textContent = message;
  error.hidden = !message;
}

function setBusy(on) {
  busy = on;
  for (const button of serviceButtons) button.disabled = on;
  start.setAttribute("aria-busy", String(on));
}

async function issue(service) {
  if (busy) return; // a double tap must not print two tickets
  setBusy(true);
  showError("");
  try {
    const { ticket, position } = await api(config.api, {
      method: "POST",
      headers: deviceKey.headers(),
      body: { service, priority: priority.getAttribute("aria-pressed") === "true", lang: config.lang },
    });
    showTicket(ticket, position);
  } catch (failure) {
    showError(failureText(failure));
    setBusy(false);
  }
}

function failureText(failure) {
  if (failure.isNetwork) return t("unreachable");
  switch (failure.code) {
    case "queue_full":
      return t("queue_full");
    case "too_many_tickets":
      setEnrolment(t("not_enrolled"), "warn");
      return t("too_many_tickets");
    case "kiosk_only":
      setEnrolment(t("not_enrolled"), "warn");
      return t("kiosk_only");
    case "invalid_kiosk_key":
      setEnrolment(t("key_invalid"), "error"); // staff see why; the key stays until replaced
      return t("key_revoked");
    default:
      return t("issue_failed");
  }
}

// -- the kiosk's key (devicekey.js) -----------------------------------------------------

function setEnrolment(text, kind) {
  enrolment.textContent = text;
  enrolment.dataset.state = kind;
}

async function checkKey() {
  const key = deviceKey.get();
  if (!key) {
    setEnrolment(t("not_enrolled"), "warn");
    return;
  }
  try {
    const { kiosk } = await api(config.kiosk_api, { headers: { "X-Kiosk-Key": key } });
    setEnrolment(t("enrolled_as", { name: kiosk.name }), "ok");
  } catch (failure) {
    if (failure.code === "invalid_kiosk_key") setEnrolment(t("key_invalid"), "error");
    else setEnrolment(t("key_unchecked"), "warn");
  }
}

function showSetup(open) {
  setupForm.hidden = !open;
  setupToggle.setAttribute("aria-expanded", String(open));
  if (open) setupForm.elements.key.focus();
}

function showTicket(ticket, position) {
  const serviceName = (config.services && config.services[ticket.service]) || ticket.service;
  const facts = { ticket, position, serviceName, base: config.public_url, moment: config.moment };
  fillTicketCard(card, facts, t, config.lang);
  start.hidden = true;
  done.hidden = false;
  printButton.focus();
  startCountdown();
}

function startCountdown() {
  let left = SHOW_TICKET_S;
  const tick = () => {
    if (left <= 0) return backToStart();
    countdown.textContent = t("returning", { n: left });
    left -= 1;
    countdownTimer = setTimeout(tick, 1000);
  };
  clearTimeout(countdownTimer);
  tick();
}

function backToStart() {
  clearTimeout(countdownTimer);
  done.hidden = true;
  start.hidden = false;
  setPriority(false);
  setBusy(false);
  serviceButtons[0]?.focus();
}

priority.addEventListener("click", () => setPriority(priority.getAttribute("aria-pressed") !== "true"));
printButton.addEventListener("click", () => {
  done.classList.add("slip"); // the paper layout, measured for the page's length
  fitPageToSlip(card);
  window.print();
  startCountdown(); // printing takes a moment: give the visitor the full time again
});
window.addEventListener("afterprint", () => done.classList.remove("slip"));
document.getElementById("kiosk-back").addEventListener("click", backToStart);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !done.hidden) backToStart();
});
setupToggle.addEventListener("click", () => showSetup(setupForm.hidden));
setupForm.addEventListener("submit", (event) => {
  event.preventDefault();
  deviceKey.set(setupForm.elements.key.value.trim());
  setupForm.reset();
  showSetup(false);
  checkKey();
});
document.getElementById("kiosk-forget").addEventListener("click", () => {
  deviceKey.set("");
  setupForm.reset();
  setEnrolment(t("key_forgotten"), "warn");
});

/** The service buttons and their grid: at start, and again when the site's services change. */
function bindServices() {
  for (const button of serviceButtons) {
    button.addEventListener("click", () => issue(button.dataset.service));
    button.disabled = busy;
  }
  gridSize.observe(grid);
  grid.addEventListener("scroll", showScrollHint, { passive: true });
}

const gridSize = new ResizeObserver(showScrollHint);
keepPaperInLanguageLinks();
bindServices();
// the site's changes (services added, renamed) come over a display socket: no reload,
// which would lose a visitor's half-made choice
new LiveSocket(config.ws, {
  onControl: followSite(config, () => {
    gridSize.disconnect();
    serviceButtons = Array.from(document.querySelectorAll(".service-btn[data-service]"));
    grid = document.getElementById("service-grid");
    bindServices();
    showScrollHint();
  }),
}).start();
deviceKey.takeFromLink();
checkKey();
// the enrolment step: a site that takes tickets from enrolled kiosks only asks for the key
if (!deviceKey.get() && !config.remote_tickets) showSetup(true);
