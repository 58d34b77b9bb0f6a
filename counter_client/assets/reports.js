// The reports page (CONTRACT 6.3): a period and a row key chosen in the form, kept in the
// address (?from=&to=&by=) so that a report can be bookmarked and Back shows the one
// before; the table of that report and four charts, each read from the reports API of
// the site (same origin, the session's cookie). Printing gives the same page as one
// document (reports.css @media print).
//
// The texts are in server/web/strings.py (page "reports"); auth.js lists the keys it uses,
// and this file its own config.strings keys:
//   session_expired, loading, failed, range_invalid, range_reversed, range_too_long,
//   by_service, by_counter, by_user, by_hour, by_day, by_weekday, range_one, range,
//   generated, total, no_data, issued, wait_avg, within_target, goal, alt_hour,
//   alt_served, alt_share
// config.report: CLDR patterns and names (server/i18n/calendar.py report_format).

import { api } from "loket/api";
import { Login } from "loket/auth";
import { formatMoment } from "loket/calendar";
import { barsAndLine, draw, horizontalBars, shareLine } from "loket/charts";
import { h, readConfig, setText, siteTimeZone, translator } from "loket/page";
import {
  GOAL,
  dayLabel,
  formatCount,
  formatDuration,
  formatShare,
  keyLabel,
  loadReports,
  presetOf,
  presetRange,
  queryOf,
  rangeProblem,
  readQuery,
  reportTable,
  reportUrl,
  todayAt,
} from "loket/reportview";

const config = readConfig();
const t = translator(config.strings);
const lang = config.lang;
const format = config.report;
const zone = siteTimeZone();
const names = { services: config.services, counters: config.counters, report: format };

const form = document.getElementById("report-form");
const status = document.getElementById("report-status");
const report = document.getElementById("report");

// t() takes its keys written out (tests/unit/test_page_strings.py reads them)
const TITLES = {
  service: () => t("by_service"),
  counter: () => t("by_counter"),
  user: () => t("by_user"),
  hour: () => t("by_hour"),
  day: () => t("by_day"),
  weekday: () => t("by_weekday"),
};
const PROBLEMS = {
  range_invalid: () => t("range_invalid"),
  range_reversed: () => t("range_reversed"),
  range_too_long: () => t("range_too_long"),
};

let state = readQuery(location.search, todayAt(zone));
let asked = 0; // the latest load: an older answer arriving late is dropped

function rangeText({ from, to }) {
  const first = dayLabel(from, format.date);
  return from === to ? t("range_one", { day: first }) : t("range", { from: first, to: dayLabel(to, format.date) });
}

/** The form, the download links, the title and the language links, for `state`. */
function showState() {
  const today = todayAt(zone);
  form.elements.preset.value = presetOf(state.from, state.to, today, format.first_week_day);
  form.elements.from.value = state.from;
  form.elements.to.value = state.to;
  form.elements.by.value = state.by;
  document.getElementById("download-csv").href = reportUrl(config.api, state, "csv");
  document.getElementById("download-xlsx").href = reportUrl(config.api, state, "xlsx");
  setText(document.getElementById("report-range"), rangeText(state));
  setText(document.getElementById("table-title"), TITLES[state.by]());
  setText(document.getElementById("key-head"), form.elements.by.selectedOptions[0].textContent);
  for (const link of document.querySelectorAll(".lang-switch a")) {
    link.search = queryOf(state, link.search);
  }
}

// -- the table ---------------------------------------------------------------------

function cellsOf(cells, low) {
  return cells.map((text, i) =>
    h("td", { class: i === cells.length - 1 && low ? "num low" : "num" }, text),
  );
}

function showTable(answer) {
  const table = reportTable(answer, names, lang);
  document.getElementById("report-rows").replaceChildren(
    ...table.rows.map((row) => h("tr", {}, h("th", { scope: "row" }, row.label), cellsOf(row.cells, row.low))),
  );
  document.getElementById("report-total").replaceChildren(
    h("tr", {}, h("th", { scope: "row" }, t("total")), cellsOf(table.total.cells, table.total.low)),
  );
}

// -- the charts --------------------------------------------------------------------

const minutes = (seconds) => formatDuration(seconds, lang, format.units);
const count = (n) => formatCount(n, format.number);
const share = (s) => formatShare(s, format.number);

/** The hours that had anyone, from the first to the last (not 24 mostly empty bars). */
function busyHours(rows) {
  const busy = rows.map((row) => row.issued > 0 || row.called > 0);
  const first = busy.indexOf(true);
  return first < 0 ? [] : rows.slice(first, busy.lastIndexOf(true) + 1);
}

function hourChart(answer) {
  const rows = busyHours(answer.rows);
  const labels = rows.map((row) => keyLabel("hour", row.key, names));
  const waits = rows.map((row) => (row.wait_s ? row.wait_s.avg : null));
  const chart = barsAndLine({
    labels,
    bars: rows.map((row) => row.issued),
    line: waits.map((s) => (s === null ? null : s / 60)),
    barName: t("issued"),
    lineName: t("wait_avg"),
    barFormat: count,
    lineFormat: (m) => minutes(m * 60),
  });
  const alt = rows.map((row, i) =>
    t("alt_hour", { label: labels[i], issued: count(row.issued), wait: minutes(waits[i]) || "—" }),
  );
  return { chart, alt, empty: !rows.length };
}

