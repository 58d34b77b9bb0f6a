// Small SVG charts for the reports page, with no library: each chart is first a plain
// model (shapes as {tag, attrs, text}), which Node's tests (tests/js) read, then drawn by
// draw() with the DOM. Colours come from CSS classes (counter_client/assets/reports.css),
// so that print turns them into black, white and hatching.

const SVG_NS = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const FONT = 12; // px in the chart's own units
const LABEL_CHARS = 30; // a longer name is cut, whole in its <title>

/** 0 and up to about `count` round steps (1, 2 or 5 × 10ⁿ) reaching at least `max`; `whole`: steps of at least 1. */
export function niceTicks(max, count = 5, whole = false) {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const nice = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  const step = whole ? Math.max(1, nice) : nice; // counts: no half a visitor
  const ticks = [];
  for (let value = 0; value < max + step * 0.999; value += step) ticks.push(round(value));
  return ticks;
}

function round(value) {
  return Math.round(value * 1000) / 1000;
}

function shape(tag, attrs, text) {
  return text === undefined ? { tag, attrs } : { tag, attrs, text };
}

function cut(label) {
  return label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label;
}

/** Every `n`th label along an axis that has room for `room` of them. */
function every(count, room) {
  return Math.max(1, Math.ceil(count / room));
}

function yAxis(nodes, ticks, scale, x, side, format, top, right) {
  for (const tick of ticks) {
    const y = round(scale(tick));
    if (side === "left") nodes.push(shape("line", { class: "grid", x1: x, x2: right, y1: y, y2: y }));
    nodes.push(
      shape(
        "text",
        {
          class: `tick ${side}`,
          x: side === "left" ? x - 6 : x + 6,
          y: y + FONT / 3,
          "text-anchor": side === "left" ? "end" : "start",
        },
        format(tick),
      ),
    );
  }
  nodes.push(shape("line", { class: "axis", x1: x, x2: x, y1: top, y2: round(scale(0)) }));
}

/** The labels under the slots along the bottom axis, as many as there is room for. */
function xLabels(nodes, labels, { left, slot, bottom, room }) {
  const step = every(labels.length, room);
  labels.forEach((label, i) => {
    if (i % step === 0) {
      nodes.push(shape("text", { class: "tick", x: round(left + slot * (i + 0.5)), y: bottom + 16, "text-anchor": "middle" }, label));
    }
  });
}

/** Each value at the middle of its slot; null stays null (a gap in the line). */
function pointsOf(values, left, slot, scale) {
  return values.map((v, i) => (v === null ? null : [round(left + slot * (i + 0.5)), round(scale(v))]));
}

function legend(nodes, items, y) {
  let x = 60;
  for (const { kind, name } of items) {
    if (kind === "bar") nodes.push(shape("rect", { class: "bar", x, y: y - 10, width: 14, height: 12 }));
    else if (kind === "goal") nodes.push(shape("line", { class: "goal", x1: x, x2: x + 18, y1: y - 4, y2: y - 4 }));
    else {
      nodes.push(shape("line", { class: "line", x1: x, x2: x + 18, y1: y - 4, y2: y - 4 }));
      nodes.push(shape("circle", { class: "dot", cx: x + 9, cy: y - 4, r: 3.5 }));
    }
    nodes.push(shape("text", { class: "legend", x: x + 24, y }, name));
    x += 24 + name.length * FONT * 0.6 + 24;
  }
}

/**
 * Bars on the left axis and a line on the right one, over the same labels: arrivals and
 * their average wait per hour. A null in `line` leaves a gap (an hour nobody was called).
 */
export function barsAndLine({ labels, bars, line, barName, lineName, barFormat, lineFormat }) {
  const top = 34;
  const bottom = 250;
  const left = 56;
  const right = WIDTH - 64;
  const barTicks = niceTicks(Math.max(0, ...bars), 5, true); // arrivals: whole numbers
  const lineTicks = niceTicks(Math.max(0, ...line.filter((v) => v !== null)));
  const barScale = (v) => bottom - ((bottom - top) * v) / barTicks.at(-1);
  const lineScale = (v) => bottom - ((bottom - top) * v) / lineTicks.at(-1);
  const slot = (right - left) / Math.max(1, labels.length);
  const nodes = [];
  legend(nodes, [{ kind: "bar", name: barName }, { kind: "line", name: lineName }], 16);
  yAxis(nodes, barTicks, barScale, left, "left", barFormat, top, right);
  yAxis(nodes, lineTicks, lineScale, right, "right", lineFormat, top, right);
  bars.forEach((value, i) => {
    const y = round(barScale(value));
    const x = round(left + slot * (i + 0.15));
    nodes.push(shape("rect", { class: "bar", x, y, width: round(slot * 0.7), height: round(bottom - y) }));
  });
  xLabels(nodes, labels, { left, slot, bottom, room: 16 });
  pathThrough(nodes, pointsOf(line, left, slot, lineScale), "line");
  nodes.push(shape("line", { class: "axis", x1: left, x2: right, y1: bottom, y2: bottom }));
  return { width: WIDTH, height: bottom + 26, nodes };
}

