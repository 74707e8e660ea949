// One call: its log fields, both legs' recordings, the transcript in time order with who spoke
// (a click plays from that line), and the audit's verdicts with their evidence marked in it.

import { api } from "../api.js";
import { h } from "../dom.js";
import { errorText } from "../errors.js";
import { renderEvidence } from "../evidence.js";
import { dateTime, duration, offset } from "../format.js";
import { t, tOr } from "../i18n.js";
import { agentLabel, categoryName, departmentName, ruleName, rules } from "../meta.js";
import { conversation, evidenceMarks, highlighted } from "../transcript.js";

const LEGS = ["caller", "agent", "mixed"];

function fields(call) {
  const rows = [
    ["started_at", dateTime(call.started_at)],
    ["ended_at", dateTime(call.ended_at)],
    ["caller_number", call.caller_number || t("none")],
    ["caller_name", call.caller_name || t("none")],
    ["unit", call.unit || t("none")],
    ["category", categoryName(call.category)],
    ["urgency", call.urgency ? tOr(`urgency.${call.urgency}`, call.urgency) : t("none")],
    ["department", departmentName(call.department)],
    ["agent", agentLabel(call.agent)],
    ["disposition", call.disposition ? tOr(`disposition.${call.disposition}`, call.disposition) : t("disposition.in_progress")],
    ["hangup_by", call.hangup_by ? tOr(`hangup_by.${call.hangup_by}`, call.hangup_by) : t("none")],
    ["ivr_answer_ms", duration(call.ivr_answer_ms)],
    ["answered_at", dateTime(call.answered_at)],
    ["rings", call.rings ?? t("none")],
    ["ring_ms", duration(call.ring_ms)],
    ["queue_wait_ms", duration(call.queue_wait_ms)],
    ["talk_ms", duration(call.talk_ms)],
    ["uniqueid", call.uniqueid],
  ];
  return h("dl", { class: "fields card", id: "call-fields" },
    rows.map(([key, value]) => [h("dt", {}, t(`field.${key}`)), h("dd", { dataset: { field: key } }, String(value))]));
}

/** A recording's address when the API gives one we may play (a /api/recordings/ URL). */
function playable(value) {
  return typeof value === "string" && value.startsWith("/api/") ? value : null;
}

function players(call) {
  const audio = {};
  const section = h("section", { class: "card recordings" }, h("h2", {}, t("detail.recordings")));
  for (const leg of LEGS) {
    const src = playable(call.recording?.[leg]);
    if (!src && leg === "mixed") continue; // the mixed file is optional; the legs are what we audit
    const control = src
      ? (audio[leg] = h("audio", { controls: true, preload: "metadata", src, id: `audio-${leg}` }))
      : h("span", { class: "muted" }, t("detail.no_recording"));
    section.append(h("div", { class: "player" }, h("span", { class: `leg leg-${leg}` }, t(`leg.${leg}`)), control));
  }
  return { section, audio };
}

function statusLine(state) {
  if (!state || state.status === "done") return null;
  return h("p", { class: `status status-${state.status.replace(" ", "-")}` },
    tOr(`status.${state.status}`, state.status, { error: state.error || "" }));
}

