// The ticket kiosk: one touch button per service, a priority toggle, then the issued ticket
// on screen (printable on an 80 mm roll) until the visitor is done or 20 s have passed.
//
// config.strings keys (texts: server/web/strings.py, page "kiosk"; plus those of ticketcard.js):
//   returning, issue_failed, unreachable

import { api } from "loket/api";
import { readConfig, translator } from "loket/page";
import { fillTicketCard } from "loket/ticketcard";

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
const serviceButtons = Array.from(document.querySelectorAll(".service-btn[data-service]"));

let busy = false;
let countdownTimer = 0;
let priorityTimer = 0;

function setPriority(on) {
  priority.setAttribute("aria-pressed", String(on));
  clearTimeout(priorityTimer);
  if (on) priorityTimer = setTimeout(() => setPriority(false), FORGET_PRIORITY_MS);
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
      body: { service, priority: priority.getAttribute("aria-pressed") === "true", lang: config.lang },
    });
    showTicket(ticket, position);
  } catch (failure) {
    showError(failure.isNetwork ? t("unreachable") : t("issue_failed"));
    setBusy(false);
  }
}

function showTicket(ticket, position) {
  const serviceName = (config.services && config.services[ticket.service]) || ticket.service;
  fillTicketCard(card, { ticket, position, serviceName, base: config.public_url }, t, config.lang);
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
for (const button of serviceButtons) {
  button.addEventListener("click", () => issue(button.dataset.service));
}
printButton.addEventListener("click", () => {
  window.print();
  startCountdown(); // printing takes a moment: give the visitor the full time again
});
document.getElementById("kiosk-back").addEventListener("click", backToStart);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !done.hidden) backToStart();
});
