// The visitor's ticket card (markup: _print_ticket.html), filled by the kiosk after issuing
// and by the visitor's ticket page; plus the "people ahead" wording both pages use.
//
// config.strings keys (texts: server/web/strings.py, on the kiosk and ticket pages):
//   ahead_zero, ahead_one, ahead_few, ahead_many, ahead_other
// config.moment: {pattern, months}, how the page's language writes a date and time (CLDR
// through Babel: server/i18n/calendar.py moment_format), for calendar.js formatMoment: the
// same text as the server's on paper, "6 dek 2026 07:38" in Azerbaijani too.

import { formatMoment } from "loket/calendar";
import { siteTimeZone } from "loket/page";

/** "3 people ahead of you"; "" when the position is unknown (the ticket was called). */
export function aheadText(t, position, lang) {
  if (position === null || position === undefined) return "";
  return position === 0 ? t("ahead_zero") : t.plural("ahead", position, lang);
}

/**
 * The visitor's page, in the language chosen at the kiosk (the phone's own may differ),
 * on the site's public address (LOKET_PUBLIC_URL) when the server has one.
 */
export function ticketUrl(ticketId, lang = null, base = location.origin) {
  const query = lang ? `?lang=${encodeURIComponent(lang)}` : "";
  return `${base}/t/${encodeURIComponent(ticketId)}${query}`;
}

const MM_PER_PX = 25.4 / 96; // CSS pixels are 1/96 inch on screen and on paper alike

/**
 * Prints the ticket as one slip: the paper's width (80 or 58 mm, the .paper-NN class its
 * print root carries) by the slip's own length. Chromium ignores `size: 80mm auto` and falls
 * back to a fixed page that cuts the slip in two, so the length is measured: the .slip
 * styles are the same on screen and on paper (mm and pt), and an adopted style sheet (not an
 * inline style: the CSP forbids those) gives @page that size. Returns it, e.g. "80mm 141mm".
 */
export function fitPageToSlip(card) {
  const width = card.closest(".paper-58") ? 58 : 80;
  const length = Math.ceil(card.getBoundingClientRect().height * MM_PER_PX) + 1;
  const size = `${width}mm ${length}mm`;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`@page { size: ${size}; margin: 0; }`);
  document.adoptedStyleSheets = [sheet];
  card.dataset.page = size; // for tests
  return size;
}

/** Fills the data-slot elements of a .print-ticket; the QR code as an <img> of its SVG. */
export function fillTicketCard(card, { ticket, position, serviceName, base, moment }, t, lang) {
  const slots = {
    number: ticket.number,
    service: serviceName,
    time: formatMoment(ticket.issued_at, moment, siteTimeZone()),
    ahead: aheadText(t, position, lang),
    url: ticketUrl(ticket.id, ticket.lang, base),
  };
  for (const [name, text] of Object.entries(slots)) {
    const slot = card.querySelector(`[data-slot="${name}"]`);
    if (slot) slot.textContent = text;
  }
  const priority = card.querySelector('[data-slot="priority"]');
  if (priority) priority.hidden = !ticket.priority;
  const qr = card.querySelector('[data-slot="qr"]');
  if (qr) {
    const image = document.createElement("img");
    image.src = `/t/${encodeURIComponent(ticket.id)}/qr.svg`;
    image.alt = ""; // the link is written out beside it
    image.className = "qr";
    qr.replaceChildren(image);
  }
}
