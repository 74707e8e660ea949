// What the hotline is configured with (departments, categories, agents, audit rules, time
// zone), loaded once per login from /api/meta, and names looked up in it.

import { api } from "./api.js";
import { localName, t, tOr } from "./i18n.js";

let meta = null;

export async function loadMeta() {
  meta ??= await api("/api/meta");
  return meta;
}

export function forgetMeta() {
  meta = null;
}

export function timeZone() {
  return meta?.timezone || "Asia/Shanghai";
}

export function ringLimit() {
  return meta?.ring_limit ?? 3;
}

export function departmentName(key) {
  if (!key) return t("none");
  return localName(meta?.departments?.[key], key);
}

export function categoryName(key) {
  if (!key) return t("none");
  return localName(meta?.categories?.[key], key);
}

export function agentLabel(number) {
  if (!number) return t("none");
  const agent = meta?.agents?.find((a) => a.number === number);
  return agent ? `${number} ${agent.name}` : number;
}

export function ruleName(rule) {
  return tOr(`rule.${rule}`, rule);
}

export function rules() {
  return meta?.rules ?? ["greeting", "closing", "hangup_order", "rings", "hold", "privacy", "transfer"];
}
