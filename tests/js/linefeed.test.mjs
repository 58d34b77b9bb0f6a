// The counter page's reads of its line (static/js/linefeed.js): however many events come,
// one request at a time and at most one more; each answer says since when it is awaited.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LineFeed } from "../../static/js/linefeed.js";

/** A read the test answers by hand, in order. */
function server() {
  const pending = [];
  const read = () => new Promise((resolve, reject) => pending.push({ resolve, reject }));
  return { pending, read };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test("events during a read make one more read, not one each", async () => {
  const { pending, read } = server();
  const shown = [];
  const feed = new LineFeed(read, (answer, since) => shown.push([answer, since]), assert.fail);
  feed.refresh(10);
  feed.refresh(11);
  feed.refresh(12);
  feed.refresh(13);
  assert.equal(pending.length, 1, "one request in flight");
  pending[0].resolve("first");
  await settle();
  assert.equal(pending.length, 2, "the events that came meanwhile: one more read");
  pending[1].resolve("second");
  await settle();
  assert.equal(pending.length, 2, "and no other");
  // the second answer shows the events since the first that came during the first read
  assert.deepEqual(shown, [["first", 10], ["second", 11]]);
});

test("a quiet feed reads once per event", async () => {
  const { pending, read } = server();
  const shown = [];
  const feed = new LineFeed(read, (answer, since) => shown.push([answer, since]), assert.fail);
  feed.refresh(1);
  pending[0].resolve("a");
  await settle();
  feed.refresh(2);
  pending[1].resolve("b");
  await settle();
  assert.deepEqual(shown, [["a", 1], ["b", 2]]);
});

test("a failed read is reported and the next event reads again", async () => {
  const { pending, read } = server();
  const errors = [];
  const shown = [];
  const feed = new LineFeed(read, (answer) => shown.push(answer), (error) => errors.push(error.message));
  feed.refresh(1);
  pending[0].reject(new Error("offline"));
  await settle();
  assert.deepEqual(errors, ["offline"]);
  feed.refresh(2);
  assert.equal(pending.length, 2);
  pending[1].resolve("back");
  await settle();
  assert.deepEqual(shown, ["back"]);
});
