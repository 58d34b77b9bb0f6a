// Days and times written in the page's language from the CLDR patterns and names the server
// gives (server/i18n/calendar.py: config.calendars, config.moment, config.time), not from the
// browser's own locale data: browsers built with reduced data know no month names in some
// languages (Chromium: Azerbaijani, "2026 M12 6"). Plain functions, no imports: Node's
// tests (tests/js) run them as they are.

/** The fields of `when` at `timeZone`, as numbers every browser knows: year, month (1–12),
 * day, hour (0–23), minute and weekday (Monday 0). */
function fieldsAt(when, timeZone) {
  const clock = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const parts = {};
  for (const part of clock.formatToParts(when)) parts[part.type] = Number(part.value);
  const { year, month, day } = parts;
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  return { y: year, M: month, d: day, H: parts.hour, m: parts.minute, E: weekday };
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
 * A Date, ms or ISO string written with a format from the server, at `timeZone` (the site's:
 * page.js siteTimeZone(); undefined: the device's): "6 Des 2026 07.38", "Dec 6, 2026, 07:38"
 * (config.moment), "07.38" (config.time); "" for none.
 * @param {{pattern: string, months?: string[], weekdays?: string[]}} format
 */
export function formatMoment(when, format, timeZone) {
  if (when === null || when === undefined) return "";
  return fillPattern(format.pattern, fieldsAt(new Date(when), timeZone), format);
}

/** The hall display's day (one of config.calendars): "Minggu, 6 Desember", "bazar, 6 dekabr". */
export function dayText(when, names, timeZone) {
  return formatMoment(when, names, timeZone);
}
