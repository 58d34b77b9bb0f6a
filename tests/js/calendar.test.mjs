// Dates and times from the server's CLDR patterns and names (static/js/calendar.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { dayText, formatMoment } from "../../static/js/calendar.js";

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

test("a moment and a time of day, with the server's patterns, at the given clock", () => {
  const when = "2026-12-06T00:38:00Z"; // 07:38 in Jakarta
  const id = { pattern: "d MMM y HH.mm", months: ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"] };
  assert.equal(formatMoment(when, id, "Asia/Jakarta"), "6 Des 2026 07.38");
  const ru = { pattern: "d MMM y\u202f'г'., HH:mm", months: [...Array(11).fill("?"), "дек."] };
  assert.equal(formatMoment(when, ru, "America/New_York"), "5 дек. 2026\u202fг., 19:38");
  assert.equal(formatMoment(new Date(when), { pattern: "HH.mm" }, "Asia/Jakarta"), "07.38");
  assert.equal(formatMoment(null, id, "UTC"), "");
});
