// Small helpers every page script shares: the embedded config, UI strings, DOM building
// and the site's time zone (dates and times in words: calendar.js).

/** The JSON the template embedded in <script type="application/json" id="loket-config">. */
export function readConfig() {
  const node = document.getElementById("loket-config");
  return node ? JSON.parse(node.textContent) : {};
}

/**
 * A translator over config.strings, which the server fills per page from
 * server/web/strings.py (the only place the texts live). A missing key shows the key itself;
 * tests/unit/test_page_strings.py makes sure none is missing. Placeholders look like {name}.
 */
export function translator(strings = {}) {
  const t = (key, vars = {}) => {
    const text = strings[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
  };
  /**
   * Plural forms by CLDR category: key_one, key_few, key_many, key_other (ru needs all);
   * key_other when the language's category has no key of its own.
   */
  t.plural = (key, n, lang, vars = {}) => {
    const chosen = `${key}_${new Intl.PluralRules(lang).select(n)}`;
    return t(chosen in strings ? chosen : `${key}_other`, { n, ...vars });
  };
  return t;
}

/** h("li", {class: "x", dataset: {counter: "3"}}, "text", child) → an element. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Sets text only when it changed, so aria-live regions do not speak needlessly. */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

export const DASH = "—";

/** The site's IANA time zone, put on <body data-timezone> by base.html (or on another
 * element, for a page of several sites). */
export function siteTimeZone(node = document.body) {
  const zone = node.dataset.timezone;
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return undefined; // an unknown zone: fall back to the device's own
  }
}

function formatter(lang, timeZone, options) {
  try {
    return new Intl.DateTimeFormat(lang, { timeZone, ...options });
  } catch {
    return new Intl.DateTimeFormat(undefined, options);
  }
}

/** HH:MM (24 h, local separators: "08.15" in Indonesian) for a Date, ms or ISO string. */
export function formatTime(when, lang, timeZone = siteTimeZone()) {
  if (when === null || when === undefined) return "";
  const date = when instanceof Date ? when : new Date(when);
  return formatter(lang, timeZone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(date);
}

export function formatDate(when, lang, timeZone = siteTimeZone()) {
  const date = when instanceof Date ? when : new Date(when);
  const long = formatter(lang, timeZone, { weekday: "long", day: "numeric", month: "long" });
  // Browsers built with reduced locale data fall back to CLDR root names ("M11 28, Sat"):
  // then a numeric date reads better than half-English words.
  const month = long.formatToParts(date).find((part) => part.type === "month");
  if (month && /^M\d+$/.test(month.value)) {
    return formatter(lang, timeZone, { year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  }
  return long.format(date);
}

/** Restarts a CSS animation class (e.g. a flash on a recall of the same number). */
export function restartClass(node, className, durationMs) {
  node.classList.remove(className);
  void node.offsetWidth; // force a reflow so that re-adding the class starts the animation anew
  node.classList.add(className);
  clearTimeout(node._loketTimer);
  node._loketTimer = setTimeout(() => node.classList.remove(className), durationMs);
}

/** A screen that stays on (hall TV, rating tablet): the browser's wake lock, asked for again
 * whenever the page is shown (the lock ends when it is hidden). */
export function keepScreenOn() {
  const ask = async () => {
    try {
      await navigator.wakeLock?.request("screen");
    } catch {
      // not offered (plain http) or refused: the device's own settings decide
    }
  };
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && ask());
  ask();
}
