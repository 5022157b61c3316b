// Client Peers / Server Peers: the list, and an add/edit form built from the configuration's
// key table (/api/peers/schema) so it offers every key the file takes. Passwords are
// write-only: the form never shows one; left empty on an edit, the current one is kept.
"use strict";
const KIND = document.getElementById("peers-page").dataset.kind;
const COLUMNS = KIND === "client"
  ? ["name", "bind_type", "host", "port", "system_id", "tps_limit", "window_size", "enabled"]
  : ["name", "system_id", "allowed_bind_types", "ip_whitelist", "source_address_whitelist", "tps_limit", "window_size"];
let schema = [];
let editing = null;

function shown(value) {
  return Array.isArray(value) ? value.join(", ") : value;
}

async function load() {
  const result = await UI.api("GET", `/api/peers/${KIND}`);
  const head = document.querySelector("#peers thead");
  const body = document.querySelector("#peers tbody");
  body.replaceChildren();
  if (!result.ok) {
    UI.show("message", result.body.error || `HTTP ${result.status}`, true);
    document.getElementById("add").hidden = result.status === 503;
    return;
  }
  head.replaceChildren(UI.el("tr", {}, ...COLUMNS.map((c) => UI.el("th", { text: c })), UI.el("th", {})));
  for (const peer of result.body.peers) {
    const row = body.insertRow();
    row.dataset.name = peer.name;
    for (const column of COLUMNS) UI.cell(row, shown(peer[column]));
    const actions = row.insertCell();
    actions.append(
      UI.el("button", { type: "button", text: "Edit", onclick: () => edit(peer) }),
      UI.el("button", { type: "button", text: "Delete", onclick: () => remove(peer.name) }),
    );
  }
  if (result.body.peers.length === 0) {
    UI.cell(body.insertRow(), "No peers yet.").colSpan = COLUMNS.length + 1;
  }
}

function input(field, value) {
  const id = `f-${field.key}`;
  const attrs = { id, name: field.key };
  let control;
  if (field.kind === "boolean") {
    control = UI.el("input", { ...attrs, type: "checkbox" });
    control.checked = value === undefined ? Boolean(field.default.value) : Boolean(value);
  } else if (field.kind === "choice") {
    control = UI.el("select", attrs, ...field.choices.map((c) => UI.el("option", { value: c, text: c })));
    control.value = value === undefined ? (field.default.value || field.choices[0]) : value;
  } else if (field.kind === "choice_list") {
    control = UI.el("span", { id, class: "choices" });
    const selected = value || [];
    for (const choice of field.choices) {
      const box = UI.el("input", { type: "checkbox", name: field.key, value: choice });
      box.checked = selected.includes(choice);
      control.append(UI.el("label", {}, box, ` ${choice}`));
    }
  } else {
    const type = field.kind === "secret" ? "password" : field.kind === "integer" ? "number" : "text";
    control = UI.el("input", { ...attrs, type, autocomplete: field.kind === "secret" ? "new-password" : "off" });
    if (field.kind === "string_list") control.value = (value || []).join(", ");
    else if (field.kind !== "secret" && value !== undefined && value !== null) control.value = value;
    const placeholder = field.kind === "secret" && editing ? "unchanged (write-only)"
      : field.default.value !== undefined ? `default ${field.default.value}` : field.default.text || "";
    control.placeholder = placeholder;
    if (editing && field.key === "name") control.readOnly = true;
  }
  const unit = field.unit ? ` (${field.unit})` : "";
  const required = field.default.required && !(editing && field.kind === "secret") ? " *" : "";
  return UI.el("div", { class: "field", "data-key": field.key },
    UI.el("label", { for: id, text: `${field.key}${unit}${required}`, title: field.summary }),
    control,
    UI.el("small", { class: "hint", text: field.summary }),
    UI.el("span", { class: "field-error error", hidden: true }));
}

function open(peer) {
  editing = peer ? peer.name : null;
  document.getElementById("editor-title").textContent = peer ? `Edit ${peer.name}` : "Add a peer";
  const fields = document.getElementById("fields");
  fields.replaceChildren(...schema.map((field) => input(field, peer ? peer[field.key] : undefined)));
  UI.show("form-error", "");
  document.getElementById("editor").hidden = false;
  document.getElementById("f-name").focus();
}

function edit(peer) { open(peer); }

function collect() {
  const out = {};
  for (const field of schema) {
    if (field.kind === "choice_list") {
      out[field.key] = [...document.querySelectorAll(`input[name="${field.key}"]:checked`)].map((b) => b.value);
      continue;
    }
    const control = document.getElementById(`f-${field.key}`);
    if (field.kind === "boolean") { out[field.key] = control.checked; continue; }
    const raw = control.value.trim();
    if (raw === "") continue;
    if (field.kind === "integer") out[field.key] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
    else if (field.kind === "string_list") out[field.key] = raw.split(",").map((s) => s.trim()).filter(Boolean);
    else out[field.key] = raw;
  }
  return out;
}

async function save(event) {
  event.preventDefault();
  for (const node of document.querySelectorAll(".field-error")) { node.hidden = true; node.textContent = ""; }
  for (const node of document.querySelectorAll(".field.invalid")) node.classList.remove("invalid");
  const body = collect();
  const name = editing || body.name || "";
  if (!name) { UI.show("form-error", "name: required", true); return; }
  const result = await UI.api("PUT", `/api/peers/${KIND}/${encodeURIComponent(name)}`, body);
  if (!result.ok) {
    UI.show("form-error", result.body.error || `HTTP ${result.status}`, true);
    for (const problem of result.body.problems || []) {
      const field = document.querySelector(`.field[data-key="${CSS.escape(problem.key)}"]`);
      if (!field) continue;
      field.classList.add("invalid");
      const note = field.querySelector(".field-error");
      note.textContent = `${problem.key}: ${problem.message}`;
      note.hidden = false;
    }
    return;
  }
  document.getElementById("editor").hidden = true;
  UI.show("message", `Saved ${name}.`, false);
  load();
}

async function remove(name) {
  if (!confirm(`Delete ${name}? Its sessions are closed.`)) return;
  const result = await UI.api("DELETE", `/api/peers/${KIND}/${encodeURIComponent(name)}`);
  UI.show("message", result.ok ? `Deleted ${name}.` : (result.body.error || `HTTP ${result.status}`), !result.ok);
  load();
}

async function start() {
  const result = await UI.api("GET", "/api/peers/schema");
  schema = result.ok ? result.body[KIND] : [];
  document.getElementById("add").addEventListener("click", () => open(null));
  document.getElementById("cancel").addEventListener("click", () => { document.getElementById("editor").hidden = true; });
  document.getElementById("peer-form").addEventListener("submit", save);
  load();
}

start();
