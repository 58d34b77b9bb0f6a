// What a site looks like from its event stream (CONTRACT section 4): who is being served
// at which counter, the recent calls (newest first, one per ticket), the waiting counts and
// the recent transfers (CONTRACT 6.5: where a ticket was sent, until it is called again),
// each counter's status (CONTRACT 6.2: open, paused, closed).
// Shared by the hall display and the counter page so both read events the same way.

const RECENT_LIMIT = 10;
const MOVES_LIMIT = 10;
const COUNTER_EVENTS = new Set(["counter.opened", "counter.paused", "counter.closed"]);

/** The calendar day of a moment (ms) in a time zone (undefined: the device's): YYYY-MM-DD. */
function dayIn(ms, zone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
}

/**
 * A counter's status now: "open", "paused" or "closed". One set on an earlier day at the
 * site reads as closed (every day starts with all counters closed), as on the server.
 */
export function statusNow(counterState, zone, now = Date.now()) {
  if (!counterState || !counterState.status) return "closed";
  const since = Date.parse(counterState.since);
  if (Number.isFinite(since) && dayIn(since, zone) !== dayIn(now, zone)) return "closed";
  return counterState.status;
}

/** True when both are the same ticket waiting in the same line (a service's, or a desk's). */
function sameWait(a, b) {
  const line = (ticket) => `${ticket.service}@${ticket.for_counter ?? ""}`;
  return a.status === "waiting" && b.status === "waiting" && line(a) === line(b);
}

export class SiteState {
  constructor() {
    this.nowServing = new Map(); // counter id → Ticket
    this.recent = []; // [{ticket, counter, recall}], newest first
    this.waiting = {}; // service id → count
    this.moves = []; // [{ticket, counter (the one it left), at (server ms)}], newest first
    this.counters = new Map(); // counter id → CounterState (no user: a public feed)
  }

  reset(data) {
    this.nowServing = new Map((data.now_serving || []).map((entry) => [entry.counter, entry.ticket]));
    this.recent = (data.recent || []).slice(0, RECENT_LIMIT);
    this.waiting = { ...(data.waiting || {}) };
    // a server before counter statuses sends none: every counter is then shown as before
    this.counters = new Map((data.counters || []).map((state) => [state.counter, state]));
    // The snapshot has no transfers: those seen before it stay while the snapshot's calls
    // show their ticket still waiting where it was sent (not called since, not sent on).
    this.moves = this.moves.filter((move) => this.stillMoved(move.ticket));
  }

  /** Applies one event; returns the new call for ticket.called, otherwise null. */
  apply(msg) {
    const data = msg.data || {};
    const ticket = data.ticket;
    let call = null;
    if (COUNTER_EVENTS.has(msg.type) && data.counter && typeof data.counter === "object") {
      this.counters.set(data.counter.counter, data.counter);
      return null;
    }
    switch (msg.type) {
      case "ticket.called": {
        call = { ticket, counter: data.counter, recall: data.recall || 0 };
        this.nowServing.set(data.counter, ticket);
        this.recent = [call, ...this.recent.filter((c) => c.ticket.ref !== ticket.ref)].slice(0, RECENT_LIMIT);
        this.moves = this.moves.filter((move) => move.ticket.ref !== ticket.ref);
        // Loket's ticket.called carries the counts (an addition to CONTRACT section 4, taken
        // below); a server that sends none: a first call takes one person off the queue.
        if (!data.waiting && !call.recall && ticket.service in this.waiting) {
          this.waiting[ticket.service] = Math.max(0, this.waiting[ticket.service] - 1);
        }
        break;
      }
      case "ticket.transferred":
        this.leave(data);
        this.addMove(msg);
        break;
      case "ticket.done":
      case "ticket.no_show":
      case "ticket.held": // set aside, to be called back by that counter: no longer served
        this.leave(data);
        break;
      default:
        break; // ticket.issued and types added later: only their counts matter here
    }
    if (data.waiting && typeof data.waiting === "object") this.waiting = { ...data.waiting };
    return call;
  }

  /**
   * A transfer replayed after a reconnect whose snapshot already holds its effect: the
   * snapshot cannot say where the ticket was sent from, so the transfer is noted again while
   * the snapshot shows its ticket still waiting there.
   */
  catchUp(msg) {
    if (msg.type === "ticket.transferred" && msg.data?.ticket && this.stillMoved(msg.data.ticket)) {
      this.addMove(msg);
    }
  }

  /** The transfers made at or after `since` (server ms), newest first. */
  movesSince(since) {
    return this.moves.filter((move) => move.at >= since);
  }

  /** The counter has finished with its ticket: it leaves "now serving"; its call shows it as it is now. */
  leave(data) {
    const ticket = data.ticket;
    const shown = this.nowServing.get(data.counter);
    if (shown && shown.ref === ticket.ref) this.nowServing.delete(data.counter);
    this.recent = this.recent.map((c) => (c.ticket.ref === ticket.ref ? { ...c, ticket } : c));
  }

  addMove(msg) {
    const { ticket, counter } = msg.data;
    const at = Date.parse(msg.ts);
    const move = { ticket, counter, at: Number.isFinite(at) ? at : 0 };
    const others = this.moves.filter((m) => m.ticket.ref !== ticket.ref);
    this.moves = [move, ...others].sort((a, b) => b.at - a.at).slice(0, MOVES_LIMIT);
  }

  stillMoved(ticket) {
    const call = this.recent.find((c) => c.ticket.ref === ticket.ref);
    return Boolean(call) && sameWait(call.ticket, ticket);
  }
}
