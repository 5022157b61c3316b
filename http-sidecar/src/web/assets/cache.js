// Cache: the summary per bind, a bind's messages, and retry / delete / delete all failed.
"use strict";
let openBind = null;

function say(result, done) {
  UI.show("message", result.ok ? done : (result.body.error || `HTTP ${result.status}`), !result.ok);
}

async function showBind(bind) {
  openBind = bind;
  const result = await UI.api("GET", `/api/cache/messages?bind=${encodeURIComponent(bind)}&limit=200`);
  if (!result.ok) { say(result, ""); return; }
  document.getElementById("detail").hidden = false;
  document.getElementById("detail-title").textContent = `${bind}: ${result.body.messages.length} message(s), oldest first`;
  const body = document.querySelector("#messages tbody");
  body.replaceChildren();
  for (const m of result.body.messages) {
    const row = body.insertRow();
    // m.id is a 64-bit integer that a JavaScript number would round: use the string.
    const id = m.id_str;
    row.dataset.id = id;
    UI.cell(row, id);
    UI.cell(row, m.state, `state state-${m.state}`);
    UI.cell(row, m.retry_count);
    UI.cell(row, UI.time(m.next_retry_at_ms));
    UI.cell(row, UI.time(m.created_at_ms));
    UI.cell(row, m.last_error, "error-text");
    const actions = row.insertCell();
    // A waiting message can be sent at once too (e.g. the core is back before its next retry).
    if (m.state !== "delivering") {
      actions.append(UI.el("button", { type: "button", text: "Retry", onclick: async () => {
        say(await UI.api("POST", `/api/cache/${id}/retry`), `Message ${id} goes back to pending.`);
        refresh();
      } }));
    }
    actions.append(UI.el("button", { type: "button", text: "Delete", onclick: async () => {
      if (!confirm(`Delete cached message ${id}?`)) return;
      say(await UI.api("DELETE", `/api/cache/${id}`), `Message ${id} deleted.`);
      refresh();
    } }));
  }
}

async function deleteFailed(bind) {
  if (!confirm(`Delete every failed_permanent message of ${bind}?`)) return;
  const result = await UI.api("POST", `/api/cache/delete_failed?bind=${encodeURIComponent(bind)}`);
  say(result, `${result.body.deleted} failed message(s) of ${bind} deleted.`);
  refresh();
}

async function refresh() {
  const result = await UI.api("GET", "/api/cache");
  if (!result.ok) { say(result, ""); return; }
  const o = result.body.overall;
  for (const [id, value] of [["total", o.total], ["pending", o.pending], ["delivering", o.delivering], ["failed", o.failed_permanent]]) {
    document.getElementById(id).textContent = value;
  }
  const body = document.querySelector("#binds tbody");
  body.replaceChildren();
  for (const { bind, counts } of result.body.binds) {
    const row = body.insertRow();
    row.dataset.bind = bind;
    for (const value of [bind, counts.total, counts.pending, counts.delivering, counts.failed_permanent]) UI.cell(row, value);
    const actions = row.insertCell();
    actions.append(UI.el("button", { type: "button", text: "Messages", onclick: () => showBind(bind) }));
    if (counts.failed_permanent > 0) {
      actions.append(UI.el("button", { type: "button", text: "Delete all failed", onclick: () => deleteFailed(bind) }));
    }
  }
  if (result.body.binds.length === 0) UI.cell(body.insertRow(), "The cache is empty.").colSpan = 6;
  if (openBind) showBind(openBind);
}

refresh();
setInterval(refresh, 5000);
