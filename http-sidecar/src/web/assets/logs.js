// Logs: a live Server-Sent Events stream of the gateway's log ring, with level filter, search,
// pause/resume (lines received while paused are shown on resume) and clear.
"use strict";
const MAX_LINES = 2000;
const lines = document.getElementById("lines");
const state = document.getElementById("state");
let source = null;
let paused = false;
let held = [];

function append(entry) {
  const span = document.createElement("span");
  span.className = `lvl-${entry.level}`;
  span.textContent = `${entry.time} ${entry.level.padEnd(5)} ${entry.target}: ${entry.message}\n`;
  lines.append(span);
  while (lines.childElementCount > MAX_LINES) lines.firstElementChild.remove();
  lines.scrollTop = lines.scrollHeight;
}

function connect() {
  if (source) source.close();
  lines.replaceChildren();
  held = [];
  const level = document.getElementById("level").value;
  const q = document.getElementById("search").value;
  source = new EventSource(`/api/logs/stream?level=${encodeURIComponent(level)}&q=${encodeURIComponent(q)}`);
  source.onopen = () => { state.textContent = paused ? "paused" : "live"; };
  source.onerror = () => { state.textContent = "reconnecting…"; };
  source.addEventListener("log", (event) => {
    const entry = JSON.parse(event.data);
    if (paused) held.push(entry); else append(entry);
  });
}

document.getElementById("level").addEventListener("change", connect);
let searchTimer = null;
document.getElementById("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(connect, 300);
});
document.getElementById("pause").addEventListener("click", (event) => {
  paused = !paused;
  event.target.textContent = paused ? "Resume" : "Pause";
  state.textContent = paused ? "paused" : "live";
  if (!paused) { held.forEach(append); held = []; }
});
document.getElementById("clear").addEventListener("click", async () => {
  await UI.api("POST", "/api/logs/clear");
  lines.replaceChildren();
  held = [];
});

connect();
