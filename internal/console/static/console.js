// sluice console: reads the REST API and /ui/api, draws the page, and sends
// pause/resume/restart/stop to the REST API. No framework, no build step.
"use strict";

const POLL_MS = 2000;
const WINDOW_MS = 5 * 60 * 1000; // throughput kept for the last 5 minutes
const HIDDEN = "[hidden]";

const state = {
  selected: null, // connector whose details are shown
  topic: null, // topic of the live view
  samples: new Map(), // connector -> [{t, records}]
  statuses: {},
  overview: new Map(),
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error((body && body.message) || `${url}: HTTP ${r.status}`);
  return body;
}

function showError(msg) {
  $("error").textContent = msg || "";
  $("error").hidden = !msg;
}

let noticeTimer = 0;

function notice(msg) {
  $("notice").textContent = msg;
  $("notice").hidden = !msg;
  clearTimeout(noticeTimer);
  if (msg) noticeTimer = setTimeout(() => notice(""), 5000);
}

// The task's state, or the connector's when it has no task (STOPPED).
function stateOf(st) {
  if (!st) return "UNKNOWN";
  if (st.tasks && st.tasks.length > 0) return st.tasks[0].state;
  return st.connector.state;
}

function fmtNum(n) {
  return n == null ? "—" : Math.round(n).toLocaleString("en-US");
}

function fmtLag(ms) {
  if (ms == null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60000).toFixed(1)} min`;
}

function fmtBytes(b) {
  if (b == null) return "";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(i ? 1 : 0)} ${u[i]}`;
}

// record keeps a sample of a connector's records counter at the daemon's time t.
function record(name, t, records) {
  if (records == null) return;
  const s = state.samples.get(name) || [];
  s.push({ t, records });
  while (s.length > 0 && s[0].t < t - WINDOW_MS) s.shift();
  state.samples.set(name, s);
}

// rates are records per second between consecutive samples.
function rates(name) {
  const s = state.samples.get(name) || [];
  const out = [];
  for (let i = 1; i < s.length; i++) {
    const dt = (s[i].t - s[i - 1].t) / 1000;
    const dr = s[i].records - s[i - 1].records;
    if (dt > 0) out.push({ t: s[i].t, r: Math.max(0, dr) / dt });
  }
  return out;
}

const SVG = "http://www.w3.org/2000/svg";

function sparkline(name) {
  const w = 160, h = 28;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("width", w);
  svg.setAttribute("height", h);
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  const rs = rates(name);
  const title = document.createElementNS(SVG, "title");
  title.textContent = "records per second since the page opened, at most the last 5 minutes";
  svg.append(title);
  if (rs.length > 1) {
    // The line spans the samples kept (at most the window), so it has a
    // shape from the second minute the page is open.
    const now = rs[rs.length - 1].t;
    const span = Math.max(now - rs[0].t, 1);
    const max = Math.max(1, ...rs.map((x) => x.r));
    const pts = rs.map((x) => {
      const px = w - ((now - x.t) / span) * w;
      const py = h - 2 - (x.r / max) * (h - 4);
      return `${px.toFixed(1)},${py.toFixed(1)}`;
    });
    const pl = document.createElementNS(SVG, "polyline");
    pl.setAttribute("points", pts.join(" "));
    svg.append(pl);
  }
  const last = rs.length ? rs[rs.length - 1].r : null;
  return el("span", {}, svg,
    el("span", { class: "rate num" }, last == null ? "—" : `${last.toFixed(1)}/s`));
}

async function act(name, action) {
  const method = action === "restart" ? "POST" : "PUT";
  const url = `../connectors/${encodeURIComponent(name)}/${action}`;
  try {
    const r = await fetch(url, { method, headers: { "Content-Type": "application/json" } });
    if (!r.ok) {
      const b = await r.json().catch(() => null);
      throw new Error((b && b.message) || `HTTP ${r.status}`);
    }
    notice(`${action} sent to ${name}`);
    showError("");
  } catch (e) {
    showError(`${action} ${name}: ${e.message}`);
  }
  poll();
}

