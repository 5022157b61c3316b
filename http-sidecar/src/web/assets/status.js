// Live Status: reads /api/status every 5 s and renders it with textContent only (no HTML from data).
"use strict";
const REFRESH_MS = 5000;

function text(id, value) { document.getElementById(id).textContent = value; }

async function command(bind, action) {
  const result = await UI.api("POST", `/api/binds/${encodeURIComponent(bind)}/${action}`);
  UI.show("message", result.ok ? `${bind}: ${action} sent.` : `${action} ${bind}: ${result.body.error || result.status}`, !result.ok);
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
    row.dataset.name = bind.name;
    row.dataset.state = bind.state;
    UI.cell(row, bind.name);
    UI.cell(row, bind.mode + (bind.bind_type ? ` (${bind.bind_type})` : ""));
    UI.cell(row, `${bind.system_id}@${bind.host}:${bind.port}`);
    UI.cell(row, bind.state, `state state-${bind.state}`);
    UI.cell(row, bind.since);
    UI.cell(row, `${bind.tps_now} / ${bind.tps_limit}`);
    UI.cell(row, bind.in_flight);
    UI.cell(row, bind.counters.messages_sent);
    UI.cell(row, bind.counters.messages_received);
    UI.cell(row, bind.counters.delivery_failures);
    UI.cell(row, bind.counters.throttled);
    UI.cell(row, bind.last_error, "error-text");
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

refresh();
setInterval(refresh, REFRESH_MS);
