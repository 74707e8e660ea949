// The dashboard: four charts over a date range, from /api/reports/answer-time, /compliance
// and /volume. Dates are days in the hotline's time zone; the range is kept in the address.

import { api } from "../api.js";
import { barChart, hBarChart, lineChart } from "../charts.js";
import { h } from "../dom.js";
import { errorText } from "../errors.js";
import { localInputToIso, percent, zonedDate } from "../format.js";
import { t } from "../i18n.js";
import { agentLabel, categoryName, ringLimit, timeZone } from "../meta.js";

const DEFAULT_DAYS = 30;

function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function daysBetween(since, untilExclusive) {
  const days = [];
  for (let d = since; d < untilExclusive && days.length < 400; d = nextDay(d)) days.push(d);
  return days;
}

function ringsChart(report) {
  const row = report.rows[0] || {};
  const one = row.answered_within_1_ring || 0;
  const two = row.answered_within_2_rings || 0;
  const three = row.answered_within_3_rings || 0;
  const points = [
    { label: t("dash.ring_n", { n: 1 }), value: one, class: "ok" },
    { label: t("dash.ring_n", { n: 2 }), value: two - one, class: "ok" },
    { label: t("dash.ring_n", { n: 3 }), value: three - two, class: "ok" },
    { label: t("dash.ring_over"), value: row.answered_after_3_rings || 0, class: "bad" },
  ];
  if (row.answered_rings_unknown) points.push({ label: t("dash.ring_unknown"), value: row.answered_rings_unknown, class: "muted" });
  return barChart({ title: t("dash.rings"), points, noData: t("dash.no_data"), format: (v) => String(Math.round(v)) });
}

function serviceLevelChart(report, days) {
  const byDay = new Map(report.rows.map((r) => [r.day, r]));
  const points = days.map((day) => {
    const row = byDay.get(day);
    const value = row ? row.service_level : null;
    return { label: day.slice(5), value, title: `${day}: ${percent(value)} (${t("dash.calls", { n: row?.answered ?? 0 })})` };
  });
  return lineChart({ title: t("dash.service_level", { limit: ringLimit() }), points, max: 1,
    format: (v) => percent(v), noData: t("dash.no_data") });
}

function complianceChart(report) {
  const points = report.rows.filter((r) => r.pass_rate !== null).map((r) => ({
    label: !r.agent ? t("unknown") : r.agent_name ? `${r.agent} ${r.agent_name}` : agentLabel(r.agent),
    value: r.pass_rate,
    class: r.pass_rate >= 0.9 ? "ok" : r.pass_rate >= 0.7 ? "warn" : "bad",
  }));
  return hBarChart({ title: t("dash.compliance"), points, max: 1, format: (v) => percent(v), noData: t("dash.no_data") });
}

function volumeChart(report) {
  const points = report.rows.filter((r) => r.calls).map((r) => ({
    label: r.category ? categoryName(r.category) : t("unknown"), value: r.calls,
  }));
  return barChart({ title: t("dash.volume"), points, noData: t("dash.no_data"), format: (v) => String(Math.round(v)) });
}

function card(id, chart) {
  return h("figure", { class: "card chart-card", id }, h("figcaption", {}, chart.getAttribute("aria-label")), chart);
}

export async function render(view, route, { go }) {
  const tz = timeZone();
  const since = route.params.since || zonedDate(tz, -(DEFAULT_DAYS - 1));
  const until = route.params.until || zonedDate(tz);
  const sinceInput = h("input", { type: "date", id: "dash-since", name: "since", value: since, required: true });
  const untilInput = h("input", { type: "date", id: "dash-until", name: "until", value: until, required: true });
  const form = h("form", { class: "filters card", id: "dash-range" },
    h("div", { class: "field" }, h("label", { for: "dash-since" }, t("dash.since")), sinceInput),
    h("div", { class: "field" }, h("label", { for: "dash-until" }, t("dash.until")), untilInput),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, t("dash.apply"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    go(`#/dashboard?${new URLSearchParams({ since: sinceInput.value, until: untilInput.value })}`);
  });
  view.append(h("h1", {}, t("dash.title")), form);

  const range = { since: localInputToIso(`${since}T00:00`, tz), until: localInputToIso(`${nextDay(until)}T00:00`, tz) };
  const grid = h("div", { class: "charts" });
  view.append(grid);
  const charts = [
    ["chart-rings", () => api("/api/reports/answer-time", { params: range }).then(ringsChart)],
    ["chart-service-level", () => api("/api/reports/answer-time", { params: { ...range, group_by: "day" } })
      .then((r) => serviceLevelChart(r, daysBetween(since, nextDay(until))))],
    ["chart-compliance", () => api("/api/reports/compliance", { params: { ...range, group_by: "agent", failures_limit: 0 } })
      .then(complianceChart)],
    ["chart-volume", () => api("/api/reports/volume", { params: { ...range, group_by: "category" } }).then(volumeChart)],
  ];
  // Each chart on its own: one report refused (e.g. 403) doesn't blank the others.
  const slots = charts.map(([id]) => {
    const slot = h("div", { class: "card chart-card loading", id }, t("loading"));
    grid.append(slot);
    return slot;
  });
  await Promise.all(charts.map(([id, load], i) => load()
    .then((chart) => slots[i].replaceWith(card(id, chart)))
    .catch((err) => slots[i].replaceWith(h("div", { class: "card chart-card error", id }, errorText(err))))));
}
