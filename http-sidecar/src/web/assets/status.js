// Live Status: reads /api/status every 5 s and renders it with textContent only (no HTML from data).
"use strict";
const REFRESH_MS = 5000;
let csrf = "";

function text(id, value) { document.getElementById(id).textContent = value; }

function cell(row, value, className) {
  const td = row.insertCell();
  td.textContent = value === null || value === undefined ? "–" : String(value);
  if (className) td.className = className;
  return td;
}

async function command(bind, action) {
  const response = await fetch(`/api/binds/${encodeURIComponent(bind)}/${action}`, {
    method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin",
  });
  const body = await response.json().catch(() => ({}));
  const message = document.getElementById("message");
  message.hidden = response.ok;
  message.textContent = response.ok ? "" : `${action} ${bind}: ${body.error || response.status}`;
  refresh();
}

function render(status) {
  const t = status.totals;
  text("client-totals", `${t.client_connected} / ${t.client_binds} connected`);
  text("server-totals", `${t.server_connected} / ${t.server_binds} connected`);
  const l = status.listener;
  text("listener", l.enabled ? `${l.host}:${l.port} — ${l.current_connections} / ${l.max_connections} connections` : "disabled");
  const c = status.core;
  text("core", `${c.healthy ? "healthy" : "UNHEALTHY"} — last heartbeat ${c.last_heartbeat || "–"}`);
  text("gateway", `${status.smsc_name} v${status.version}, up ${Math.floor(status.uptime_seconds / 60)} min, ${status.shards} shard(s)`);
  const body = document.querySelector("#binds tbody");
  body.replaceChildren();
  for (const bind of status.binds) {
    const row = body.insertRow();
    cell(row, bind.name);
    cell(row, bind.mode + (bind.bind_type ? ` (${bind.bind_type})` : ""));
    cell(row, `${bind.system_id}@${bind.host}:${bind.port}`);
    cell(row, bind.state, `state state-${bind.state}`);
    cell(row, bind.since);
    cell(row, `${bind.tps_now} / ${bind.tps_limit}`);
    cell(row, bind.in_flight);
    cell(row, bind.counters.messages_sent);
    cell(row, bind.counters.messages_received);
    cell(row, bind.counters.delivery_failures);
    cell(row, bind.counters.throttled);
    cell(row, bind.last_error, "error-text");
    const actions = row.insertCell();
    for (const action of ["reconnect", "disconnect"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = action === "reconnect" ? "Reconnect" : "Disconnect";
      button.addEventListener("click", () => command(bind.name, action));
      actions.append(button);
    }
  }
  text("updated", `Updated ${new Date().toLocaleTimeString()} (every 5 s)`);
}

async function refresh() {
  try {
    const response = await fetch("/api/status", { credentials: "same-origin" });
    if (response.status === 401) { location.href = "/login"; return; }
    render(await response.json());
  } catch (error) {
    text("updated", `Cannot reach the gateway: ${error}`);
  }
}

fetch("/api/session", { credentials: "same-origin" })
  .then((r) => r.json()).then((s) => { csrf = s.csrf_token; }).catch(() => {});
refresh();
setInterval(refresh, REFRESH_MS);
