// Drives the web UI in headless Chromium (playwright-core with the system's /usr/bin/chromium):
// log in, see the binds, add a client peer through the form (first with an invalid port, which
// must be named in the form), look at every page. Screenshots of what only this fake-backed run
// shows (the login form, a form error, a queue); e2e.mjs takes those of a real gateway.
// Usage: node ui.mjs <base url> <admin token> <screenshot dir>
import { fail, openBrowser } from "./browser.mjs";

const [base, token, shots] = process.argv.slice(2);
const { browser, page, errors, shot } = await openBrowser(shots);
const timer = setTimeout(() => fail("timed out after 60 s"), 60000);
try {
  await page.goto(`${base}/`);
  if (!page.url().endsWith("/login")) fail(`not sent to the login form: ${page.url()}`);
  await shot("login");
  await page.fill("#token", "wrong-token-value");
  await page.click("button[type=submit]");
  await page.waitForSelector("text=Wrong token.");
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForSelector("#binds tbody tr");
  const totals = await page.textContent("#client-totals");
  if (!/1 \/ 1 connected/.test(totals)) fail(`client totals: ${totals}`);
  const binds = await page.textContent("#binds tbody");
  if (!binds.includes("vodafone_uk") || !binds.includes("connected")) fail(`binds table: ${binds}`);

  await page.click("nav >> text=Client Peers");
  await page.waitForSelector("#peers tbody tr");
  await page.click("#add");
  await page.fill("#f-name", "carrier_new");
  await page.fill("#f-host", "127.0.0.1");
  await page.fill("#f-port", "70000");
  await page.fill("#f-system_id", "gateway");
  await page.fill("#f-password", "pw123");
  await page.click("#save");
  await page.waitForSelector(".field.invalid[data-key=port]");
  const portError = await page.textContent(".field[data-key=port] .field-error");
  if (!portError.startsWith("port:")) fail(`port error: ${portError}`);
  await shot("peer-form-error");
  await page.fill("#f-port", "2775");
  await page.click("#save");
  await page.waitForSelector("#peers tbody tr[data-name=carrier_new]");
  const row = await page.textContent("#peers tbody tr[data-name=carrier_new]");
  if (!row.includes("127.0.0.1") || row.includes("pw123")) fail(`new peer row: ${row}`);

  await page.click("nav >> text=Server Peers");
  await page.waitForSelector("#peers tbody tr[data-name=partner_acme]");
  await page.click("nav >> text=Queue");
  await page.waitForSelector("#groups table");
  await shot("queue");
  await page.click("nav >> text=Cache");
  await page.waitForSelector("#binds tbody tr button");
  await page.click("#binds tbody tr button >> text=Messages");
  await page.waitForSelector("#messages tbody tr");
  await page.click("nav >> text=Logs");
  await page.waitForSelector("#lines span");
  if (errors.length) fail(`script errors: ${errors.join("; ")}`);
  console.log("OK");
} catch (error) {
  fail(String(error));
} finally {
  clearTimeout(timer);
  await browser.close();
}
