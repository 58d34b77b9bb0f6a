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
//   alt_served, alt_share, grade_a, grade_b, grade_c, grade_d, element_u1, element_u2,
//   element_u3, element_u4, element_u5, element_u6, element_u7, element_u8, element_u9,
//   ratings_one, ratings_few, ratings_many, ratings_other, respondents_one, respondents_few,
//   respondents_many, respondents_other, ratings_split, no_ratings, no_survey, element_ikm,
//   score_ikm, score_avg, alt_element, alt_element_low, comments_none, comments_more, score
// (the last ones, from grade_a, are the satisfaction section's: issue 18)
// config.report: CLDR patterns and names (server/i18n/calendar.py report_format);
// config.satisfaction: its API (server/web/satisfaction.py); config.grades: the SKM's
// grade table, best first.

import { api } from "loket/api";
import { Login } from "loket/auth";
import { formatMoment } from "loket/calendar";
import { barsAndLine, draw, horizontalBars, shareLine } from "loket/charts";
import { h, readConfig, setText, siteTimeZone, translator } from "loket/page";
import {
  GOAL,
  LOW_COLUMN,
  dayLabel,
  formatCount,
  formatDecimal,
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
  satisfactionUrl,
  satisfactionView,
  todayAt,
} from "loket/reportview";

const config = readConfig();
const t = translator(config.strings);
const lang = config.lang;
const format = config.report;
const zone = siteTimeZone();
const names = { services: config.services, counters: config.counters, report: format, grades: config.grades };

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
const GRADE_WORDS = { A: () => t("grade_a"), B: () => t("grade_b"), C: () => t("grade_c"), D: () => t("grade_d") };
const ELEMENT_NAMES = {
  U1: () => t("element_u1"),
  U2: () => t("element_u2"),
  U3: () => t("element_u3"),
  U4: () => t("element_u4"),
  U5: () => t("element_u5"),
  U6: () => t("element_u6"),
  U7: () => t("element_u7"),
  U8: () => t("element_u8"),
  U9: () => t("element_u9"),
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
  document.getElementById("download-skm").href = satisfactionUrl(config.satisfaction, state, "xlsx");
  setText(document.getElementById("report-range"), rangeText(state));
  setText(document.getElementById("table-title"), TITLES[state.by]());
  setText(document.getElementById("key-head"), form.elements.by.selectedOptions[0].textContent);
  for (const link of document.querySelectorAll(".lang-switch a")) {
    link.search = queryOf(state, link.search);
  }
}

// -- the table ---------------------------------------------------------------------

function cellsOf(cells, low) {
  return cells.map((text, i) => h("td", { class: i === LOW_COLUMN && low ? "num low" : "num" }, text));
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

// -- satisfaction (issue 18) -------------------------------------------------------

/** A big figure: what it is, the IKM, its grade letter and words, and what it counts. */
function ikmFigure(title, ikm, grade, counts) {
  return h(
    "div",
    { class: "ikm-figure", dataset: { grade } },
    h("span", { class: "ikm-title" }, title),
    h("span", { class: "ikm-value" }, ikm),
    h("span", { class: "ikm-grade" }, h("b", {}, grade), " ", GRADE_WORDS[grade]()),
    h("span", { class: "ikm-count" }, counts),
  );
}

function showFigures(view) {
  const figures = document.getElementById("ikm-figures");
  const shown = [];
  if (view.survey) {
    const counts = t.plural("respondents", view.survey.respondents, lang);
    shown.push(ikmFigure(t("element_ikm"), view.survey.ikm, view.survey.grade, counts));
  }
  if (view.ratings) {
    const split = t("ratings_split", { desk: count(view.desk), phone: count(view.phone) });
    const counts = `${t.plural("ratings", view.ratings.count, lang)} (${split}) · ${t("score_avg", { avg: view.ratings.avg })}`;
    shown.push(ikmFigure(t("score_ikm"), view.ratings.ikm, view.ratings.grade, counts));
  }
  figures.replaceChildren(...shown);
}

function showElements(view) {
  const figure = document.getElementById("elements-chart");
  const caption = figure.querySelector("figcaption");
  if (!view.survey) {
    figure.replaceChildren(caption, h("p", { class: "muted" }, t("no_survey")));
    return;
  }
  const elements = view.survey.elements;
  const labels = elements.map((e) => `${e.id} ${ELEMENT_NAMES[e.id]()}`);
  const chart = horizontalBars({
    labels,
    values: elements.map((e) => e.avg),
    format: (value) => (value === null ? "—" : formatDecimal(value, 2, format.number)),
    max: 4,
    marked: elements.map((e) => e.lowest),
  });
  const alt = elements.map((e, i) =>
    e.lowest
      ? t("alt_element_low", { label: labels[i], avg: e.text })
      : t("alt_element", { label: labels[i], avg: e.text }),
  );
  figure.replaceChildren(caption, draw(chart, caption.textContent, alt.join("; ")));
}

function showComments(view) {
  const list = document.getElementById("comments-list");
  list.replaceChildren(
    ...view.comments.map((c) =>
      h(
        "li",
        { class: "comment", dataset: { score: String(c.score) } },
        h(
          "p",
          { class: "comment-meta" },
          h("span", { class: "comment-score" }, t("score", { score: c.score })),
          " · ",
          [formatMoment(new Date(c.at), format.moment, zone), c.service, c.counter].filter(Boolean).join(" · "),
        ),
        h("p", { class: "comment-text" }, c.text),
      ),
    ),
  );
  const note = document.getElementById("comments-note");
  if (!view.total) setText(note, t("comments_none"));
  else if (view.total > view.comments.length) {
    setText(note, t("comments_more", { shown: count(view.comments.length), total: count(view.total) }));
  } else setText(note, "");
}

function showSatisfaction(answer) {
  const view = satisfactionView(answer, names);
  const empty = !view.ratings;
  const nothing = document.getElementById("satisfaction-empty");
  setText(nothing, empty ? t("no_ratings") : "");
  nothing.hidden = !empty;
  document.getElementById("satisfaction-body").hidden = empty;
  if (empty) return;
  showFigures(view);
  showElements(view);
  showComments(view);
}

// -- loading -----------------------------------------------------------------------

async function load() {
  const mine = ++asked;
  report.setAttribute("aria-busy", "true");
  setText(status, t("loading"));
  status.className = "message";
  try {
    const [answers, satisfaction] = await Promise.all([
      loadReports(config.api, state, api),
      api(satisfactionUrl(config.satisfaction, state)),
    ]);
    if (mine !== asked) return;
    showTable(answers[state.by]);
    showCharts(answers);
    showSatisfaction(satisfaction);
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
