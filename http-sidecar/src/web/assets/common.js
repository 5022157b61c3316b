// Shared by the pages: the session's CSRF token, a JSON fetch helper and safe DOM building
// (textContent only: nothing from the gateway is ever parsed as HTML).
"use strict";
const UI = (() => {
  let csrf = null;

  async function token() {
    if (csrf === null) {
      const response = await fetch("/api/session", { credentials: "same-origin" });
      if (response.status === 401) { location.href = "/login"; return ""; }
      csrf = (await response.json()).csrf_token || "";
    }
    return csrf;
  }

  // Calls the admin API; resolves to { ok, status, body } and never throws on HTTP errors.
  async function api(method, path, body) {
    const headers = {};
    if (method !== "GET") headers["X-CSRF-Token"] = await token();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) { location.href = "/login"; }
    const parsed = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, body: parsed };
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function cell(row, value, className) {
    const td = row.insertCell();
    td.textContent = value === null || value === undefined || value === "" ? "–" : String(value);
    if (className) td.className = className;
    return td;
  }

  function show(id, text, isError) {
    const node = document.getElementById(id);
    node.hidden = !text;
    node.textContent = text || "";
    node.className = isError ? "error" : "notice";
  }

  function time(ms) {
    return ms ? new Date(ms).toLocaleString() : "–";
  }

  return { api, el, cell, show, time, token };
})();
