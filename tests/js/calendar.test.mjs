// The display's date from the server's CLDR names (static/js/calendar.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { dayText } from "../../static/js/calendar.js";

const AZ = {
  pattern: "d MMMM, EEEE",
  weekdays: ["bazar ertəsi", "çərşənbə axşamı", "çərşənbə", "cümə axşamı", "cümə", "şənbə", "bazar"],
  months: ["yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avqust", "sentyabr", "oktyabr", "noyabr", "dekabr"],
};

test("a day is written with the language's names, at the site's clock", () => {
  const when = new Date("2026-12-06T18:30:00Z"); // Sunday 6th in UTC, Monday 7th in Jakarta
  assert.equal(dayText(when, AZ, "UTC"), "6 dekabr, bazar");
  assert.equal(dayText(when, AZ, "Asia/Jakarta"), "7 dekabr, bazar ertəsi");
});

test("quoted text in a CLDR pattern is kept as written", () => {
  const names = { ...AZ, pattern: "EEEE, d 'de' MMMM" };
  assert.equal(dayText(new Date("2026-12-06T12:00:00Z"), names, "UTC"), "bazar, 6 de dekabr");
});
