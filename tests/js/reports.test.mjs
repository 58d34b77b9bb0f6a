// The reports page's logic without a browser (static/js/reportview.js, static/js/charts.js):
// periods and the address, the table of a report as the API writes it
// (fixtures/report_service.json, checked against server/reports/row.py by
// tests/unit/test_report_fixture.py), the reports asked for with a stubbed fetch, and the
// charts' shapes.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { register } from "node:module";
import { test } from "node:test";

register("./support/loket_modules.mjs", import.meta.url);
const view = await import("../../static/js/reportview.js");
const charts = await import("../../static/js/charts.js");
const { api } = await import("../../static/js/api.js");

const fixture = (name) => JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url)));
const REPORT = fixture("report_service.json");
const FORMAT = fixture("report_format_en.json"); // English, at a site in Jakarta
const NAMES = {
  services: { A: "Electronic ID card", B: "Passport", C: "Business licences" },
  counters: { 1: "Counter 1" },
  report: FORMAT,
};
const SUNDAY = "2026-12-06";

test("the presets' days, the week from the site's first day", () => {
  assert.deepEqual(view.presetRange("today", SUNDAY, 6), { from: SUNDAY, to: SUNDAY });
  assert.deepEqual(view.presetRange("yesterday", SUNDAY, 6), { from: "2026-12-05", to: "2026-12-05" });
  assert.deepEqual(view.presetRange("this_week", SUNDAY, 6), { from: SUNDAY, to: SUNDAY });
  assert.deepEqual(view.presetRange("this_week", SUNDAY, 0), { from: "2026-11-30", to: SUNDAY });
  assert.deepEqual(view.presetRange("this_week", "2026-12-09", 6), { from: SUNDAY, to: "2026-12-09" });
  assert.deepEqual(view.presetRange("this_month", SUNDAY, 6), { from: "2026-12-01", to: SUNDAY });
  assert.deepEqual(view.presetRange("last_month", SUNDAY, 6), { from: "2026-11-01", to: "2026-11-30" });
  assert.deepEqual(view.presetRange("last_month", "2027-01-15", 6), { from: "2026-12-01", to: "2026-12-31" });
  assert.deepEqual(view.presetRange("last_month", "2028-03-31", 6), { from: "2028-02-01", to: "2028-02-29" });
  assert.equal(view.presetOf("2026-11-01", "2026-11-30", SUNDAY, 6), "last_month");
  assert.equal(view.presetOf("2026-11-02", "2026-11-30", SUNDAY, 6), "custom");
});

test("the address keeps a report: from, to and by, others kept; nonsense gives today", () => {
  const query = "?lang=az&from=2026-11-01&to=2026-11-30&by=day";
  assert.deepEqual(view.readQuery(query, SUNDAY), { from: "2026-11-01", to: "2026-11-30", by: "day" });
  const today = { from: SUNDAY, to: SUNDAY, by: "service" };
  assert.deepEqual(view.readQuery("", SUNDAY), today);
  assert.deepEqual(view.readQuery("?from=2026-02-30&to=2026-03-01", SUNDAY), today);
  assert.deepEqual(view.readQuery("?from=2026-12-02&to=2026-12-01&by=nope", SUNDAY), today);
  assert.deepEqual(view.readQuery("?from=2025-01-01&to=2026-01-02", SUNDAY), today);
  assert.equal(view.rangeProblem("2025-01-01", "2026-01-01"), ""); // 366 days
  assert.equal(view.rangeProblem("2025-01-01", "2026-01-02"), "range_too_long");
  assert.equal(view.rangeProblem("2026-12-02", "2026-12-01"), "range_reversed");
  assert.equal(view.rangeProblem("", "2026-12-01"), "range_invalid");
  const state = { from: "2026-12-01", to: "2026-12-06", by: "hour" };
  assert.equal(view.queryOf(state, "?lang=az&by=day"), "?lang=az&by=hour&from=2026-12-01&to=2026-12-06");
  assert.equal(
    view.reportUrl("/api/v1/sites/demo/reports", state, "csv"),
    "/api/v1/sites/demo/reports?from=2026-12-01&to=2026-12-06&by=hour&format=csv",
  );
  assert.equal(view.reportUrl("/r", state), "/r?from=2026-12-01&to=2026-12-06&by=hour");
});

