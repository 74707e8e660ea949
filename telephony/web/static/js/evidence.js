// A verdict's evidence as readable lines: the reason, the words with their time (a click goes
// there in the agent's recording), what matched, and each hold / transfer / hit.

import { h } from "./dom.js";
import { offset } from "./format.js";
import { t, tOr } from "./i18n.js";

const QUOTES = ["text", "first_words", "last_words"];
const SKIP = new Set(["start", "end", "reason", "matched", "company_match", ...QUOTES]);

function timeLink(node, seek) {
  if (typeof node.start !== "number") return null;
  const label = typeof node.end === "number" && node.end !== node.start
    ? `${offset(node.start)}–${offset(node.end)}` : offset(node.start);
  return h("button", { type: "button", class: "time", title: t("evidence.seek", { time: offset(node.start) }),
    onclick: () => seek(node.start) }, label);
}

function label(key) {
  return tOr(`evidence.${key}`, key);
}

function scalar(value, key) {
  if (value === null || value === undefined) return t("none");
  if (key === "hangup_by") return tOr(`hangup_by.${value}`, value);
  if (typeof value === "boolean") return value ? "✓" : "✗";
  return String(value);
}

/** One hit, hold or transfer: time, quoted words, then its other facts. */
function item(node, seek) {
  if (!node || typeof node !== "object") return h("li", {}, scalar(node));
  const quote = QUOTES.map((k) => node[k]).find((v) => typeof v === "string");
  const facts = Object.entries(node)
    .filter(([k, v]) => !SKIP.has(k) && (v === null || typeof v !== "object"))
    .map(([k, v]) => `${label(k)}: ${scalar(v, k)}`);
  const nested = Object.entries(node).filter(([k, v]) => !SKIP.has(k) && v && typeof v === "object");
  return h("li", {},
    timeLink(node, seek), quote ? h("q", {}, quote) : null,
    facts.length ? h("span", { class: "facts" }, facts.join(" · ")) : null,
    nested.map(([k, v]) => h("div", { class: "nested" }, `${label(k)}: `, ...list(v, seek))));
}

function list(value, seek) {
  if (Array.isArray(value)) return [h("ul", {}, value.map((v) => item(v, seek)))];
  return [h("ul", {}, item(value, seek))];
}

export function renderEvidence(evidence, seek) {
  if (!evidence || typeof evidence !== "object") return h("div", { class: "evidence" }, scalar(evidence));
  const rows = [];
  if (evidence.reason) rows.push(h("div", { class: "reason" }, evidence.reason));
  for (const key of QUOTES) {
    if (typeof evidence[key] === "string") {
      rows.push(h("div", { class: "quote" }, h("span", { class: "key" }, label(key)), timeLink(evidence, seek),
        h("q", {}, evidence[key])));
    }
  }
  if (evidence.matched) {
    rows.push(h("div", { class: "matched" }, h("span", { class: "key" }, label("matched")),
      Object.entries(evidence.matched).map(([k, v]) => h("span", { class: "chip" }, `${k}: ${v}`))));
  }
  for (const [key, value] of Object.entries(evidence)) {
    if (SKIP.has(key)) continue;
    if (value && typeof value === "object") {
      rows.push(h("div", { class: "group" }, h("span", { class: "key" }, label(key)), ...list(value, seek)));
    } else {
      rows.push(h("div", { class: "fact" }, h("span", { class: "key" }, label(key)), scalar(value, key)));
    }
  }
  return h("div", { class: "evidence" }, rows);
}
