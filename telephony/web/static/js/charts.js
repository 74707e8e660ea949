// Charts as inline SVG, drawn here: bars (upright or lying) and a line over days.
// Each data point carries data-label / data-value and a <title> tooltip.

import { s } from "./dom.js";

const W = 520;
const H = 260;

function frame(title, height = H) {
  return s("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart", role: "img", "aria-label": title,
    preserveAspectRatio: "xMidYMid meet" }, s("title", {}, title));
}

function empty(svg, message, height = H) {
  svg.classList.add("empty");
  svg.append(s("text", { x: W / 2, y: height / 2, "text-anchor": "middle", class: "no-data" }, message));
  return svg;
}

/** The smallest of 1, 2, 5 × 10^n at least `value` (at least 1: the data are counts). */
function niceMax(value) {
  if (!(value > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= value);
}

function gridLines(svg, { left, right, top, bottom, max, format, ticks = 4 }) {
  for (let i = 0; i <= ticks; i++) {
    const v = (max * i) / ticks;
    const y = bottom - ((bottom - top) * i) / ticks;
    svg.append(s("line", { x1: left, x2: right, y1: y, y2: y, class: i ? "grid" : "axis" }),
      s("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, format(v)));
  }
}

const tickPercent = (v) => `${Math.round(v * 100)}%`;

/** Upright bars: points [{label, value, title}]. */
export function barChart({ title, points, format = String, max, noData }) {
  const svg = frame(title);
  if (!points.length || points.every((p) => !p.value)) return empty(svg, noData);
  const left = 48, right = W - 12, top = 20, bottom = H - 40;
  // Four grid steps of a round size (1, 2, 5 × 10^n), so that counts fall on whole ticks.
  const top_ = max ?? 4 * niceMax(Math.max(...points.map((p) => p.value || 0)) / 4);
  gridLines(svg, { left, right, top, bottom, max: top_, format });
  const slot = (right - left) / points.length;
  const width = Math.min(56, slot * 0.7);
  points.forEach((p, i) => {
    const value = p.value || 0;
    const height = ((bottom - top) * value) / top_;
    const x = left + slot * i + (slot - width) / 2;
    svg.append(
      s("rect", { x, y: bottom - height, width, height: Math.max(height, 0), class: `bar ${p.class || ""}`,
        dataset: { label: p.label, value: String(value) } }, s("title", {}, p.title || `${p.label}: ${format(value)}`)),
      s("text", { x: x + width / 2, y: bottom - height - 5, "text-anchor": "middle", class: "value" }, format(value)),
      s("text", { x: x + width / 2, y: bottom + 16, "text-anchor": "middle", class: "label" }, p.label));
  });
  return svg;
}

/** Lying bars, one row per point, for long labels (agents' names): values in [0, max]. */
export function hBarChart({ title, points, format = String, max = 1, noData }) {
  const rowH = 26;
  const height = Math.max(H / 2, 24 + points.length * rowH);
  const svg = frame(title, height);
  if (!points.length) return empty(svg, noData, height);
  const left = 130, right = W - 56, top = 12;
  points.forEach((p, i) => {
    const y = top + i * rowH;
    const value = p.value ?? 0;
    const width = ((right - left) * Math.min(value, max)) / max;
    svg.append(
      s("text", { x: left - 8, y: y + rowH / 2 + 4, "text-anchor": "end", class: "label" }, p.label),
      s("rect", { x: left, y: y + 4, width: right - left, height: rowH - 8, class: "track" }),
      s("rect", { x: left, y: y + 4, width: Math.max(width, 0), height: rowH - 8, class: `bar ${p.class || ""}`,
        dataset: { label: p.label, value: p.value === null ? "" : String(value) } },
      s("title", {}, p.title || `${p.label}: ${format(p.value)}`)),
      s("text", { x: right + 6, y: y + rowH / 2 + 4, class: "value" }, format(p.value)));
  });
  return svg;
}

/** A line over ordered points [{label, value}] (null values leave a gap), values in [0, max]. */
export function lineChart({ title, points, format = String, max = 1, noData, tick = tickPercent }) {
  const svg = frame(title);
  const known = points.filter((p) => p.value !== null && p.value !== undefined);
  if (!known.length) return empty(svg, noData);
  const left = 48, right = W - 24, top = 16, bottom = H - 40;
  gridLines(svg, { left, right, top, bottom, max, format: tick });
  const x = (i) => (points.length === 1 ? (left + right) / 2 : left + ((right - left) * i) / (points.length - 1));
  const y = (v) => bottom - ((bottom - top) * Math.min(v, max)) / max;
  let path = "";
  let pen = false;
  points.forEach((p, i) => {
    if (p.value === null || p.value === undefined) {
      pen = false;
      return;
    }
    path += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
    pen = true;
  });
  svg.append(s("path", { d: path.trim(), class: "line" }));
  const every = Math.ceil(points.length / 8); // at most ~8 date labels, the last one always
  const labelled = (i) => i === points.length - 1 || (i % every === 0 && points.length - 1 - i >= every / 2);
  points.forEach((p, i) => {
    if (p.value !== null && p.value !== undefined) {
      svg.append(s("circle", { cx: x(i), cy: y(p.value), r: 4, class: "point", dataset: { label: p.label, value: String(p.value) } },
        s("title", {}, p.title || `${p.label}: ${format(p.value)}`)));
    }
    if (labelled(i)) {
      svg.append(s("text", { x: x(i), y: bottom + 16, "text-anchor": "middle", class: "label" }, p.label));
    }
  });
  return svg;
}