function actions(name, st) {
  const can = {
    pause: st === "RUNNING" || st === "UNASSIGNED",
    resume: st === "PAUSED" || st === "STOPPED",
    restart: st !== "STOPPED",
    stop: st !== "STOPPED",
  };
  return el("td", { class: "actions" }, ...Object.keys(can).map((a) => {
    const b = el("button", { type: "button", "data-action": a, onclick: () => act(name, a) },
      a[0].toUpperCase() + a.slice(1));
    b.disabled = !can[a];
    return b;
  }));
}

function renderConnectors() {
  const tbody = $("connectors").tBodies[0];
  const names = [...state.overview.keys()];
  $("empty").hidden = names.length > 0;
  tbody.replaceChildren(...names.map((name) => {
    const ov = state.overview.get(name);
    const st = stateOf(state.statuses[name] && state.statuses[name].status);
    const m = ov.metrics || {};
    // The lag gauge keeps its last value when the task stops: show it only
    // while the task streams.
    const lagMs = st === "RUNNING" ? m.lag_ms : null;
    const lag = el("td", { class: "lag num" }, el("span", { class: "lag-ms", title: "behind the source" }, fmtLag(lagMs)));
    if (m.source_lag_bytes != null) {
      lag.append(el("div", { class: "muted wal", title: "WAL not yet confirmed to the source" }, `${fmtBytes(m.source_lag_bytes)} WAL`));
    }
    const row = el("tr", { "data-connector": name, class: name === state.selected ? "selected" : "" },
      el("td", {}, el("button", { type: "button", class: "link name", onclick: () => select(name) }, name)),
      el("td", {}, el("span", { class: `state state-${st}` }, st)),
      lag,
      el("td", { class: "records num" }, fmtNum(m.records_total)),
      el("td", { class: "throughput" }, sparkline(name)),
      actions(name, st));
    return row;
  }));
}

function renderDetail() {
  const name = state.selected;
  const ov = name && state.overview.get(name);
  $("detail").hidden = !ov;
  if (!ov) return;
  const st = (state.statuses[name] && state.statuses[name].status) || {};
  $("detail-name").textContent = name;

  $("warnings").replaceChildren(...(st.warnings || []).map((w) => el("li", {}, w)));

  const task = (st.tasks || [])[0];
  const trace = (task && task.state === "FAILED" && task.trace) || (st.connector && st.connector.trace) || "";
  $("trace-box").hidden = !trace;
  $("trace").textContent = trace;

  const snap = task && task.snapshot;
  $("snapshot-box").hidden = !snap;
  if (snap) {
    $("snapshot-summary").textContent =
      `${snap.state}, ${snap.total_tables - snap.remaining_tables} of ${snap.total_tables} tables, ` +
      `${fmtNum(snap.rows_scanned)} rows, ${snap.duration_seconds.toFixed(1)} s`;
    $("snapshot").tBodies[0].replaceChildren(...snap.tables.map((t) => {
      const p = el("progress", { max: "1" });
      if (t.state === "done") p.value = 1;
      else if (t.state === "pending") p.value = 0;
      else if (t.rows_estimated > 0 && t.rows_scanned != null) p.value = Math.min(1, t.rows_scanned / t.rows_estimated);
      else p.removeAttribute("value"); // running, size unknown: indeterminate
      const rows = t.rows_scanned == null ? "?" : fmtNum(t.rows_scanned);
      const est = t.rows_estimated == null ? "" : ` of ~${fmtNum(t.rows_estimated)}`;
      return el("tr", { "data-table": t.table },
        el("td", {}, t.table), el("td", {}, p), el("td", {}, t.state), el("td", { class: "num" }, `${rows}${est} rows`));
    }));
  }

  $("topics").replaceChildren(...(ov.topics.length ? ov.topics.map((t) =>
    el("li", {}, el("button", { type: "button", class: "link", "data-topic": t, onclick: () => openTopic(t) }, t))) :
    [el("li", { class: "muted" }, "none written yet")]));

  const keys = Object.keys(ov.config).sort();
  $("config").tBodies[0].replaceChildren(...keys.map((k) => {
    const v = ov.config[k];
    return el("tr", { "data-key": k }, el("td", {}, k), el("td", { class: v === HIDDEN ? "secret" : "" }, v));
  }));
}

