// What static/js/sitestate.js makes of the clerk's line (CONTRACT 6.5): a held ticket leaves
// "now serving"; a transfer is kept (where its ticket went) until that ticket is called
// again, and across a snapshot only while the snapshot shows it still waiting there.

import assert from "node:assert/strict";
import { test } from "node:test";

import { SiteState, statusNow } from "../../static/js/sitestate.js";

const TS = "2026-12-06T08:00:00.000Z";

function ticket(number, fields = {}) {
  return { ref: `r-${number}`, number, service: number[0], status: "called", ...fields };
}

function event(type, data, ts = TS) {
  return { type, ts, data: { waiting: {}, ...data } };
}

/** A state in which A001 was called at counter 1 and B001 at counter 3. */
function serving() {
  const state = new SiteState();
  state.reset({
    now_serving: [
      { counter: "1", ticket: ticket("A001", { counter: "1" }) },
      { counter: "3", ticket: ticket("B001", { counter: "3" }) },
    ],
    recent: [
      { ticket: ticket("B001", { counter: "3" }), counter: "3", recall: 0 },
      { ticket: ticket("A001", { counter: "1" }), counter: "1", recall: 0 },
    ],
    waiting: { A: 0, B: 0 },
  });
  return state;
}

const toDesk = ticket("A001", { status: "waiting", counter: null, for_counter: "5" });

test("a held ticket leaves now serving; its call stays, held", () => {
  const state = serving();
  const held = ticket("B001", { status: "held", counter: "3" });
  state.apply(event("ticket.held", { ticket: held, counter: "3" }));
  assert.equal(state.nowServing.has("3"), false);
  assert.equal(state.recent[0].ticket.status, "held");
  assert.deepEqual(state.moves, []);
});

test("a transfer leaves now serving and is kept until its ticket is called again", () => {
  const state = serving();
  state.apply(event("ticket.transferred", { ticket: toDesk, counter: "1" }));
  assert.equal(state.nowServing.has("1"), false);
  assert.deepEqual(
    state.moves.map((m) => [m.ticket.number, m.counter, m.ticket.for_counter, m.at]),
    [["A001", "1", "5", Date.parse(TS)]],
  );
  assert.equal(state.recent[1].ticket.for_counter, "5"); // its call shows where it went
  assert.deepEqual(state.movesSince(Date.parse(TS) + 1), []); // older than asked

  const called = ticket("A001", { counter: "5" });
  const call = state.apply(event("ticket.called", { ticket: called, counter: "5", recall: 0 }));
  assert.equal(call.counter, "5");
  assert.deepEqual(state.moves, []);
  assert.equal(state.nowServing.get("5").number, "A001");
});

test("a snapshot keeps a transfer only while its ticket still waits there", () => {
  const state = serving();
  state.apply(event("ticket.transferred", { ticket: toDesk, counter: "1" }));
  const snapshot = (a001) => ({
    now_serving: [],
    recent: [{ ticket: a001, counter: "1", recall: 0 }],
    waiting: {},
  });
  state.reset(snapshot(toDesk));
  assert.equal(state.moves.length, 1);
  state.reset(snapshot(ticket("A001", { status: "done", counter: "5" })));
  assert.deepEqual(state.moves, []);
});

test("a replayed transfer the snapshot already holds is noted again while it still waits", () => {
  const state = new SiteState();
  state.reset({ now_serving: [], recent: [{ ticket: toDesk, counter: "1", recall: 0 }], waiting: {} });
  state.catchUp(event("ticket.transferred", { ticket: toDesk, counter: "1" }));
  assert.equal(state.moves.length, 1);

  const later = new SiteState();
  const called = ticket("A001", { counter: "5" });
  later.reset({ now_serving: [], recent: [{ ticket: called, counter: "5", recall: 0 }], waiting: {} });
  later.catchUp(event("ticket.transferred", { ticket: toDesk, counter: "1" }));
  assert.deepEqual(later.moves, []); // called since: no longer news
});

// CONTRACT 6.2: each counter's status, from the snapshot and the counter.* events; one
// set on an earlier day at the site reads as closed, as on the server.
test("counter statuses come from the snapshot and events, and a new day closes them", () => {
  const state = new SiteState();
  state.reset({ now_serving: [], recent: [], waiting: {}, counters: [
    { counter: "1", status: "open", services: ["A"], since: "2026-12-06T01:00:00.000Z" },
  ] });
  const zone = "Asia/Jakarta";
  const noon = Date.parse("2026-12-06T05:00:00.000Z");
  assert.equal(statusNow(state.counters.get("1"), zone, noon), "open");
  assert.equal(statusNow(state.counters.get("2"), zone, noon), "closed"); // none known
  const paused = { counter: "1", status: "paused", services: ["A"], since: "2026-12-06T04:00:00.000Z" };
  assert.equal(state.apply({ type: "counter.paused", ts: TS, data: { counter: paused } }), null);
  assert.equal(statusNow(state.counters.get("1"), zone, noon), "paused");
  assert.equal(state.nowServing.size, 0); // moves no ticket
  // 00:30 the next day in Jakarta (17:30 UTC): closed, without any event
  assert.equal(statusNow(state.counters.get("1"), zone, Date.parse("2026-12-06T17:30:00.000Z")), "closed");
});
