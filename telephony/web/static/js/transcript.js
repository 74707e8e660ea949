// The transcript as one conversation: both legs' segments interleaved by start time, and the
// audit evidence's words marked in the lines they were heard in.
//
// Segment and evidence times are both seconds after the agent answered, which is also where
// each leg's recording starts, so a line's start is a position in its leg's player.

import { h } from "./dom.js";

/** [{leg, start, end, text}] of both legs, by start time (caller first on a tie). */
export function conversation(legs) {
  const lines = [];
  for (const leg of ["caller", "agent"]) {
    for (const seg of legs?.[leg]?.segments ?? []) {
      if ((seg.text || "").trim()) lines.push({ leg, start: +seg.start, end: +seg.end, text: seg.text });
    }
  }
  return lines.sort((a, b) => a.start - b.start || a.end - b.end || (a.leg === "caller" ? -1 : 1));
}

// Evidence lists that are not evidence for the verdict (a negated or harmless mention).
const NOT_EVIDENCE = new Set(["negated", "benign"]);

/** What was heard, from "何美 (hé měi ≈ 和美)" or "您好 (accepted for 您好)". */
function heardPart(shown) {
  return String(shown).split(" (")[0].trim();
}

/**
 * Marks from the verdicts: [{rule, verdict, start, end, words}] for every part of the evidence
 * that has a time span. words are what was heard (empty: the whole span is the evidence, as
 * with a failed greeting's first words). A nested hit without times takes its parent's span.
 */
export function evidenceMarks(verdicts) {
  const marks = [];
  const walk = (node, rule, verdict, span) => {
    if (Array.isArray(node)) {
      node.forEach((item) => walk(item, rule, verdict, span));
      return;
    }
    if (!node || typeof node !== "object") return;
    const own = typeof node.start === "number" && typeof node.end === "number" ? { start: node.start, end: node.end } : null;
    const words = [];
    if (typeof node.heard === "string") words.push(node.heard);
    if (node.matched && typeof node.matched === "object") {
      for (const shown of Object.values(node.matched)) {
        for (const part of String(shown).split("、")) words.push(heardPart(part));
      }
    }
    const here = own || span;
    if (own || (here && words.length)) {
      marks.push({ rule, verdict, start: here.start, end: here.end, words: [...new Set(words.filter(Boolean))] });
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== "matched" && !NOT_EVIDENCE.has(key) && value && typeof value === "object") walk(value, rule, verdict, here);
    }
  };
  for (const [rule, v] of Object.entries(verdicts || {})) walk(v.evidence, rule, v.verdict, null);
  return marks;
}

const SLACK_S = 0.05; // evidence times are rounded to 0.01 s

/** The marks that fall on one agent line (the audit judges the agent's words). */
function marksFor(line, marks) {
  if (line.leg !== "agent") return [];
  return marks.filter((m) => line.start < m.end + SLACK_S && line.end > m.start - SLACK_S);
}

/** The line's text with the marks' words in <mark>; {node, whole: marks that cover the line}. */
export function highlighted(line, marks) {
  const mine = marksFor(line, marks);
  const ranges = [];
  const whole = [];
  for (const m of mine) {
    let found = false;
    for (const word of m.words) {
      for (let i = line.text.indexOf(word); i >= 0 && word; i = line.text.indexOf(word, i + word.length)) {
        ranges.push({ from: i, to: i + word.length, mark: m });
        found = true;
      }
    }
    if (!found && !m.words.length) whole.push(m);
  }
  ranges.sort((a, b) => a.from - b.from || b.to - a.to);
  const parts = [];
  let at = 0;
  for (const r of ranges) {
    if (r.from < at) continue; // overlaps one already marked
    if (r.from > at) parts.push(line.text.slice(at, r.from));
    parts.push(h("mark", { class: `ev ev-${r.mark.verdict === "fail" ? "fail" : "pass"}`, dataset: { rule: r.mark.rule },
      title: r.mark.rule }, line.text.slice(r.from, r.to)));
    at = r.to;
  }
  if (at < line.text.length) parts.push(line.text.slice(at));
  return { nodes: parts, whole };
}
