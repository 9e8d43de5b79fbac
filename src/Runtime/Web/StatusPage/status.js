// The status page: polls /api/status every second and redraws. No framework, no build step.
"use strict";
const history = { rate: [], lag: [] };
const keep = 60;
let last = null;

const $ = id => document.getElementById(id);
const fmt = n => n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US");
const esc = s => String(s ?? "").replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

function spark(svg, values) {
  const max = Math.max(1, ...values);
  const step = 120 / Math.max(keep - 1, 1);
  const start = keep - values.length;
  const points = values.map((v, i) => `${((start + i) * step).toFixed(1)},${(27 - (v / max) * 25).toFixed(1)}`).join(" ");
  svg.innerHTML = `<polyline points="${points}"></polyline>`;
}

function push(list, value) {
  list.push(value);
  if (list.length > keep) list.shift();
}

function draw(status) {
  const now = performance.now();
  const rate = last ? Math.max(0, (status.processed - last.processed) / ((now - last.at) / 1000)) : 0;
  last = { processed: status.processed, at: now };
  const partitions = status.agents.flatMap(a => a.workers.flatMap(w => w.partitions));
  const lag = partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0);
  const commits = status.agents.flatMap(a => a.workers.map(w => w.lastCommitMs)).filter(ms => ms >= 0);
  push(history.rate, rate);
  push(history.lag, lag);

  document.title = `${status.app} · Faustish`;
  $("app").textContent = status.app;
  $("process").textContent = `process ${status.process} · ${status.host} (pid ${status.pid}) · ${status.transport} · ${status.guarantee}`;
  $("processed").textContent = fmt(status.processed);
  $("rate").textContent = fmt(Math.round(rate));
  $("lag").textContent = fmt(lag);
  $("commit").textContent = commits.length ? `${Math.max(...commits).toFixed(1)} ms` : "–";
  $("restore").textContent = fmt(status.restoreRemaining);
  $("late").textContent = fmt(status.lateEvents);
  $("dead").textContent = fmt(status.deadLetters);
  $("stalled").textContent = fmt(status.stalls.length);
  $("stalled").className = "value" + (status.stalls.length ? " bad" : "");
  spark($("rate-chart"), history.rate);
  spark($("lag-chart"), history.lag);

  const owned = status.agents.map(a => `${a.name} [${a.workers.flatMap(w => w.partitions.map(p => p.partition)).join(",")}]`).join("; ");
  const processes = [{ process: status.process, host: status.host, transport: status.transport, web: status.web, uptimeSeconds: status.uptimeSeconds, partitions: owned, self: true }]
    .concat(status.others ?? []);
  $("processes").tBodies[0].innerHTML = processes.map(p =>
    `<tr><td>${esc(p.process)}${p.self ? " <span class=\"muted\">(this one)</span>" : ""}</td><td>${esc(p.host)}</td><td>${esc(p.transport)}</td>` +
    `<td>${p.web ? `<a href="${esc(p.web)}">${esc(p.web)}</a>` : "–"}</td><td>${esc(p.partitions ?? "–")}</td><td>${p.uptimeSeconds !== undefined ? Math.round(p.uptimeSeconds) + " s" : "–"}</td></tr>`).join("");

  $("stalls-section").hidden = status.stalls.length === 0;
  $("stalls").innerHTML = status.stalls.map(s =>
    `<li><b>${esc(s.topic)}[${s.partition}]</b> @ ${s.offset} · agent ${esc(s.agent)} (${esc(s.worker)}) · since ${esc(s.since)}: waits for ${esc(s.waitingFor)}</li>`).join("");

  $("agents").innerHTML = status.agents.map(agent => {
    const rows = agent.workers.flatMap(w => w.partitions.map(p => {
      const total = p.restoreApplied + p.restoreRemaining;
      const restore = p.state === "Restoring" && total > 0
        ? `<div class="bar" title="${fmt(p.restoreApplied)} of ${fmt(total)}"><span style="width:${(100 * p.restoreApplied / total).toFixed(0)}%"></span></div>` : "";
      return `<tr class="partition"><td>${esc(agent.topic)}[${p.partition}]</td><td>${esc(w.name)}</td><td class="state-${esc(p.state)}">${esc(p.state)}</td>` +
        `<td>${p.position < 0 ? "–" : fmt(p.position)}</td><td>${fmt(p.lag)}</td><td>${restore}</td></tr>`;
    }));
    const workers = agent.workers.map(w => `${esc(w.name)}: ${esc(w.phase)}, ${fmt(w.processed)} events, last commit ${w.lastCommitMs >= 0 ? w.lastCommitMs.toFixed(1) + " ms" : "–"}`).join(" · ");
    return `<div class="agent" data-agent="${esc(agent.name)}"><h3>${esc(agent.name)} <span class="muted">reads ${esc(agent.topic)} (${agent.topicPartitions} partitions)` +
      `${agent.tables.length ? " · tables " + agent.tables.map(t => `<a href="/tables/${encodeURIComponent(t)}">${esc(t)}</a>`).join(", ") : ""}</span></h3>` +
      `<div class="muted">${workers || "no worker runs"}</div>` +
      `<table><thead><tr><th>Partition</th><th>Worker</th><th>State</th><th>Position</th><th>Lag</th><th>Restore</th></tr></thead><tbody>${rows.join("") || "<tr><td colspan=6 class=muted>no partition assigned</td></tr>"}</tbody></table></div>`;
  }).join("");

  $("problems").innerHTML = status.problems.length
    ? status.problems.map(p => `<li><span class="muted">${esc(p.at)}</span> <b>${esc(p.level)}</b> ${esc(p.message)}</li>`).join("")
    : "<li class=\"muted\">none</li>";
}

async function poll() {
  try {
    const response = await fetch("/api/status", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    draw(await response.json());
    $("live").textContent = "live";
    $("live").className = "pill ok";
  } catch (error) {
    $("live").textContent = `unreachable (${error.message})`;
    $("live").className = "pill down";
  }
  setTimeout(poll, 1000);
}

poll();
