// The four faces of a satisfaction rating (CONTRACT 6.4: a score 1–4, worst to best), drawn
// and worded alike wherever a visitor rates: the ticket page on the phone, and the desk's
// tablet (rate.js, which writes the words in every site language itself). Styles:
// static/css/faces.css. The meaning never rests on the colour alone: each face has its
// mouth and its word.
//
// config.strings keys (texts: server/web/strings.py, _FACES):
//   face_1, face_2, face_3, face_4

import { h } from "loket/page";

const SVG = "http://www.w3.org/2000/svg";
export const SCORES = [1, 2, 3, 4];

// a 100 × 100 face: eyes, worried brows for the unhappiest, and a mouth from a deep frown to
// a laugh
const MOUTHS = {
  1: "M28 76 Q50 52 72 76",
  2: "M31 72 Q50 62 69 72",
  3: "M30 64 Q50 80 70 64",
  4: "M26 60 Q50 94 74 60 Z",
};
const BROWS = { 1: "M25 33 L40 26 M75 33 L60 26" };

/** The word of a score, in the page's language ("Very satisfied"). */
export function faceWord(t, score) {
  switch (score) {
    case 1:
      return t("face_1");
    case 2:
      return t("face_2");
    case 3:
      return t("face_3");
    default:
      return t("face_4");
  }
}

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** The face of a score as an <svg> (decorative: its word is always written beside it). */
export function faceIcon(score) {
  const icon = svg("svg", {
    viewBox: "0 0 100 100",
    class: `face-svg face-${score}`,
    "aria-hidden": "true",
    focusable: "false",
  });
  icon.append(
    svg("circle", { cx: 50, cy: 50, r: 46, class: "face-skin" }),
    ...(BROWS[score] ? [svg("path", { d: BROWS[score], class: "face-line" })] : []),
    svg("circle", { cx: 35, cy: 42, r: 6, class: "face-eye" }),
    svg("circle", { cx: 65, cy: 42, r: 6, class: "face-eye" }),
    svg("path", { d: MOUTHS[score], class: score === 4 ? "face-mouth" : "face-line" }),
  );
  return icon;
}

/**
 * The four faces as one radio group: a <fieldset> with `legend`, each face a big label
 * around its drawing and word. `name` names the radios (and prefixes their ids);
 * `onChoose(score)` runs when one is chosen, by touch, click or arrow keys.
 */
export function faceChoices(name, legend, t, onChoose = () => {}) {
  const row = h("div", { class: "faces-row" });
  for (const score of SCORES) {
    const id = `${name}-${score}`;
    const input = h("input", { type: "radio", name, id, value: String(score), class: "face-input" });
    input.addEventListener("change", () => onChoose(score));
    const word = h("span", { class: "face-word" }, faceWord(t, score));
    row.append(input, h("label", { for: id, class: "face" }, faceIcon(score), word));
  }
  return h("fieldset", { class: "faces" }, h("legend", { class: "faces-legend" }, legend), row);
}

/** The score chosen in a faceChoices group; null if none. */
export function chosenFace(group) {
  const checked = group.querySelector("input.face-input:checked");
  return checked ? Number(checked.value) : null;
}
