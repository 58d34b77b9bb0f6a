// What the reports page (counter_client/assets/reports.js) shows of CONTRACT 6.3's report
// JSON, without the DOM: the period presets and the page's query, the rows' names and
// cells (durations, shares, counts in the page's language), so Node's tests (tests/js) run
// it as it is.
//
// `format` is config.report (server/i18n/calendar.py report_format): CLDR patterns and
// names for days and hours, the short duration units' plural patterns and the week's
// first day at the site (0 Monday … 6 Sunday).

import { fillPattern } from "loket/calendar";

export const BYS = ["service", "counter", "user", "hour", "day", "weekday"];
export const PRESETS = ["today", "yesterday", "this_week", "this_month", "last_month"];
export const MAX_DAYS = 366; // CONTRACT 6.3: from and to at most 366 days apart
export const GOAL = 0.8; // a share within target below this stands out

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86400000;

/** "2026-12-06" → ms at UTC midnight; NaN for anything that is not a real day. */
function dayMs(iso) {
  const match = ISO_DAY.exec(iso || "");
  if (!match) return NaN;
  const [y, m, d] = match.slice(1).map(Number);
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  return back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? ms : NaN;
}

function isoOf(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(iso, n) {
  return isoOf(dayMs(iso) + n * DAY_MS);
}

/** Days from `from` to `to`, both counted ("2026-12-01", "2026-12-31" → 31). */
export function daysIn(from, to) {
  return Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1;
}

/** Monday 0 … Sunday 6, as calendar.js counts. */
function weekdayOf(iso) {
  return (new Date(dayMs(iso)).getUTCDay() + 6) % 7;
}

/** The site's local day now, "YYYY-MM-DD" (undefined zone: the device's). */
export function todayAt(timeZone, now = new Date()) {
  const parts = {};
  const clock = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  for (const part of clock.formatToParts(now)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** A preset's days {from, to}, `today` being the site's local day. */
export function presetRange(preset, today, firstWeekDay = 0) {
  const month = today.slice(0, 8); // "2026-12-"
  switch (preset) {
    case "yesterday":
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case "this_week": {
      const back = (weekdayOf(today) - firstWeekDay + 7) % 7;
      return { from: addDays(today, -back), to: today };
    }
    case "this_month":
      return { from: `${month}01`, to: today };
    case "last_month": {
      const last = addDays(`${month}01`, -1);
      return { from: `${last.slice(0, 8)}01`, to: last };
    }
    default:
      return { from: today, to: today };
  }
}

/** The preset that gives exactly these days, or "custom". */
export function presetOf(from, to, today, firstWeekDay = 0) {
  const found = PRESETS.find((preset) => {
    const range = presetRange(preset, today, firstWeekDay);
    return range.from === from && range.to === to;
  });
  return found || "custom";
}

/** Why these days cannot be asked for ("" when they can): the API's own limits. */
export function rangeProblem(from, to) {
  if (Number.isNaN(dayMs(from)) || Number.isNaN(dayMs(to))) return "range_invalid";
  if (dayMs(from) > dayMs(to)) return "range_reversed";
  if (daysIn(from, to) > MAX_DAYS) return "range_too_long";
  return "";
}

/** The page's state from its query (?from=&to=&by=): today by service when it has none,
 * or none that makes sense, so that a bookmark of a report shows that report again. */
export function readQuery(search, today) {
  const query = new URLSearchParams(search);
  const by = BYS.includes(query.get("by")) ? query.get("by") : "service";
  const from = query.get("from");
  const to = query.get("to");
  if (from && to && !rangeProblem(from, to)) return { from, to, by };
  return { from: today, to: today, by };
}

/** The query for `state`, keeping what else `search` has (?lang=). */
export function queryOf({ from, to, by }, search = "") {
  const query = new URLSearchParams(search);
  for (const [name, value] of Object.entries({ from, to, by })) query.set(name, value);
  return `?${query}`;
}

/** The API's address for a report ("json" without &format, as the contract's default). */
export function reportUrl(api, { from, to, by }, format = "json") {
  const query = new URLSearchParams({ from, to, by });
  if (format !== "json") query.set("format", format);
  return `${api}?${query}`;
}

/** What the charts are drawn from, beside the table's own report. */
export const CHART_BYS = ["hour", "day", "counter", "user"];

/**
 * The reports the page shows for `state`, each asked once, side by side: {by: Report}.
 * `get` is api.js's api(), which throws its ApiError for an answer that is not 2xx.
 */
export async function loadReports(api, state, get) {
  const wanted = [...new Set([state.by, ...CHART_BYS])];
  const answers = await Promise.all(wanted.map((by) => get(reportUrl(api, { ...state, by }))));
  return Object.fromEntries(wanted.map((by, i) => [by, answers[i]]));
}

// -- numbers and durations ----------------------------------------------------------

/** A whole number grouped by thousands with the language's sign (config.report.number:
 * CLDR's, as browsers with reduced locale data would write Azerbaijani "4,118"). */
export function formatCount(n, number) {
  const digits = String(Math.abs(Math.round(n))).replace(/\B(?=(\d{3})+(?!\d))/g, () => number.group);
  return `${n < 0 ? "-" : ""}${digits}`;
}

/** A share (0–1) as a whole percentage in the language's pattern ("79%", "79 %"). */
export function formatShare(share, number) {
  if (share === null || share === undefined) return "";
  return number.percent.replace(/[#0,.]+/, formatCount(share * 100, number));
}

function unitText(unit, n, lang, units) {
  const forms = units[unit] || {};
  const pattern = forms[new Intl.PluralRules(lang).select(n)] || forms.other || `{0} ${unit}`;
  return pattern.replace("{0}", String(n)); // under 1,000: no grouping
}

/** Seconds as compact units: "45 sec", "4 min 23 sec", "13 min", "1 hr 5 min" (seconds only
 * under 10 minutes, where they still matter; above, to the minute); "" for none. */
export function formatDuration(seconds, lang, units) {
  if (seconds === null || seconds === undefined) return "";
  const whole = Math.round(seconds);
  const minutes = Math.round(whole / 60);
  const parts = [];
  if (minutes >= 60) {
    parts.push(unitText("hour", Math.floor(minutes / 60), lang, units));
    if (minutes % 60) parts.push(unitText("minute", minutes % 60, lang, units));
  } else if (whole >= 600) {
    parts.push(unitText("minute", minutes, lang, units));
  } else {
    if (whole >= 60) parts.push(unitText("minute", Math.floor(whole / 60), lang, units));
    if (whole % 60 || whole < 60) parts.push(unitText("second", whole % 60, lang, units));
  }
  return parts.join(" ");
}

// -- the rows' names ---------------------------------------------------------------

/** "2026-12-06" written with a CLDR pattern and its names (config.report.day and alike). */
export function dayLabel(iso, pattern) {
  const [y, M, d] = iso.split("-").map(Number);
  return fillPattern(pattern.pattern, { y, M, d, H: 0, m: 0, E: weekdayOf(iso) }, pattern);
}

/** "09" → "09:00" / "09.00" (the page's time of day). */
export function hourLabel(key, time) {
  return fillPattern(time.pattern, { y: 0, M: 1, d: 1, H: Number(key), m: 0, E: 0 }, time);
}

/**
 * A row's name as people read it: a service's or counter's name in the page's language
 * (config.services, config.counters: a key no longer configured shows as it is), the
 * hour, the day and the weekday in CLDR's words; a user by username.
 */
export function keyLabel(by, key, names) {
  const format = names.report;
  if (by === "service") return names.services[key] ?? key;
  if (by === "counter") return names.counters[key] ?? key;
  if (by === "hour") return hourLabel(key, format.time);
  if (by === "day") return dayLabel(key, format.day);
  if (by === "weekday") return format.weekdays[Number(key) - 1] ?? key;
  return key;
}

/** The rows in the order they are shown: weeks from the site's first day (the API gives ISO
 * weekdays, Monday "1" first), everything else as the API ordered it. */
export function orderedRows(by, rows, firstWeekDay = 0) {
  if (by !== "weekday") return rows;
  const place = (row) => (Number(row.key) - 1 - firstWeekDay + 7) % 7;
  return [...rows].sort((a, b) => place(a) - place(b));
}

export const COLUMNS = [
  "issued",
  "called",
  "served",
  "no_show",
  "transferred",
  "wait_avg",
  "wait_p50",
  "wait_p90",
  "wait_max",
  "service_avg",
  "service_p90",
  "within_target",
  "rating",
];
export const LOW_COLUMN = COLUMNS.indexOf("within_target"); // the cell `low` marks

/** A Row's cells, in COLUMNS' order, as text; `low` when its share within target is
 * under the goal. `format`: config.report; `grades`: config.grades. */
export function rowCells(row, lang, format, grades = []) {
  const wait = row.wait_s || {};
  const service = row.service_s || {};
  const duration = (seconds) => formatDuration(seconds, lang, format.units);
  const count = (n) => formatCount(n, format.number);
  return {
    cells: [
      count(row.issued),
      count(row.called),
      count(row.served),
      count(row.no_show),
      count(row.transferred),
      duration(wait.avg),
      duration(wait.p50),
      duration(wait.p90),
      duration(wait.max),
      duration(service.avg),
      duration(service.p90),
      formatShare(row.within_target, format.number),
      ratingText(row.rating, format.number, grades),
    ],
    low: row.within_target !== null && row.within_target !== undefined && row.within_target < GOAL,
  };
}

/** The table of a report: its rows with their names, then the total. */
export function reportTable(report, names, lang) {
  const format = names.report;
  const rows = orderedRows(report.by, report.rows, format.first_week_day);
  return {
    rows: rows.map((row) => ({
      key: row.key,
      label: keyLabel(report.by, row.key, names),
      ...rowCells(row, lang, format, names.grades),
    })),
    total: rowCells(report.total, lang, format, names.grades),
  };
}

// -- satisfaction (issue 18: server/reports/satisfaction.py, docs/skm.md) --------------

export const ELEMENT_IDS = ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"];

/** A number with `digits` decimals in the language's signs ("87,50"); "" for none. */
export function formatDecimal(value, digits, number) {
  if (value === null || value === undefined) return "";
  const [whole, part] = Math.abs(value).toFixed(digits).split(".");
  const text = formatCount(Number(whole), number) + (part ? `${number.decimal}${part}` : "");
  return value < 0 ? `-${text}` : text;
}

/** The SKM grade (mutu, A-D) of an IKM as the API writes it (two decimals): `grades` is
 * config.grades, the regulation's table best first, each row's lowest IKM. */
export function gradeOf(ikm, grades) {
  return grades.find((row) => ikm >= row.lowest)?.letter ?? "";
}

/** A row's `rating` (CONTRACT 6.3) in one cell: "3.50 · 87.50 B" (average, IKM, grade). */
export function ratingText(rating, number, grades) {
  if (!rating) return "";
  const ikm = formatDecimal(rating.ikm, 2, number);
  return `${formatDecimal(rating.avg, 2, number)} · ${ikm} ${gradeOf(rating.ikm, grades)}`.trim();
}

/** The satisfaction report's address ("json" without &format). */
export function satisfactionUrl(api, { from, to }, format = "json") {
  const query = new URLSearchParams({ from, to });
  if (format !== "json") query.set("format", format);
  return `${api}?${query}`;
}

/**
 * What the satisfaction section shows of the API's answer, as text in the page's language:
 * the scores and the survey's IKM, the nine elements (null average: nobody answered it), and
 * the comments with their service's and counter's names. `names` as reportTable's.
 */
export function satisfactionView(answer, names) {
  const number = names.report.number;
  const decimal = (value) => formatDecimal(value, 2, number);
  const scores = (s) => s && { count: s.count, avg: decimal(s.avg), ikm: decimal(s.ikm), grade: s.grade };
  const survey = answer.survey;
  return {
    ratings: scores(answer.ratings),
    desk: answer.desk ? answer.desk.count : 0,
    phone: answer.phone ? answer.phone.count : 0,
    survey: survey && {
      respondents: survey.respondents,
      ikm: decimal(survey.ikm),
      grade: survey.grade,
      elements: survey.elements.map((e) => ({
        id: e.id,
        avg: e.avg,
        text: e.avg === null ? "—" : decimal(e.avg),
        count: e.count,
        lowest: e.lowest,
      })),
    },
    comments: answer.comments.items.map((c) => ({
      score: c.score,
      text: c.comment,
      at: c.at,
      service: names.services[c.service] ?? c.service,
      counter: c.counter === null ? "" : (names.counters[c.counter] ?? c.counter),
    })),
    total: answer.comments.total,
  };
}