test("durations in the language's short units, seconds only under ten minutes", () => {
  const { units } = FORMAT;
  assert.equal(view.formatDuration(530.4, "en", units), "8 min 50 sec");
  assert.equal(view.formatDuration(750.4, "en", units), "13 min");
  assert.equal(view.formatDuration(3569, "en", units), "59 min");
  assert.equal(view.formatDuration(3590, "en", units), "1 hr");
  assert.equal(view.formatDuration(45, "en", units), "45 sec");
  assert.equal(view.formatDuration(600, "en", units), "10 min");
  assert.equal(view.formatDuration(4210, "en", units), "1 hr 10 min");
  assert.equal(view.formatDuration(7200, "en", units), "2 hr");
  assert.equal(view.formatDuration(null, "en", units), "");
  assert.equal(view.formatDuration(0, "en", units), "0 sec");
  const ru = { minute: { one: "{0} минута", few: "{0} минуты", many: "{0} минут", other: "{0} минуты" } };
  assert.equal(view.formatDuration(120, "ru", ru), "2 минуты");
  assert.equal(view.formatDuration(300, "ru", ru), "5 минут");
});

test("counts and shares with the language's CLDR signs, not the browser's data", () => {
  const az = { group: ".", percent: "#,##0%" };
  const ru = { group: "\u00a0", percent: "#,##0\u00a0%" };
  assert.equal(view.formatCount(1234567, az), "1.234.567");
  assert.equal(view.formatCount(999, az), "999");
  assert.equal(view.formatCount(4118, ru), "4\u00a0118");
  assert.equal(view.formatShare(0.7545, ru), "75\u00a0%");
  assert.equal(view.formatShare(1, az), "100%");
  assert.equal(view.formatShare(null, az), "");
  assert.deepEqual(FORMAT.number, { group: ",", decimal: ".", percent: "#,##0%" });
});

test("a report's table: names in the page's language, cells as text, the total last", () => {
  const table = view.reportTable(REPORT, NAMES, "en");
  assert.deepEqual(
    table.rows.map((row) => row.label),
    ["Electronic ID card", "Passport", "Business licences"],
  );
  const [a, b, c] = table.rows;
  assert.deepEqual(a.cells, [
    "1,204", "1,180", "1,102", "61", "17",
    "13 min", "10 min", "25 min", "1 hr 10 min",
    "2 min 10 sec", "4 min 23 sec", "75%", "",
  ]);
  assert.equal(a.low, true); // 75 % is under the 80 % goal
  assert.equal(b.low, false);
  assert.equal(b.cells[view.LOW_COLUMN], "100%");
  assert.deepEqual(c.cells, ["0", "0", "0", "0", "0", "", "", "", "", "", "", "", ""]);
  assert.equal(c.low, false);
  assert.deepEqual(table.total.cells.slice(0, 5), ["1,244", "1,220", "1,141", "62", "17"]);
  assert.equal(table.total.cells[view.LOW_COLUMN], "76%");
  assert.equal(table.rows.length, REPORT.rows.length);
  assert.equal(table.total.cells.length, view.COLUMNS.length);
});

test("hours, days and weekdays are written with CLDR's names; weeks from the site's day", () => {
  assert.equal(view.keyLabel("hour", "09", NAMES), "09:00");
  assert.equal(view.keyLabel("day", "2026-12-06", NAMES), "Sun, Dec 6, 2026");
  assert.equal(view.keyLabel("weekday", "1", NAMES), "Monday");
  assert.equal(view.keyLabel("counter", "1", NAMES), "Counter 1");
  assert.equal(view.keyLabel("service", "Z", NAMES), "Z"); // no longer configured
  assert.equal(view.keyLabel("user", "sari", NAMES), "sari");
  const week = ["1", "2", "3", "4", "5", "6", "7"].map((key) => ({ key }));
  const sundayFirst = view.orderedRows("weekday", week, 6).map((row) => row.key);
  assert.deepEqual(sundayFirst, ["7", "1", "2", "3", "4", "5", "6"]);
  assert.deepEqual(view.orderedRows("weekday", week, 0), week);
  const table = view.reportTable({ ...REPORT, by: "weekday", rows: week.map((w) => ({ ...REPORT.rows[2], key: w.key })) }, NAMES, "en");
  assert.equal(table.rows[0].label, "Sunday");
});