function servedChart(by, answer) {
  const rows = [...answer.rows];
  if (by === "user") rows.sort((a, b) => b.served - a.served);
  const labels = rows.map((row) => keyLabel(by, row.key, names));
  const values = rows.map((row) => row.served);
  const chart = horizontalBars({ labels, values, format: count });
  const alt = rows.map((row, i) => t("alt_served", { label: labels[i], served: count(values[i]) }));
  return { chart, alt, empty: !rows.some((row) => row.served > 0) };
}

function dayChart(answer) {
  const labels = answer.rows.map((row) => dayLabel(row.key, format.day_short));
  const values = answer.rows.map((row) => row.within_target);
  const chart = shareLine({
    labels,
    values,
    goal: GOAL,
    format: share,
    lineName: t("within_target"),
    goalName: t("goal", { share: share(GOAL) }),
  });
  const alt = answer.rows
    .filter((row) => row.within_target !== null)
    .map((row) => t("alt_share", { label: dayLabel(row.key, format.day), share: share(row.within_target) }));
  return { chart, alt, empty: !alt.length };
}

function showCharts(answers) {
  const made = {
    hour: hourChart(answers.hour),
    day: dayChart(answers.day),
    counter: servedChart("counter", answers.counter),
    user: servedChart("user", answers.user),
  };
  for (const figure of document.querySelectorAll("[data-chart]")) {
    const { chart, alt, empty } = made[figure.dataset.chart];
    const title = figure.querySelector("figcaption").textContent;
    const drawn = empty ? h("p", { class: "muted" }, t("no_data")) : draw(chart, title, alt.join("; "));
    figure.replaceChildren(figure.querySelector("figcaption"), drawn);
  }
}

// -- loading -----------------------------------------------------------------------

async function load() {
  const mine = ++asked;
  report.setAttribute("aria-busy", "true");
  setText(status, t("loading"));
  status.className = "message";
  try {
    const answers = await loadReports(config.api, state, api);
    if (mine !== asked) return;
    showTable(answers[state.by]);
    showCharts(answers);
    const now = formatMoment(new Date(), format.moment, zone);
    setText(document.getElementById("report-generated"), t("generated", { time: now }));
    setText(status, "");
  } catch (error) {
    if (mine !== asked) return;
    if (error.status === 401) login.show(t("session_expired"));
    else if (error.status === 403) onlySupervisors(true);
    else {
      setText(status, t("failed", { message: error.message }));
      status.className = "message error";
    }
  } finally {
    if (mine === asked) report.removeAttribute("aria-busy");
  }
}

/** Shows the report of `next` and, unless it came from the address, puts it there. */
function go(next, remember = true) {
  const problem = rangeProblem(next.from, next.to);
  if (problem) {
    setText(status, PROBLEMS[problem]());
    status.className = "message error";
    return;
  }
  const same = next.from === state.from && next.to === state.to && next.by === state.by;
  state = next;
  // one entry per report: a field that fires twice must not need two Backs
  if (remember && !same) history.pushState(state, "", queryOf(state, location.search));
  showState();
  load();
}

function onlySupervisors(refused) {
  document.getElementById("supervisors-only").hidden = !refused;
  report.hidden = refused;
}

form.elements.preset.addEventListener("change", () => {
  const preset = form.elements.preset.value;
  if (preset === "custom") {
    form.elements.from.focus();
    return;
  }
  go({ ...presetRange(preset, todayAt(zone), format.first_week_day), by: state.by });
});
for (const name of ["from", "to"]) {
  form.elements[name].addEventListener("change", () => {
    const next = { from: form.elements.from.value, to: form.elements.to.value, by: state.by };
    if (next.from && next.to) go(next);
  });
}
form.elements.by.addEventListener("change", () => go({ ...state, by: form.elements.by.value }));
if (form.elements.site) {
  form.elements.site.addEventListener("change", () => {
    const site = encodeURIComponent(form.elements.site.value);
    location.assign(`/reports/${site}${queryOf(state, location.search)}`);
  });
}
form.addEventListener("submit", (event) => event.preventDefault());
document.getElementById("print").addEventListener("click", () => window.print());
window.addEventListener("popstate", () => go(readQuery(location.search, todayAt(zone)), false));

const login = new Login({
  view: document.getElementById("login-view"),
  app: document.getElementById("reports-app"),
  t,
  onLogin(user) {
    setText(document.getElementById("user-name"), user.username);
    const refused = user.role !== "admin" && user.role !== "supervisor";
    onlySupervisors(refused);
    if (refused) return;
    showState();
    load();
  },
});
document.getElementById("logout").addEventListener("click", () => login.logout());
login.start();
