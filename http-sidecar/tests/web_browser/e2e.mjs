// Drives the web UI of a real gateway in headless Chromium, one step at a time, for the Rust
// test that runs the gateway and the simulators (tests/e2e_ui_browser.rs): it writes one JSON
// line per step on stdin ({"step": "...", ...}) and reads one answer line on stdout
// ({"ok": step, "result": ...} or {"failed": step, "error": ...}), checking the gateway and the
// simulators between steps. Everything is done as an operator would: through the navigation,
// the forms and the buttons. Screenshots of the pages go to the directory given.
// Usage: node e2e.mjs <base url> <admin token> <screenshot dir>
import { createInterface } from "node:readline";
import { fail, logIn, openBrowser } from "./browser.mjs";

const [base, token, shots] = process.argv.slice(2);
const { browser, page, errors, shot } = await openBrowser(shots);
/** How long a page may take to show a change of the gateway (the pages poll every 5 s). */
const CHANGE_MS = 20000;

async function visit(path) {
  await page.click(`nav a[href="${path}"]`);
  await page.waitForURL(`${base}${path}`);
}

/** The text of each cell of `row`. */
const cells = (row) => row.locator("td").allTextContents();

const steps = {
  async login() {
    await logIn(page, base, token);
  },

  // Waits until Live Status shows each bind of `expect` ({name: state}); the rows' cells.
  async binds({ expect, screenshot }) {
    if (new URL(page.url()).pathname !== "/") await visit("/");
    const rows = {};
    for (const [name, state] of Object.entries(expect)) {
      const row = page.locator(`#binds tbody tr[data-name="${name}"][data-state="${state}"]`);
      await row.waitFor({ timeout: CHANGE_MS });
      rows[name] = await cells(row);
    }
    if (screenshot) await shot(screenshot);
    return rows;
  },

  // Presses Reconnect or Disconnect in the bind's row of Live Status.
  async bind_command({ bind, button }) {
    if (new URL(page.url()).pathname !== "/") await visit("/");
    await page.locator(`#binds tbody tr[data-name="${bind}"] button`, { hasText: button }).click();
    await page.locator("#message.notice", { hasText: `${bind}: ${button.toLowerCase()} sent.` }).waitFor();
  },

  // Adds a client peer with the form on Client Peers; its row in the list.
  async add_client_peer({ fields, screenshot }) {
    await visit("/peers/client");
    await page.click("#add");
    for (const [key, value] of Object.entries(fields)) await page.fill(`#f-${key}`, String(value));
    await page.click("#save");
    const row = page.locator(`#peers tbody tr[data-name="${fields.name}"]`);
    await row.waitFor();
    if (screenshot) await shot(screenshot);
    return cells(row);
  },

  // Edits a server peer with the form on Server Peers; its row in the list afterwards.
  async edit_server_peer({ name, fields, screenshot }) {
    await visit("/peers/server");
    const row = page.locator(`#peers tbody tr[data-name="${name}"]`);
    await row.locator("button", { hasText: "Edit" }).click();
    await page.locator("#editor-title", { hasText: `Edit ${name}` }).waitFor();
    for (const [key, value] of Object.entries(fields)) await page.fill(`#f-${key}`, String(value));
    if (screenshot) await shot(screenshot);
    await page.click("#save");
    // The editor closes only on a saved peer; then the list is read again.
    await page.locator("#editor").waitFor({ state: "hidden" });
    for (const value of Object.values(fields)) {
      await page.locator(`#peers tbody tr[data-name="${name}"]`, { hasText: String(value) }).waitFor();
    }
    return cells(row);
  },

  // Opens the bind's messages on the Cache page; each row as {id, state, retries, last_error}.
  async cache_messages({ bind }) {
    await visit("/cache");
    await page.locator(`#binds tbody tr[data-bind="${bind}"] button`, { hasText: "Messages" }).click();
    await page.locator("#detail-title", { hasText: bind }).waitFor();
    const rows = [];
    for (const row of await page.locator("#messages tbody tr").all()) {
      const [id, state, retries, , , lastError] = await cells(row);
      rows.push({ id, state, retries: Number(retries), last_error: lastError });
    }
    return rows;
  },

  // Presses Retry on cached message `id` (its bind's messages open on the Cache page).
  async cache_retry({ id, screenshot }) {
    if (screenshot) await shot(screenshot);
    await page.locator(`#messages tbody tr[data-id="${id}"] button`, { hasText: "Retry" }).click();
    await page.locator("#message.notice", { hasText: `Message ${id} goes back to pending.` }).waitFor();
  },

  // Waits until the Cache page's total is `total`.
  async cache_total({ total }) {
    await page.locator("#total", { hasText: new RegExp(`^${total}$`) }).waitFor({ timeout: CHANGE_MS });
  },

  // Waits until the Logs page, searching for `search`, shows a line containing `text`.
  async logs({ search, text, screenshot }) {
    await visit("/logs");
    await page.fill("#search", search);
    // The stream restarts with the filter after a short pause in typing: wait for its lines.
    await page.waitForFunction(([search, text]) => {
      const lines = [...document.querySelectorAll("#lines span")].map((line) => line.textContent.toLowerCase());
      return lines.every((line) => line.includes(search)) && lines.some((line) => line.includes(text));
    }, [search.toLowerCase(), text.toLowerCase()], { timeout: CHANGE_MS });
    if (screenshot) await shot(screenshot);
  },

  // No script error on any page so far.
  async finish() {
    if (errors.length) throw new Error(`script errors: ${errors.join("; ")}`);
  },
};

const answer = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
try {
  for await (const line of createInterface({ input: process.stdin })) {
    const { step, ...args } = JSON.parse(line);
    const run = steps[step];
    if (!run) { answer({ failed: step, error: `no step named ${step}` }); continue; }
    try {
      answer({ ok: step, result: (await run(args)) ?? null });
    } catch (error) {
      await shot(`failed-${step}`).catch(() => {});
      answer({ failed: step, error: String(error), page: page.url() });
    }
  }
} catch (error) {
  fail(String(error));
} finally {
  await browser.close();
}