test("the page asks the API once per report it shows, and an API error is thrown", async () => {
  const asked = [];
  globalThis.fetch = async (url, options) => {
    asked.push([url, options.credentials]);
    const by = new URL(url, "http://x").searchParams.get("by");
    return new Response(JSON.stringify({ ...REPORT, by }), { status: 200 });
  };
  const state = { from: "2026-12-01", to: "2026-12-06", by: "counter" };
  const answers = await view.loadReports("/api/v1/sites/demo/reports", state, api);
  assert.deepEqual(Object.keys(answers).sort(), ["counter", "day", "hour", "user"]);
  assert.equal(answers.hour.by, "hour");
  assert.equal(asked.length, 4); // counter is the table's and a chart's
  assert.ok(asked.every(([, credentials]) => credentials === "same-origin"));
  assert.ok(asked.some(([url]) => url === "/api/v1/sites/demo/reports?from=2026-12-01&to=2026-12-06&by=user"));

  globalThis.fetch = async () =>
    new Response(JSON.stringify({ error: { code: "supervisor_only", message: "No." } }), { status: 403 });
  await assert.rejects(view.loadReports("/r", state, api), { status: 403, code: "supervisor_only" });
});

test("round axis steps", () => {
  assert.deepEqual(charts.niceTicks(430), [0, 100, 200, 300, 400, 500]);
  assert.deepEqual(charts.niceTicks(9), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(charts.niceTicks(0), [0, 1]);
  assert.deepEqual(charts.niceTicks(1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  // a count of visitors steps by whole numbers (2 arrivals an hour: not 0, 0.5, 1, …)
  assert.deepEqual(charts.niceTicks(2, 5, true), [0, 1, 2]);
  assert.deepEqual(charts.niceTicks(430, 5, true), [0, 100, 200, 300, 400, 500]);
});

const ofClass = (chart, tag, name) => chart.nodes.filter((n) => n.tag === tag && n.attrs.class === name);

test("arrivals as bars and the wait as a line broken where nobody was called", () => {
  const chart = charts.barsAndLine({
    labels: ["08:00", "09:00", "10:00", "11:00"],
    bars: [100, 400, 0, 50],
    line: [5, 12.5, null, 3],
    barName: "Tickets issued",
    lineName: "Average wait",
    barFormat: String,
    lineFormat: (m) => `${m} min`,
  });
  const bars = ofClass(chart, "rect", "bar").slice(1); // the first is the legend's
  assert.equal(bars.length, 4);
  assert.ok(bars[1].attrs.height > bars[0].attrs.height * 3.9);
  assert.equal(bars[2].attrs.height, 0);
  const [path] = ofClass(chart, "path", "line");
  assert.equal(path.attrs.d.match(/M/g).length, 2); // a gap at 10:00
  assert.equal(ofClass(chart, "circle", "dot").length, 1 + 3); // the legend's and three
  const texts = chart.nodes.filter((n) => n.tag === "text").map((n) => n.text);
  assert.ok(texts.includes("Tickets issued") && texts.includes("09:00") && texts.includes("10 min"));
});

test("served per counter: bars as long as their share of the most, long names cut", () => {
  const long = "Counter 20 – Badan Penyelenggara Jaminan Sosial Kesehatan";
  const chart = charts.horizontalBars({ labels: ["Counter 1", long], values: [200, 50], format: String });
  const [first, second] = ofClass(chart, "rect", "bar");
  assert.equal(second.attrs.width * 4, first.attrs.width);
  const name = chart.nodes.find((n) => n.title === long);
  assert.ok(name.text.endsWith("…") && name.text.length === 30);
  assert.deepEqual(ofClass(chart, "text", "value").map((n) => n.text), ["200", "50"]);
});

test("the share within target per day, with the goal across", () => {
  const chart = charts.shareLine({
    labels: ["Dec 1", "Dec 2", "Dec 3"],
    values: [0.9, null, 0.5],
    goal: 0.8,
    format: (s) => `${s * 100}%`,
    lineName: "Within target",
    goalName: "Goal: 80%",
  });
  const goals = ofClass(chart, "line", "goal");
  const level = goals.at(-1); // the first is the legend's
  const dots = ofClass(chart, "circle", "dot").slice(1);
  assert.ok(dots[0].attrs.cy < level.attrs.y1 && dots[1].attrs.cy > level.attrs.y1);
  assert.equal(level.attrs.y1, level.attrs.y2);
});

// -- satisfaction (issue 18): fixtures/satisfaction.json is the API's answer, checked
// against server/reports/satisfaction.py by tests/unit/test_satisfaction.py
const SATISFACTION = fixture("satisfaction.json");
const GRADES = [
  { letter: "A", lowest: 88.31 },
  { letter: "B", lowest: 76.61 },
  { letter: "C", lowest: 65 },
  { letter: "D", lowest: 25 },
];
const ID_NUMBER = { group: ".", decimal: ",", percent: "#,##0%" };

test("decimals in the language's signs, and the grade at the table's bounds", () => {
  assert.equal(view.formatDecimal(87.5, 2, ID_NUMBER), "87,50");
  assert.equal(view.formatDecimal(3.4483, 2, FORMAT.number), "3.45");
  assert.equal(view.formatDecimal(1234.5, 1, ID_NUMBER), "1.234,5");
  assert.equal(view.formatDecimal(null, 2, ID_NUMBER), "");
  assert.deepEqual(
    [100, 88.31, 88.3, 76.61, 76.6, 65, 64.99, 25].map((ikm) => view.gradeOf(ikm, GRADES)),
    ["A", "A", "B", "B", "C", "C", "D", "D"],
  );
  assert.equal(view.ratingText({ count: 4, avg: 3.5, ikm: 87.5 }, ID_NUMBER, GRADES), "3,50 · 87,50 B");
  assert.equal(view.ratingText(null, ID_NUMBER, GRADES), "");
  const rated = { ...REPORT.rows[0], rating: { count: 2, avg: 3.6667, ikm: 91.67 } };
  const table = view.reportTable({ ...REPORT, rows: [rated] }, { ...NAMES, grades: GRADES }, "en");
  assert.equal(table.rows[0].cells.at(-1), "3.67 · 91.67 A");
  assert.equal(view.COLUMNS.at(-1), "rating");
});

test("the satisfaction section's figures, elements and comments as text", () => {
  const shown = view.satisfactionView(SATISFACTION, { ...NAMES, grades: GRADES });
  assert.deepEqual(shown.ratings, { count: 4, avg: "3.00", ikm: "75.00", grade: "C" });
  assert.equal(shown.desk, 2);
  assert.equal(shown.phone, 2);
  assert.equal(shown.survey.respondents, 2);
  assert.equal(shown.survey.ikm, "75.00");
  assert.deepEqual(
    shown.survey.elements.map((e) => [e.id, e.text, e.lowest]).filter(([, text]) => text !== "—"),
    [["U1", "3.00", true], ["U3", "2.00", true], ["U7", "4.00", false]],
  );
  assert.equal(shown.survey.elements.length, 9);
  assert.deepEqual(shown.comments, [
    { score: 3, text: "Ramah", at: "2026-12-07T09:30:00+07:00", service: "Electronic ID card", counter: "Counter 1" },
  ]);
  assert.equal(shown.total, 2); // one shown of two: the rest are in the SKM report
  assert.equal(
    view.satisfactionUrl("/api/v1/sites/demo/satisfaction", { from: "2026-12-01", to: "2026-12-06", by: "day" }, "xlsx"),
    "/api/v1/sites/demo/satisfaction?from=2026-12-01&to=2026-12-06&format=xlsx",
  );
});

test("bars on a fixed scale, the lowest marked by more than colour, none drawn for null", () => {
  const chart = charts.horizontalBars({
    labels: ["U1", "U2", "U3"],
    values: [4, null, 2],
    format: (v) => (v === null ? "—" : String(v)),
    max: 4,
    marked: [false, false, true],
  });
  const [full, none] = ofClass(chart, "rect", "bar");
  const [low] = ofClass(chart, "rect", "bar low");
  assert.equal(low.attrs.width * 2, full.attrs.width);
  assert.equal(none.attrs.width, 0);
  assert.deepEqual(ofClass(chart, "text", "value").map((n) => n.text), ["4", "—"]);
  assert.deepEqual(ofClass(chart, "text", "value low").map((n) => n.text), ["▼ 2"]);
});
