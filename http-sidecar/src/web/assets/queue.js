// Queue: the core's pending messages grouped by dest_smsc, with deliver_after and attempts.
"use strict";

async function refresh() {
  const dest = document.getElementById("dest").value.trim();
  const limit = document.getElementById("limit").value || "100";
  const query = new URLSearchParams({ limit });
  if (dest) query.set("dest_smsc", dest);
  const result = await UI.api("GET", `/api/queue?${query}`);
  const groups = document.getElementById("groups");
  groups.replaceChildren();
  if (!result.ok) { UI.show("message", result.body.error || `HTTP ${result.status}`, true); return; }
  UI.show("message", result.body.messages.length ? "" : "No pending messages.", false);
  const byDest = new Map();
  for (const message of result.body.messages) {
    if (!byDest.has(message.dest_smsc)) byDest.set(message.dest_smsc, []);
    byDest.get(message.dest_smsc).push(message);
  }
  for (const [destSmsc, messages] of byDest) {
    const table = UI.el("table", { class: "queue" });
    table.createTHead().append(UI.el("tr", {}, ...["Id", "Kind", "State", "From", "To", "Priority", "Deliver after", "Attempts", "Created", "Text"].map((h) => UI.el("th", { text: h }))));
    const body = table.createTBody();
    for (const m of messages) {
      const row = body.insertRow();
      for (const value of [m.id, m.kind, m.state, m.source_addr, m.destination_addr, m.priority, m.deliver_after || "now", m.delivery_attempts, m.created_at, m.message_body]) UI.cell(row, value);
    }
    groups.append(UI.el("h2", { text: `${destSmsc || "(no dest_smsc)"} — ${messages.length} pending` }), table);
  }
  document.getElementById("updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

document.getElementById("refresh").addEventListener("click", refresh);
document.getElementById("dest").addEventListener("change", refresh);
refresh();
setInterval(refresh, 10000);
