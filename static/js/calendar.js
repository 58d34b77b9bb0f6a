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

/**
 * "Minggu, 6 Desember", "bazar, 6 dekabr", "воскресенье, 6 декабря".
 * @param {Date} when
 * @param {{pattern: string, weekdays: string[], months: string[]}} names weekdays Monday first
 */
export function dayText(when, names, timeZone) {
  const { year, month, day } = dayAt(when, timeZone);
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7; // Monday 0
  return names.pattern.replace(/'([^']*)'|E+|M+|L+|d+|y+/g, (token, quoted) => {
    if (quoted !== undefined) return quoted;
    if (token[0] === "E") return names.weekdays[weekday];
    if (token[0] === "M" || token[0] === "L") return token.length >= 3 ? names.months[month - 1] : String(month);
    if (token[0] === "d") return String(day);
    return String(year);
  });
}