/** A line through the points, broken where one is null, with a dot on each. */
function pathThrough(nodes, points, kind) {
  let d = "";
  let pen = "M";
  for (const point of points) {
    if (point === null) {
      pen = "M";
      continue;
    }
    d += `${pen}${point[0]} ${point[1]} `;
    pen = "L";
  }
  if (d) nodes.push(shape("path", { class: kind, d: d.trim() }));
  for (const point of points) {
    if (point !== null) nodes.push(shape("circle", { class: "dot", cx: point[0], cy: point[1], r: 3 }));
  }
}

/** One horizontal bar per label (served per counter, per clerk), the value at its end.
 * `max`: the scale's end (default: the largest value); `marked[i]`: the bar stands out,
 * its value after a ▼ (not by colour alone); a null value has no bar. */
export function horizontalBars({ labels, values, format, max = Math.max(1, ...values), marked = [] }) {
  const rowHeight = 20;
  const top = 6;
  const left = 230;
  const right = WIDTH - 70;
  const nodes = [];
  labels.forEach((label, i) => {
    const y = top + rowHeight * i;
    const width = round(((right - left) * (values[i] ?? 0)) / max);
    const low = marked[i] ? " low" : "";
    const name = shape("text", { class: `tick${low}`, x: left - 8, y: y + 14, "text-anchor": "end" }, cut(label));
    nodes.push(label.length > LABEL_CHARS ? { ...name, title: label } : name);
    nodes.push(shape("rect", { class: `bar${low}`, x: left, y: y + 3, width, height: rowHeight - 6 }));
    const value = `${low ? "▼ " : ""}${format(values[i])}`;
    nodes.push(shape("text", { class: `value${low}`, x: left + width + 6, y: y + 14 }, value));
  });
  const bottom = top + rowHeight * labels.length;
  nodes.push(shape("line", { class: "axis", x1: left, x2: left, y1: top, y2: bottom }));
  return { width: WIDTH, height: bottom + 6, nodes };
}

/** Shares (0–1, null: nobody with a target was called) over days, with the goal as a
 * dashed level across. */
export function shareLine({ labels, values, goal, format, lineName, goalName }) {
  const top = 34;
  const bottom = 230;
  const left = 56;
  const right = WIDTH - 20;
  const scale = (v) => bottom - (bottom - top) * v;
  const slot = (right - left) / Math.max(1, labels.length);
  const nodes = [];
  legend(nodes, [{ kind: "line", name: lineName }, { kind: "goal", name: goalName }], 16);
  yAxis(nodes, [0, 0.2, 0.4, 0.6, 0.8, 1], scale, left, "left", format, top, right);
  const level = round(scale(goal));
  nodes.push(shape("line", { class: "goal", x1: left, x2: right, y1: level, y2: level }));
  xLabels(nodes, labels, { left, slot, bottom, room: 8 });
  pathThrough(nodes, pointsOf(values, left, slot, scale), "line");
  nodes.push(shape("line", { class: "axis", x1: left, x2: right, y1: bottom, y2: bottom }));
  return { width: WIDTH, height: bottom + 26, nodes };
}

/** The chart as an <svg> with its title and text alternative (role img: read as one). */
export function draw(chart, title, description) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${chart.width} ${chart.height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("class", "chart");
  const titleNode = document.createElementNS(SVG_NS, "title");
  titleNode.textContent = title;
  const desc = document.createElementNS(SVG_NS, "desc");
  desc.textContent = description;
  svg.append(titleNode, desc);
  for (const node of chart.nodes) {
    const element = document.createElementNS(SVG_NS, node.tag);
    for (const [name, value] of Object.entries(node.attrs)) element.setAttribute(name, String(value));
    if (node.text !== undefined) element.textContent = node.text;
    if (node.title) {
      const full = document.createElementNS(SVG_NS, "title");
      full.textContent = node.title;
      element.append(full);
    }
    svg.append(element);
  }
  return svg;
}
