// The dashboard: the ranked list (GET /api/machines, bars from GET /api/daily-uptime) and one
// machine's detail (GET /api/machines/{id}, /history, /periods; POST /ratings). Plain DOM and
// inline SVG, no build step. Errors show the SQLSTATE and PostgreSQL's message the API returns.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const state = { selected: null, days: 30 };

async function api(path, options = {}) {
  const response = await fetch(path, {
    headers: options.body ? { "Content-Type": "application/json" } : {},
    ...options,
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.message ? body.message : JSON.stringify(body && body.detail) || response.statusText;
    const error = new Error(body && body.sqlstate ? `${body.sqlstate}: ${message}` : message);
    error.status = response.status;
    throw error;
  }
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(typeof child === "string" ? document.createTextNode(child) : child);
  return node;
}

const pct = (x, digits = 1) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(digits)} %`);
const fmtScore = (s) => (s === null || s === undefined ? "–" : s.toFixed(1));
const uptimeColor = (u) => (u === null ? "var(--unknown)" : u >= 0.99 ? "var(--online)" : u >= 0.9 ? "var(--fair)" : "var(--offline)");

function tierBadge(tier) {
  return el("span", { class: `tier-badge tier-${tier || "none"}`, "data-tier": tier || "" }, tier || "no data");
}

// --- the list ----------------------------------------------------------------------------

function uptimeBar(uptime, color = uptimeColor(uptime)) {
  const width = 50;
  const w = uptime === null ? 0 : Math.max(1, Math.round(width * uptime));
  return svg("svg", { width, height: 8, class: "uptime-bar", role: "img", "aria-label": `uptime ${pct(uptime)}` },
    svg("rect", { width, height: 8, rx: 2, fill: "var(--unknown)" }),
    svg("rect", { width: w, height: 8, rx: 2, fill: color }));
}

function dailyBars(uptimes) {
  const bar = 2, gap = 1, height = 16;
  const node = svg("svg", { width: uptimes.length * (bar + gap), height, class: "daily-bars", role: "img",
                            "aria-label": "daily uptime, oldest first" });
  uptimes.forEach((u, i) => {
    const h = u === null ? 2 : Math.max(2, Math.round(height * u));
    node.append(svg("rect", { x: i * (bar + gap), y: height - h, width: bar, height: h, fill: uptimeColor(u) },
      svg("title", {}, u === null ? "no data" : pct(u))));
  });
  return node;
}

async function loadList() {
  const params = new URLSearchParams({ min_score: $("min-score").value || 0, limit: 50 });
  if ($("tier").value) params.set("tier", $("tier").value);
  if ($("hide-stale").checked) params.set("hide_stale", "true");
  const tbody = document.querySelector("#machines tbody");
  try {
    const machines = await api(`/api/machines?${params}`);
    $("list-error").hidden = true;
    tbody.replaceChildren(...machines.map((m, i) => machineRow(m, i + 1)));
    $("list-count").textContent = `${machines.length} machines (blacklisted ones hidden)`;
    if (machines.length) loadBars(machines.map((m) => m.machine_id));
  } catch (e) {
    $("list-error").textContent = e.message;
    $("list-error").hidden = false;
  }
}

function machineRow(m, rank) {
  const row = el("tr", { "data-machine-id": m.machine_id },
    el("td", { class: "num" }, String(rank)),
    el("td", { title: `${m.provider} · machine ${m.machine_id}` }, m.external_id),
    el("td", {}, tierBadge(m.tier)),
    el("td", { class: "num score" }, fmtScore(m.score)),
    el("td", {}, el("div", { class: "uptime-cell" }, uptimeBar(m.uptime), el("span", { class: "pct" }, pct(m.uptime)),
                  el("span", { class: "bars" }))),
    el("td", { class: "num" }, m.interruptions === null ? "–" : String(m.interruptions)),
    el("td", { class: "num" }, m.rating_mean === null ? "–" : `${m.rating_mean.toFixed(2)} ★`));
  if (m.stale) row.children[1].append(" ", el("span", { class: "flag bad" }, "stale"));
  if (m.machine_id === state.selected) row.classList.add("selected");
  row.addEventListener("click", () => { location.hash = `machine=${m.machine_id}`; });
  return row;
}

async function loadBars(ids) {
  const params = new URLSearchParams({ days: 30 });
  ids.forEach((id) => params.append("machine_id", id));
  const rows = await api(`/api/daily-uptime?${params}`).catch(() => []);
  for (const r of rows) {
    const cell = document.querySelector(`tr[data-machine-id="${r.machine_id}"] .bars`);
    if (cell) cell.replaceChildren(dailyBars(r.uptime));
  }
}

// --- one machine -------------------------------------------------------------------------

async function showMachine(id) {
  state.selected = id;
  document.querySelectorAll("#machines tbody tr").forEach((tr) =>
    tr.classList.toggle("selected", Number(tr.dataset.machineId) === id));
  $("detail-empty").hidden = true;
  $("detail").hidden = false;
  $("rating-status").textContent = "";
  try {
    const [m, check] = await Promise.all([api(`/api/machines/${id}`), api(`/api/machines/${id}/blacklist`)]);
    renderHead(m, check);
    await Promise.all([loadHistory(id), loadTimeline(id)]);
  } catch (e) {
    $("d-name").textContent = `Machine ${id}`;
    $("d-flags").replaceChildren(el("span", { class: "error" }, e.message));
  }
}

function renderHead(m, check) {
  $("d-name").replaceChildren(el("span", { class: "provider" }, `${m.provider} · machine ${m.machine_id}`), m.external_id);
  $("d-score").textContent = fmtScore(m.score);
  $("d-tier").replaceChildren(tierBadge(m.tier));
  const flags = [];
  if (check.blacklisted) flags.push(el("span", { class: "flag bad" }, `blacklisted (${check.kind}${check.reason ? ": " + check.reason : ""})`));
  if (m.stale) flags.push(el("span", { class: "flag bad" }, "stale: no observation lately"));
  flags.push(el("span", { class: "flag" }, `${m.rating_count ?? 0} ratings`));
  flags.push(el("span", { class: "flag" }, `coverage ${pct(m.coverage)}`));
  $("d-flags").replaceChildren(...flags);
  const comp = (label, value, note) => [el("dt", {}, label), el("dd", {}, uptimeBar(value, "var(--good)")), el("dd", {}, note)];
  $("d-components").replaceChildren(
    ...comp("Uptime", m.uptime_component, pct(m.uptime_component, 2)),
    ...comp("No interruption", m.interruption_component, `${pct(m.interruption_component)} · ${m.interruptions ?? 0} in 30 d`),
    ...comp("Rating", m.rating_component, m.rating_mean === null ? "–" : `${m.rating_mean.toFixed(2)} ★ smoothed`));
}

async function loadHistory(id) {
  const rows = await api(`/api/machines/${id}/history?days=${state.days}`);
  $("d-history").replaceChildren(historyChart(rows));
}

function historyChart(rows) {
  const W = 560, H = 150, left = 40, bottom = 18, top = 6;
  const plotW = W - left - 4, plotH = H - bottom - top;
  const step = plotW / rows.length, bar = Math.max(1, step - (rows.length > 45 ? 0.5 : 2));
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": "daily uptime chart" });
  for (const level of [0, 0.5, 1]) {
    const y = top + plotH * (1 - level);
    chart.append(svg("line", { x1: left, x2: W, y1: y, y2: y, stroke: "#d8dee4", "stroke-dasharray": level ? "3 3" : "" }),
                 svg("text", { x: left - 4, y: y + 4, "text-anchor": "end", class: "legend" }, `${level * 100}%`));
  }
  rows.forEach((r, i) => {
    const h = r.uptime === null ? 3 : Math.max(1, plotH * r.uptime);
    chart.append(svg("rect", { x: left + i * step, y: top + plotH - h, width: bar, height: h, fill: uptimeColor(r.uptime) },
      svg("title", {}, `${r.day}: ${r.uptime === null ? "no data" : pct(r.uptime, 2)}, coverage ${pct(r.coverage)}, ${r.interruptions} interruptions`)));
    if (r.interruptions > 0) {
      chart.append(svg("circle", { cx: left + i * step + bar / 2, cy: top + 4, r: 2.5, fill: "var(--poor)" },
        svg("title", {}, `${r.day}: ${r.interruptions} interruptions`)));
    }
  });
  chart.append(svg("text", { x: left, y: H - 4, class: "legend" }, rows[0].day),
               svg("text", { x: W, y: H - 4, "text-anchor": "end", class: "legend" }, rows[rows.length - 1].day));
  return chart;
}

async function loadTimeline(id) {
  const periods = await api(`/api/machines/${id}/periods?days=30`);
  $("d-timeline").replaceChildren(timelineChart(periods));
}

function timelineChart(periods) {
  const W = 560, H = 46, barH = 18;
  const t0 = Date.parse(periods[0].started_at), t1 = Date.parse(periods[periods.length - 1].ended_at);
  const x = (t) => (W * (Date.parse(t) - t0)) / Math.max(1, t1 - t0);
  const colors = { online: "var(--online)", offline: "var(--offline)", unknown: "var(--unknown)" };
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": "timeline" });
  for (const p of periods) {
    const hours = (Date.parse(p.ended_at) - Date.parse(p.started_at)) / 3.6e6;
    chart.append(svg("rect", { x: x(p.started_at), y: 0, width: Math.max(0.6, x(p.ended_at) - x(p.started_at)), height: barH,
                               fill: colors[p.state] || "#999", "data-state": p.state },
      svg("title", {}, `${p.state}: ${new Date(p.started_at).toLocaleString()} – ${new Date(p.ended_at).toLocaleString()} (${hours.toFixed(1)} h)`)));
  }
  const offline = periods.filter((p) => p.state === "offline").length;
  chart.append(svg("text", { x: 0, y: H - 6, class: "legend" }, new Date(t0).toISOString().slice(0, 10)),
               svg("text", { x: W / 2, y: H - 6, "text-anchor": "middle", class: "legend" },
                   `${offline} offline stretch${offline === 1 ? "" : "es"} · ${periods.length} periods`),
               svg("text", { x: W, y: H - 6, "text-anchor": "end", class: "legend" }, "now"));
  return chart;
}

async function submitRating(event) {
  event.preventDefault();
  const id = state.selected;
  const status = $("rating-status");
  const body = { user_id: $("rating-user").value, stars: Number($("rating-stars").value),
                 comment: $("rating-comment").value || null };
  status.dataset.state = "";
  status.textContent = "Saving…";
  try {
    const r = await api(`/api/machines/${id}/ratings`, { method: "POST", body: JSON.stringify(body) });
    status.dataset.state = "ok";
    status.textContent = `Saved: ${r.user_id} rated machine ${r.machine_id} ${r.stars} ★` +
      (r.created_at === r.updated_at ? "" : " (updated the earlier rating)");
    const m = await api(`/api/machines/${id}`);
    renderHead(m, await api(`/api/machines/${id}/blacklist`));
    loadList();
  } catch (e) {
    status.dataset.state = "error";
    status.textContent = e.message;
  }
}

// --- wiring ------------------------------------------------------------------------------

function route() {
  const match = /machine=(\d+)/.exec(location.hash);
  if (match) showMachine(Number(match[1]));
}

document.getElementById("filters").addEventListener("change", loadList);
document.getElementById("filters").addEventListener("submit", (e) => { e.preventDefault(); loadList(); });
document.getElementById("rating-form").addEventListener("submit", submitRating);
document.querySelectorAll("#d-days button").forEach((b) => b.addEventListener("click", () => {
  state.days = Number(b.dataset.days);
  document.querySelectorAll("#d-days button").forEach((o) => o.classList.toggle("on", o === b));
  if (state.selected) loadHistory(state.selected);
}));
window.addEventListener("hashchange", route);
loadList().then(route);