function transcriptSection(transcript, marks, seek) {
  const lines = conversation(transcript?.legs);
  const section = h("section", { class: "card transcript" }, h("h2", {}, t("detail.transcript")));
  // Where the analysis stands matters only while there is nothing to show, or when it failed.
  const status = !lines.length || transcript?.status === "error" ? statusLine(transcript) : null;
  if (status) section.append(status);
  if (!lines.length) {
    if (!status) section.append(h("p", { class: "muted" }, t("detail.no_transcript")));
    return { section, lines: [] };
  }
  section.append(h("p", { class: "hint" }, t("detail.transcript_hint")));
  const list = h("ol", { class: "lines", id: "transcript" });
  const shown = lines.map((line) => {
    const { nodes, whole } = highlighted(line, marks);
    const failing = whole.some((m) => m.verdict === "fail");
    const el = h("li", {
      class: `line leg-${line.leg}${whole.length ? ` ev-line ${failing ? "ev-fail" : "ev-pass"}` : ""}`,
      dataset: { leg: line.leg, start: String(line.start), rules: [...new Set(whole.map((m) => m.rule))].join(" ") },
      title: whole.length ? [...new Set(whole.map((m) => `${ruleName(m.rule)}: ${t(`verdict.${m.verdict}`)}`))].join(", ") : null,
      tabindex: "0", role: "button",
      onclick: () => seek(line.leg, line.start),
      onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); seek(line.leg, line.start); } },
    },
    h("span", { class: "at" }, offset(line.start)),
    h("span", { class: "who" }, t(`leg.${line.leg}`)),
    h("span", { class: "said" }, nodes));
    list.append(el);
    return { ...line, el };
  });
  section.append(list);
  return { section, lines: shown };
}

function auditSection(audit, seek) {
  const section = h("section", { class: "card audit", id: "audit" }, h("h2", {}, t("detail.audit")));
  if (!audit?.audited) {
    section.append(h("p", { class: "not-audited", id: "not-audited" }, t("detail.not_audited")));
    const status = statusLine(audit);
    if (status) section.append(status);
    return section;
  }
  const known = rules();
  const order = [...known.filter((r) => r in audit.verdicts), ...Object.keys(audit.verdicts).filter((r) => !known.includes(r))];
  section.append(h("table", { class: "verdicts" },
    h("tbody", {}, order.map((rule) => {
      const v = audit.verdicts[rule];
      return h("tr", { dataset: { rule, verdict: v.verdict } },
        h("th", {}, ruleName(rule)),
        h("td", {}, h("span", { class: `badge verdict-${v.verdict === "n/a" ? "na" : v.verdict}` }, tOr(`verdict.${v.verdict}`, v.verdict))),
        h("td", {}, renderEvidence(v.evidence, (at) => seek("agent", at))));
    }))));
  return section;
}

export async function render(view, route) {
  const back = h("a", { href: "#/calls", class: "back" }, `← ${t("detail.back")}`);
  let call;
  try {
    call = await api(`/api/calls/${encodeURIComponent(route.id)}`);
  } catch (err) {
    // Nothing of a call the user may not see: only why.
    view.append(back, h("p", { class: "error", role: "alert", id: "call-error" },
      err.status === 403 ? t("error.call_forbidden") : errorText(err)));
    return null;
  }
  const [transcript, audit] = await Promise.all([
    api(`/api/calls/${call.id}/transcript`).catch(() => null),
    api(`/api/calls/${call.id}/audit`).catch(() => null),
  ]);

  const { section: recordings, audio } = players(call);
  const seek = (leg, at) => {
    const player = audio[leg] || audio.mixed || audio.agent || audio.caller;
    if (!player) return;
    for (const other of Object.values(audio)) if (other !== player) other.pause();
    player.currentTime = at;
    player.play().catch(() => {}); // autoplay refused: the position is set, the user presses play
  };
  const marks = evidenceMarks(audit?.verdicts);
  const { section: transcriptEl, lines } = transcriptSection(transcript, marks, seek);

  // The line being played is lit, per leg.
  for (const [leg, player] of Object.entries(audio)) {
    player.addEventListener("timeupdate", () => {
      const now = player.currentTime;
      for (const line of lines) {
        if (leg === "mixed" || line.leg === leg) line.el.classList.toggle("playing", now >= line.start && now < line.end);
      }
    });
  }

  view.append(back, h("h1", {}, t("detail.title", { id: call.id })),
    h("div", { class: "detail" },
      h("div", { class: "side" }, fields(call)),
      h("div", { class: "main" }, recordings, transcriptEl, auditSection(audit, seek))));
  return () => Object.values(audio).forEach((a) => a.pause());
}
