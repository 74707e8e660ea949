// The live wallboard: callers waiting per queue and for how long, and each agent's state,
// pushed by the server over EventSource('/api/wallboard/events') ("snapshot" events).
//
// Timers tick in the browser between snapshots: a wait is the snapshot's wait_s plus the time
// since that snapshot arrived, so the browser's clock being off changes nothing.

import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { errorText } from "../errors.js";
import { clock, timeOfDay } from "../format.js";
import { localName, t, tOr } from "../i18n.js";
import { departmentName } from "../meta.js";

const STATES = ["ready", "ringing", "talking", "paused", "offline"];

function secondsBetween(laterIso, earlierIso) {
  const d = (Date.parse(laterIso) - Date.parse(earlierIso)) / 1000;
  return Number.isFinite(d) ? Math.max(0, d) : 0;
}

/** An element whose text is a timer: `base` seconds at `receivedAt` (performance.now()). */
function timer(base, receivedAt, cls = "timer") {
  return h("span", { class: cls, dataset: { base: String(base), received: String(receivedAt) } }, clock(base));
}

function tick(root) {
  const now = performance.now();
  for (const el of root.querySelectorAll("[data-base]")) {
    el.textContent = clock(+el.dataset.base + (now - +el.dataset.received) / 1000);
  }
}

function queueCard(queue, receivedAt) {
  const waiting = queue.waiting || [];
  const longest = waiting.length ? Math.max(...waiting.map((w) => w.wait_s)) : null;
  return h("section", { class: `card queue${waiting.length ? " has-waiting" : ""}`, dataset: { queue: queue.queue } },
    h("h3", {}, localName(queue, queue.queue)),
    h("div", { class: "stats" },
      h("div", { class: "stat" }, h("span", { class: "n calls-waiting" }, String(queue.calls_waiting ?? waiting.length)),
        h("span", { class: "what" }, t("wb.waiting"))),
      h("div", { class: "stat" }, longest === null ? h("span", { class: "n" }, t("none")) : timer(longest, receivedAt, "n timer"),
        h("span", { class: "what" }, t("wb.longest"))),
      h("div", { class: "stat" }, h("span", { class: "n" }, String(queue.agents_ready ?? 0)),
        h("span", { class: "what" }, t("wb.ready_agents")))),
    waiting.length
      ? h("ol", { class: "waiting" }, waiting.map((w) => h("li", { class: "caller", dataset: { uniqueid: w.uniqueid } },
        h("span", { class: "pos" }, t("wb.position", { n: w.position })),
        h("span", { class: "who" }, w.caller || t("unknown")),
        timer(w.wait_s, receivedAt))))
      : h("p", { class: "muted" }, t("wb.no_waiting")));
}

function agentRow(agent, updatedAt, receivedAt) {
  const state = STATES.includes(agent.state) ? agent.state : "offline";
  return h("tr", { class: "agent", dataset: { agent: agent.agent, state } },
    h("td", {}, agent.agent),
    h("td", {}, agent.name || ""),
    h("td", {}, departmentName(agent.department)),
    h("td", {}, h("span", { class: `badge state-${state}` }, tOr(`state.${state}`, agent.state))),
    h("td", { class: "num" }, agent.since ? timer(secondsBetween(updatedAt, agent.since), receivedAt) : t("none")));
}

export function render(view) {
  const status = h("p", { class: "live-status", id: "wb-status" }, t("loading"));
  const queues = h("div", { class: "queues", id: "wb-queues" });
  const agents = h("tbody", { id: "wb-agents" });
  view.append(
    h("h1", {}, t("wb.title")), status,
    h("h2", {}, t("wb.queues")), queues,
    h("h2", {}, t("wb.agents")),
    h("div", { class: "card" }, h("table", { class: "agents" },
      h("thead", {}, h("tr", {}, ["wb.col_number", "wb.col_name", "field.department", "wb.col_state", "wb.in_state"]
        .map((key) => h("th", {}, t(key))))),
      agents)));

  const show = (snap) => {
    const receivedAt = performance.now();
    clear(queues).append(...(snap.queues || []).map((q) => queueCard(q, receivedAt)));
    clear(agents).append(...(snap.agents || []).map((a) => agentRow(a, snap.updated_at, receivedAt)));
    if (!(snap.agents || []).length) agents.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("wb.no_agents"))));
    status.className = `live-status ${snap.connected ? "live" : "down"}`;
    status.textContent = snap.connected
      ? `${t("wb.live")} · ${t("wb.updated", { time: timeOfDay(snap.updated_at) })}`
      : t("wb.pbx_down");
  };

  let events = null;
  let retry = null;
  let stopped = false; // the user left the page (a pending retry must not reopen the stream)
  const connect = () => {
    if (stopped) return;
    events = new EventSource("/api/wallboard/events");
    events.addEventListener("snapshot", (e) => show(JSON.parse(e.data)));
    events.addEventListener("error", () => {
      status.className = "live-status down";
      status.textContent = t("wb.reconnecting");
      if (events.readyState !== EventSource.CLOSED) return; // it reconnects by itself
      // Refused (not a dropped connection): ask the API why. A 401 takes us to the login,
      // a 403 is said on the page; otherwise try again shortly.
      api("/api/wallboard").then(() => { retry = setTimeout(connect, 3000); }).catch((err) => {
        if (err.status === 403) status.textContent = errorText(err);
        else if (err.status !== 401) retry = setTimeout(connect, 3000);
      });
    });
  };
  connect();
  const ticker = setInterval(() => tick(view), 1000);
  return () => {
    stopped = true;
    events.close();
    clearTimeout(retry);
    clearInterval(ticker);
  };
}
