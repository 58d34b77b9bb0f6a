// The clerk's line on the counter page (CONTRACT 6.5): who waits for this counter in the
// order it would call them, whom it holds. Read from GET .../queue whenever an event may
// have changed it (no polling; linefeed.js), and drawn row by row, keyed by ref, so that an
// update moves or changes only the rows it must: no flicker, and a focused button keeps
// its focus.
//
// config.strings keys used here (server/web/strings.py, page "counter"):
//   line_count_one, line_count_few, line_count_many, line_count_other, call, call_back, call_ticket, call_back_ticket, badge_desk, badge_ahead,
//   badge_priority, waited

import { clock } from "loket/duration";
import { h, setText } from "loket/page";

const MEASURES_KEPT = 500; // performance entries of the line kept for the bench, then cleared


/** One list of tickets (the line, or the held ones), keyed by ref. */
class Rows {
  constructor(list, makeRow, updateRow) {
    this.list = list;
    this.makeRow = makeRow;
    this.updateRow = updateRow;
    this.rows = new Map(); // ref → <li>
  }

  render(tickets) {
    const focused = document.activeElement;
    const hadFocus = this.list.contains(focused) ? focused : null;
    const focusIndex = hadFocus ? [...this.list.children].indexOf(hadFocus.closest("li")) : -1;
    const wanted = new Set(tickets.map((ticket) => ticket.ref));
    // gone rows first: then the rows that stay are in order already, and nothing moves
    for (const [ref, row] of this.rows) {
      if (!wanted.has(ref)) {
        row.remove();
        this.rows.delete(ref);
      }
    }
    let before = null; // the row placed last
    for (const ticket of tickets) {
      let row = this.rows.get(ticket.ref);
      if (!row) {
        row = this.makeRow(ticket);
        this.rows.set(ticket.ref, row);
      }
      this.updateRow(row, ticket);
      const expected = before ? before.nextSibling : this.list.firstChild;
      if (expected !== row) this.list.insertBefore(row, expected);
      before = row;
    }
    // a focused row that was called (gone) hands the focus to the row now in its place
    if (hadFocus && !hadFocus.isConnected) {
      const next = this.list.children[Math.min(focusIndex, this.list.children.length - 1)];
      const button = next && next.querySelector("button");
      if (button) button.focus({ preventScroll: true });
    } else if (hadFocus && document.activeElement !== hadFocus) {
      hadFocus.focus({ preventScroll: true }); // moved: a moved node loses the focus
    }
  }

  get size() {
    return this.rows.size;
  }
}

export class LineView {
  /**
   * @param {object} options t (translator), lang, counter (this counter's id),
   *   serviceName(id), onCall(ticket) for a row's call button, and the elements: line, held,
   *   count, capped, emptyLine, emptyHeld, heldSection
   */
  constructor(options) {
    Object.assign(this, options);
    this.receivedAt = 0; // performance.now() of the answer shown
    this.waiting = new Rows(
      this.line,
      (ticket) => this.makeRow(ticket, false),
      (row, ticket) => this.updateRow(row, ticket),
    );
    this.heldRows = new Rows(
      this.held,
      (ticket) => this.makeRow(ticket, true),
      (row, ticket) => this.updateRow(row, ticket),
    );
    this.limit = 200; // the API's cap (CONTRACT 6.5)
  }

  makeRow(ticket, held) {
    const parts = {
      number: h("span", { class: "line-number" }),
      badges: h("span", { class: "line-badges" }),
      letter: h("span", { class: "service-letter", "aria-hidden": "true" }),
      service: h("span", { class: "line-service" }),
      waited: h("span", { class: "line-waited" }),
      call: h("button", { class: "btn line-call", type: "button" }),
    };
    parts.call.addEventListener("click", (event) => {
      if (event.detail > 1) return; // the second click of a double click
      this.onCall(row.ticket);
    });
    // two lines beside the number: the marks, then the wait and the service
    const row = h(
      "li",
      { class: "line-row", dataset: { ref: ticket.ref } },
      parts.number,
      h(
        "span",
        { class: "line-what" },
        parts.badges,
        h("span", { class: "line-sub" }, parts.waited, parts.letter, parts.service),
      ),
      parts.call,
    );
    row.parts = parts;
    row.held = held;
    parts.call.textContent = held ? this.t("call_back") : this.t("call");
    return row;
  }

  updateRow(row, ticket) {
    const old = row.ticket;
    row.ticket = ticket;
    row.waited = ticket.waited_s ?? null;
    const { parts } = row;
    if (old && old.number === ticket.number && old.service === ticket.service &&
        old.priority === ticket.priority && old.for_counter === ticket.for_counter &&
        old.ahead_at === ticket.ahead_at) {
      return; // the wait is drawn by tick()
    }
    const t = this.t;
    setText(parts.number, ticket.number);
    setText(parts.letter, ticket.service);
    const name = this.serviceName(ticket.service);
    setText(parts.service, name);
    parts.service.title = name;
    const desk = ticket.for_counter === this.counter;
    row.classList.toggle("desk", desk);
    row.classList.toggle("priority", Boolean(ticket.priority));
    const badges = [];
    if (desk) badges.push(h("span", { class: "badge badge-desk" }, t("badge_desk")));
    if (ticket.ahead_at) badges.push(h("span", { class: "badge badge-ahead" }, t("badge_ahead")));
    if (ticket.priority) badges.push(h("span", { class: "badge badge-priority" }, t("badge_priority")));
    parts.badges.replaceChildren(...badges);
    // "Call" to the eye, beside the number; "Call A015" to a screen reader and to a hover
    const number = { number: ticket.number };
    const label = row.held ? t("call_back_ticket", number) : t("call_ticket", number);
    parts.call.setAttribute("aria-label", label);
    parts.call.title = label;
  }

  /** Shows one answer of GET .../queue. */
  show(line) {
    this.receivedAt = performance.now();
    this.waiting.render(line.waiting || []);
    this.heldRows.render(line.held || []);
    const n = this.waiting.size;
    setText(this.count, this.t.plural("line_count", n, this.lang));
    this.capped.hidden = n < this.limit;
    this.emptyLine.hidden = n > 0;
    this.emptyHeld.hidden = this.heldRows.size > 0;
    this.heldSection.classList.toggle("has-held", this.heldRows.size > 0);
    this.tick();
  }

  /** The waits so far, counted on from the answer's waited_s (the server's clock). */
  tick() {
    const since = (performance.now() - this.receivedAt) / 1000;
    for (const row of this.waiting.rows.values()) {
      if (row.waited !== null) setText(row.parts.waited, this.t("waited", { time: clock(row.waited + since) }));
    }
  }
}

/**
 * Times one update of the line for the bench (bench/counter_line.py): "loket-line" from the
 * first event it shows to the rows drawn (the request included), "loket-line-render" the
 * drawing alone, from `began`.
 */
export function measure(since, began) {
  const end = performance.now();
  performance.measure("loket-line-render", { start: began, end });
  if (since !== null && since !== undefined) performance.measure("loket-line", { start: since, end });
  if (performance.getEntriesByName("loket-line-render").length > MEASURES_KEPT) {
    performance.clearMeasures("loket-line");
    performance.clearMeasures("loket-line-render");
  }
}
