// What a site looks like from its event stream (CONTRACT section 4): who is being served
// at which counter, the recent calls (newest first, one per ticket) and the waiting counts.
// Shared by the hall display and the counter page so both read events the same way.

const RECENT_LIMIT = 10;

export class SiteState {
  constructor() {
    this.nowServing = new Map(); // counter id → Ticket
    this.recent = []; // [{ticket, counter, recall}], newest first
    this.waiting = {}; // service id → count
  }

  reset(data) {
    this.nowServing = new Map((data.now_serving || []).map((entry) => [entry.counter, entry.ticket]));
    this.recent = (data.recent || []).slice(0, RECENT_LIMIT);
    this.waiting = { ...(data.waiting || {}) };
  }

  /** Applies one event; returns the new call for ticket.called, otherwise null. */
  apply(msg) {
    const data = msg.data || {};
    const ticket = data.ticket;
    let call = null;
    switch (msg.type) {
      case "ticket.called": {
        call = { ticket, counter: data.counter, recall: data.recall || 0 };
        this.nowServing.set(data.counter, ticket);
        this.recent = [call, ...this.recent.filter((c) => c.ticket.ref !== ticket.ref)].slice(0, RECENT_LIMIT);
        // Loket's ticket.called carries the counts (an addition to CONTRACT section 4, taken
        // below); a server that sends none: a first call takes one person off the queue.
        if (!data.waiting && !call.recall && ticket.service in this.waiting) {
          this.waiting[ticket.service] = Math.max(0, this.waiting[ticket.service] - 1);
        }
        break;
      }
      case "ticket.done":
      case "ticket.no_show":
      case "ticket.held": // set aside by its counter (CONTRACT 6.5): nobody is served there
      case "ticket.transferred": {
        const shown = this.nowServing.get(data.counter);
        if (shown && shown.ref === ticket.ref) this.nowServing.delete(data.counter);
        this.recent = this.recent.map((c) => (c.ticket.ref === ticket.ref ? { ...c, ticket } : c));
        break;
      }
      default:
        break; // ticket.issued and types added later: only their counts matter here
    }
    if (data.waiting && typeof data.waiting === "object") this.waiting = { ...data.waiting };
    return call;
  }
}
