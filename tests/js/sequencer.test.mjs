// The ordering rules of static/js/sequencer.js: node --test tests/js/*.test.mjs
// (.mjs so that node takes this file as a module whatever its version and package.json say).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { GAP_WAIT_MS, Sequencer } from "../../static/js/sequencer.js";

function snapshot(seq, epoch = "e1") {
  return { v: 1, type: "snapshot", epoch, seq, data: { seq } };
}

function event(seq, { epoch = "e1", replayed = false } = {}) {
  const msg = { v: 1, type: "ticket.issued", epoch, seq, data: {} };
  if (replayed) msg.replayed = true;
  return msg;
}

/** The steps in short: "apply 6", "send resume e1/5", "wait 5000", "reconnect"... */
function brief(steps) {
  return steps.map((step) => {
    if (step.msg) return `${step.do} ${step.msg.seq}`;
    if (step.message) return `send ${step.message.type} ${step.message.epoch}/${step.message.seq}`;
    if (step.do === "wait") return `wait ${step.until}`;
    return step.do;
  });
}

/** A sequencer that has taken a snapshot at `seq`. */
function at(seq, epoch = "e1") {
  const sequencer = new Sequencer();
  sequencer.receive(snapshot(seq, epoch), 0);
  return sequencer;
}

describe("before the first snapshot", () => {
  test("events are ignored and there is nothing to resume from", () => {
    const sequencer = new Sequencer();
    assert.deepEqual(brief(sequencer.receive(event(1), 0)), []);
    assert.equal(sequencer.resume(), null);
    assert.equal(sequencer.seq, null);
  });

  test("the snapshot is taken, and a resume then starts from its seq", () => {
    const sequencer = new Sequencer();
    const msg = snapshot(5);
    assert.deepEqual(sequencer.receive(msg, 0), [{ do: "snapshot", msg }]);
    assert.deepEqual(sequencer.resume(), { type: "resume", epoch: "e1", seq: 5 });
  });
});

describe("in order", () => {
  test("each next event is applied at once, and the seq follows", () => {
    const sequencer = at(5);
    assert.deepEqual(brief(sequencer.receive(event(6), 0)), ["apply 6"]);
    assert.deepEqual(brief(sequencer.receive(event(7), 0)), ["apply 7"]);
    assert.equal(sequencer.seq, 7);
    assert.deepEqual(sequencer.resume(), { type: "resume", epoch: "e1", seq: 7 });
  });

  test("an apply step carries the message itself", () => {
    const msg = event(6);
    assert.deepEqual(at(5).receive(msg, 0), [{ do: "apply", msg }]);
  });
});

describe("duplicates", () => {
  test("an event at or below the last applied is dropped", () => {
    const sequencer = at(5);
    sequencer.receive(event(6), 0);
    assert.deepEqual(brief(sequencer.receive(event(6), 0)), []);
    assert.deepEqual(brief(sequencer.receive(event(3), 0)), []);
    assert.equal(sequencer.seq, 6);
  });

  test("a replayed event already applied is handed on, not applied", () => {
    const sequencer = at(5);
    assert.deepEqual(brief(sequencer.receive(event(4, { replayed: true }), 0)), ["replayed 4"]);
    assert.deepEqual(brief(sequencer.receive(event(5, { replayed: true }), 0)), ["replayed 5"]);
    assert.equal(sequencer.seq, 5);
  });

  test("a replayed event not applied yet is applied like any other", () => {
    const sequencer = at(5);
    assert.deepEqual(brief(sequencer.receive(event(6, { replayed: true }), 0)), ["apply 6"]);
  });
});

describe("a gap", () => {
  test("asks for a resume from the last applied, once, and waits", () => {
    const sequencer = at(5);
    assert.deepEqual(brief(sequencer.receive(event(8), 1000)), [
      "send resume e1/5",
      `wait ${1000 + GAP_WAIT_MS}`,
    ]);
    assert.equal(sequencer.seq, 5); // nothing applied out of order
    assert.deepEqual(brief(sequencer.receive(event(9), 1200)), []); // one resume per gap
  });

  test("is filled by the replay: the buffered events follow in order, the wait ends", () => {
    const sequencer = at(5);
    sequencer.receive(event(8), 0);
    assert.deepEqual(brief(sequencer.receive(event(6, { replayed: true }), 10)), ["apply 6"]);
    assert.deepEqual(brief(sequencer.receive(event(7, { replayed: true }), 20)), [
      "apply 7",
      "apply 8",
      "stopWaiting",
    ]);
    assert.equal(sequencer.seq, 8);
    // the replay also brings 8 again: already applied
    assert.deepEqual(brief(sequencer.receive(event(8, { replayed: true }), 30)), ["replayed 8"]);
  });

  test("events arriving out of order are buffered and applied in seq order", () => {
    const sequencer = at(5);
    sequencer.receive(event(9), 0);
    sequencer.receive(event(7), 0);
    sequencer.receive(event(8), 0);
    assert.deepEqual(brief(sequencer.receive(event(6), 0)), [
      "apply 6",
      "apply 7",
      "apply 8",
      "apply 9",
      "stopWaiting",
    ]);
  });

  test("a buffered event that arrives twice is applied once", () => {
    const sequencer = at(5);
    sequencer.receive(event(7), 0);
    sequencer.receive(event(7), 0);
    assert.deepEqual(brief(sequencer.receive(event(6), 0)), ["apply 6", "apply 7", "stopWaiting"]);
    assert.deepEqual(brief(sequencer.receive(event(7), 0)), []);
  });

  test("the wait goes on while part of the gap is still missing", () => {
    const sequencer = at(5);
    sequencer.receive(event(9), 0);
    assert.deepEqual(brief(sequencer.receive(event(6), 0)), ["apply 6"]); // 7 and 8 still missing
    assert.deepEqual(brief(sequencer.expire(GAP_WAIT_MS)), ["reconnect"]);
  });

  test("once filled, the next gap asks again", () => {
    const sequencer = at(5);
    sequencer.receive(event(7), 0);
    sequencer.receive(event(6), 0);
    assert.deepEqual(brief(sequencer.receive(event(9), 100)), [
      "send resume e1/7",
      `wait ${100 + GAP_WAIT_MS}`,
    ]);
  });
});

