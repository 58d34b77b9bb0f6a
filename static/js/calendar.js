// A day written out in the page's language from the CLDR names the server gives
// (server/i18n/calendar.py), not from the browser's own locale data: browsers built with
// reduced data know no month names in some languages (Chromium: Azerbaijani).

/** The year, month (1–12) and day of `when` at `timeZone`: numbers every browser knows. */
function dayAt(when, timeZone) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric" })
    .formatToParts(when)
    .reduce((all, part) => ({ ...all, [part.type]: Number(part.value) }), {});
  return parts;
}

// a CLDR pattern's fields and quoted text ('г'. is literal; '' a quote)
const CLDR_FIELDS = /'([^']*)'|E+|[ML]+|d+|y+|H+|m+/g;

/**
 * A CLDR pattern with its fields filled in: `values` {y, M (1–12), d, H, m, E (Monday 0)},
 * `names` {months (January first), weekdays (Monday first)} for the fields in words.
 */
export function fillPattern(pattern, values, names) {
  return pattern.replace(CLDR_FIELDS, (token, quoted) => {
    if (quoted !== undefined) return quoted || "'";
    const field = token[0] === "L" ? "M" : token[0];
    if (field === "E") return names.weekdays[values.E];
    if (field === "M" && token.length >= 3) return names.months[values.M - 1];
    const value = values[field];
    return token.length === 2 ? String(value).padStart(2, "0") : String(value);
  });
}

/**
 * "Minggu, 6 Desember", "bazar, 6 dekabr", "воскресенье, 6 декабря".
 * @param {Date} when
 * @param {{pattern: string, weekdays: string[], months: string[]}} names weekdays Monday first
 */
export function dayText(when, names, timeZone) {
  const { year, month, day } = dayAt(when, timeZone);
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7; // Monday 0
  return fillPattern(names.pattern, { y: year, M: month, d: day, E: weekday }, names);
}
