// The call log: filters (kept in the address, so Back and bookmarks work), newest first, paged.

import { api } from "../api.js";
import { h } from "../dom.js";
import { dateTime, duration, localInputToIso } from "../format.js";
import { localName, t, tOr } from "../i18n.js";
import { agentLabel, categoryName, departmentName, loadMeta, ruleName, rules, timeZone } from "../meta.js";
import { currentUser } from "../session.js";

const PAGE_SIZE = 20;
const FILTERS = ["since", "until", "agent", "department", "category", "unit", "verdict"];

function verdictOptions() {
  const options = [["any:fail", t("verdict_filter.any_fail")], ["none", t("verdict_filter.none")]];
  for (const rule of rules()) {
    for (const verdict of ["fail", "pass"]) {
      options.push([`${rule}:${verdict}`, t("verdict_filter.rule", { rule: ruleName(rule), verdict: t(`verdict.${verdict}`) })]);
    }
  }
  return options;
}

function select(name, options, value) {
  return h("select", { name, id: `filter-${name}` },
    h("option", { value: "" }, t("filter.all")),
    options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
}

function field(name, control) {
  return h("div", { class: "field" }, h("label", { for: `filter-${name}` }, t(`filter.${name}`)), control);
}

function filterForm(meta, params, go) {
  // Only the choices the API lets this user ask for: an agent sees their own calls (no agent
  // filter), a supervisor their departments'.
  const user = currentUser();
  const departments = Object.entries(meta.departments)
    .filter(([k]) => user?.role !== "supervisor" || (user.departments || []).includes(k));
  const form = h("form", { class: "filters card", id: "call-filters" },
    field("since", h("input", { type: "datetime-local", name: "since", id: "filter-since", value: params.since || "" })),
    field("until", h("input", { type: "datetime-local", name: "until", id: "filter-until", value: params.until || "" })),
    user?.role === "agent" ? null
      : field("agent", select("agent", meta.agents.map((a) => [a.number, `${a.number} ${a.name}`]), params.agent)),
    field("department", select("department", departments.map(([k, d]) => [k, localName(d, k)]), params.department)),
    field("category", select("category",
      Object.entries(meta.categories).map(([k, c]) => [k, localName(c, k)]), params.category)),
    field("unit", h("input", { name: "unit", id: "filter-unit", value: params.unit || "", placeholder: t("filter.unit_hint") })),
    field("verdict", select("verdict", verdictOptions(), params.verdict)),
    h("div", { class: "buttons" },
      h("button", { type: "submit" }, t("filter.apply")),
      h("button", { type: "button", class: "secondary", onclick: () => go("#/calls") }, t("filter.reset"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (String(value).trim()) next.set(name, String(value).trim());
    }
    go(`#/calls${next.size ? `?${next}` : ""}`);
  });
  return form;
}

function callRow(call) {
  const open = `#/calls/${call.id}`;
  const caller = [call.caller_name, call.caller_number].filter(Boolean).join(" ");
  const disposition = call.disposition ?? (call.ended_at ? null : "in_progress");
  return h("tr", { dataset: { callId: String(call.id) }, class: "clickable", onclick: () => { location.hash = open; } },
    h("td", {}, h("a", { href: open }, dateTime(call.started_at))),
    h("td", {}, caller || t("none")),
    h("td", {}, call.unit || t("none")),
    h("td", {}, categoryName(call.category)),
    h("td", {}, departmentName(call.department)),
    h("td", {}, agentLabel(call.agent)),
    h("td", { class: "num" }, call.rings ?? t("none")),
    h("td", {}, disposition ? h("span", { class: `badge disp-${disposition}` },
      tOr(`disposition.${disposition}`, disposition)) : t("none")),
    h("td", { class: "num" }, duration(call.talk_ms)));
}

function pager(total, offset, params, go) {
  const page = Math.floor(offset / PAGE_SIZE);
  const to = (p) => {
    const next = new URLSearchParams(params);
    if (p) next.set("page", String(p));
    else next.delete("page");
    go(`#/calls${next.size ? `?${next}` : ""}`);
  };
  const from = total ? offset + 1 : 0;
  return h("div", { class: "pager" },
    h("button", { type: "button", class: "secondary", id: "page-prev", disabled: page === 0, onclick: () => to(page - 1) },
      t("calls.prev")),
    h("span", { id: "page-range" }, t("calls.range", { from, to: Math.min(total, offset + PAGE_SIZE), total })),
    h("button", { type: "button", class: "secondary", id: "page-next", disabled: offset + PAGE_SIZE >= total,
      onclick: () => to(page + 1) }, t("calls.next")));
}

export async function render(view, route, { go }) {
  const meta = await loadMeta();
  const params = Object.fromEntries(FILTERS.filter((k) => route.params[k]).map((k) => [k, route.params[k]]));
  const page = Math.max(0, parseInt(route.params.page || "0", 10) || 0);
  const offset = page * PAGE_SIZE;
  const tz = timeZone();
  const data = await api("/api/calls", {
    params: {
      ...params,
      since: localInputToIso(params.since, tz),
      until: localInputToIso(params.until, tz),
      limit: PAGE_SIZE,
      offset,
    },
  });
  const head = ["started_at", "caller", "unit", "category", "department", "agent", "rings", "disposition", "talk_ms"];
  view.append(
    h("h1", {}, t("calls.title")),
    filterForm(meta, params, go),
    h("div", { class: "card" },
      data.items.length
        ? h("table", { class: "calls", id: "call-table" },
          h("thead", {}, h("tr", {}, head.map((k) => h("th", {}, t(`field.${k}`))))),
          h("tbody", {}, data.items.map(callRow)))
        : h("p", { class: "empty", id: "calls-empty" }, t("calls.empty")),
      pager(data.total, offset, params, go)));
}