function select(name) {
  state.selected = state.selected === name ? null : name;
  renderConnectors();
  renderDetail();
}

let polling = false;

async function poll() {
  if (polling) return;
  polling = true;
  try {
    const [statuses, overview] = await Promise.all([
      getJSON("../connectors?expand=status"),
      getJSON("api/overview"),
    ]);
    state.statuses = statuses;
    state.overview = new Map(overview.connectors.map((c) => [c.name, c]));
    for (const c of overview.connectors) record(c.name, overview.time_ms, c.metrics.records_total);
    for (const name of state.samples.keys()) if (!state.overview.has(name)) state.samples.delete(name);
    if (state.selected && !state.overview.has(state.selected)) state.selected = null;
    renderConnectors();
    renderDetail();
    $("updated").textContent = `updated ${new Date(overview.time_ms).toLocaleTimeString()}`;
    showError("");
  } catch (e) {
    showError(`Cannot read the daemon: ${e.message}`);
  } finally {
    polling = false;
  }
}

// The live view of a topic.

function openTopic(topic) {
  state.topic = topic;
  $("topic-name").textContent = topic;
  $("topic-view").hidden = false;
  $("records").tBodies[0].replaceChildren();
  pollTopic();
  $("topic-view").scrollIntoView({ block: "nearest" });
}

function closeTopic() {
  state.topic = null;
  $("topic-view").hidden = true;
}

function shown(s, enc) {
  if (s == null) return el("span", { class: "muted" }, "null");
  if (enc === "base64") return el("span", { title: "binary, base64" }, `base64:${s}`);
  let text = s;
  try { text = JSON.stringify(JSON.parse(s)); } catch (_) { /* not JSON: as it is */ }
  return text.length > 600 ? el("span", { title: text }, `${text.slice(0, 600)}…`) : text;
}

let topicPolling = false;

async function pollTopic() {
  const topic = state.topic;
  if (!topic || topicPolling) return;
  topicPolling = true;
  try {
    const limit = $("topic-limit").value;
    const body = await getJSON(`api/topics/${encodeURIComponent(topic)}/records?limit=${limit}`);
    if (state.topic !== topic) return;
    $("topic-status").textContent = `${body.records.length} records, read ${new Date().toLocaleTimeString()}`;
    $("records").tBodies[0].replaceChildren(...body.records.map((r) =>
      el("tr", { "data-offset": `${r.partition}:${r.offset}` },
        el("td", { class: "num" }, String(r.partition)),
        el("td", { class: "num" }, String(r.offset)),
        el("td", {}, new Date(r.timestamp_ms).toLocaleTimeString()),
        el("td", { class: "key" }, shown(r.key, r.key_encoding)),
        el("td", { class: "value" }, shown(r.value, r.value_encoding)))));
  } catch (e) {
    if (state.topic === topic) $("topic-status").textContent = `cannot read: ${e.message}`;
  } finally {
    topicPolling = false;
  }
}

async function serverInfo() {
  try {
    const i = await getJSON("../");
    $("server").textContent = `${i.sluice_version || i.version} · Kafka cluster ${i.kafka_cluster_id || "?"}`;
  } catch (_) { /* the header stays empty */ }
}

document.addEventListener("DOMContentLoaded", () => {
  $("topic-close").addEventListener("click", closeTopic);
  $("topic-limit").addEventListener("change", pollTopic);
  serverInfo();
  poll();
  setInterval(poll, POLL_MS);
  setInterval(pollTopic, POLL_MS);
});