describe("the gap wait", () => {
  test("gives up at its deadline: the buffer is dropped and a reconnect asked", () => {
    const sequencer = at(5);
    sequencer.receive(event(8), 1000);
    assert.deepEqual(brief(sequencer.expire(1000 + GAP_WAIT_MS)), ["reconnect"]);
    assert.equal(sequencer.pending.size, 0);
    assert.deepEqual(brief(sequencer.expire(1000 + 2 * GAP_WAIT_MS)), []); // once
    // the buffer is gone: 6 and 7 alone do not bring 8 back
    sequencer.receive(event(6), 0);
    assert.deepEqual(brief(sequencer.receive(event(7), 0)), ["apply 7"]);
  });

  test("a timer that fires early is set again for the same deadline", () => {
    const sequencer = at(5);
    sequencer.receive(event(8), 1000);
    assert.deepEqual(brief(sequencer.expire(1000 + GAP_WAIT_MS - 1)), [
      `wait ${1000 + GAP_WAIT_MS}`,
    ]);
    assert.equal(sequencer.pending.size, 1);
  });

  test("has nothing to do when no gap is awaited", () => {
    const sequencer = at(5);
    assert.deepEqual(brief(sequencer.expire(10 * GAP_WAIT_MS)), []);
    sequencer.receive(event(7), 0);
    sequencer.receive(event(6), 0); // filled
    assert.deepEqual(brief(sequencer.expire(10 * GAP_WAIT_MS)), []);
  });
});

describe("another epoch", () => {
  test("asks for a resume (answered with a snapshot) and keeps nothing of it", () => {
    const sequencer = at(5);
    assert.deepEqual(brief(sequencer.receive(event(6, { epoch: "e2" }), 0)), [
      "send resume e1/5",
      `wait ${GAP_WAIT_MS}`,
    ]);
    assert.equal(sequencer.pending.size, 0);
    assert.deepEqual(brief(sequencer.receive(event(6), 0)), ["apply 6", "stopWaiting"]);
  });

  test("an event of another epoch at a lower seq is not a duplicate", () => {
    const sequencer = at(5);
    assert.deepEqual(brief(sequencer.receive(event(2, { epoch: "e2" }), 0)), [
      "send resume e1/5",
      `wait ${GAP_WAIT_MS}`,
    ]);
  });

  test("its snapshot starts over: epoch, seq, and the wait ends", () => {
    const sequencer = at(50);
    sequencer.receive(event(3, { epoch: "e2" }), 0);
    assert.deepEqual(brief(sequencer.receive(snapshot(2, "e2"), 0)), ["snapshot 2", "stopWaiting"]);
    assert.deepEqual(sequencer.resume(), { type: "resume", epoch: "e2", seq: 2 });
    assert.deepEqual(brief(sequencer.receive(event(3, { epoch: "e2" }), 0)), ["apply 3"]);
    assert.deepEqual(brief(sequencer.receive(event(51), 0)), [
      "send resume e2/3",
      `wait ${GAP_WAIT_MS}`,
    ]);
  });
});

describe("a snapshot", () => {
  test("of another epoch drops what was buffered from the old one", () => {
    const sequencer = at(5);
    sequencer.receive(event(7), 0); // a gap in e1, never filled: the server's store was reset
    assert.deepEqual(brief(sequencer.receive(snapshot(5, "e2"), 0)), ["snapshot 5", "stopWaiting"]);
    // e2's 6 and 7 are new events, not e1's 7 again
    assert.deepEqual(brief(sequencer.receive(event(6, { epoch: "e2" }), 0)), ["apply 6"]);
    const seven = event(7, { epoch: "e2" });
    assert.deepEqual(sequencer.receive(seven, 0), [{ do: "apply", msg: seven }]);
  });

  test("replaces everything, even at a lower seq: what follows it counts from there", () => {
    const sequencer = at(9);
    assert.deepEqual(brief(sequencer.receive(snapshot(4), 0)), ["snapshot 4"]);
    assert.deepEqual(brief(sequencer.receive(event(5), 0)), ["apply 5"]);
  });

  test("drops the buffered events it covers and applies those that follow it", () => {
    const sequencer = at(5);
    sequencer.receive(event(7), 0);
    sequencer.receive(event(9), 0);
    sequencer.receive(event(10), 0);
    assert.deepEqual(brief(sequencer.receive(snapshot(8), 0)), [
      "snapshot 8",
      "apply 9",
      "apply 10",
      "stopWaiting",
    ]);
    assert.deepEqual(brief(sequencer.receive(event(7, { replayed: true }), 0)), ["replayed 7"]);
  });

  test("after a reconnect: the replay of what it covers is handed on, the rest applied", () => {
    const sequencer = at(5);
    sequencer.receive(event(6), 0);
    sequencer.receive(snapshot(8), 0); // the new connection's, taken while away
    const replay = [7, 8, 9].map((seq) => event(seq, { replayed: true }));
    assert.deepEqual(
      replay.flatMap((msg) => brief(sequencer.receive(msg, 0))),
      ["replayed 7", "replayed 8", "apply 9"],
    );
  });
});
