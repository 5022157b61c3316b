// Drives the web UI in headless Chromium (playwright-core with the system's /usr/bin/chromium):
// log in, see the binds, add a client peer through the form (first with an invalid port, which
// must be named in the form), look at every page, and keep a screenshot of each.
// Usage: node ui.mjs <base url> <admin token> <screenshot dir>
import { chromium } from "playwright-core";

const [base, token, shots] = process.argv.slice(2);
const fail = (message) => { console.error(`FAIL: ${message}`); process.exit(1); };
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
const timer = setTimeout(() => fail("timed out after 60 s"), 60000);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));

  await page.goto(`${base}/`);
  if (!page.url().endsWith("/login")) fail(`not sent to the login form: ${page.url()}`);
  await page.screenshot({ path: `${shots}/login.png` });
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
  await page.screenshot({ path: `${shots}/status.png`, fullPage: true });

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
  await page.screenshot({ path: `${shots}/peer-form-error.png`, fullPage: true });
  await page.fill("#f-port", "2775");
  await page.click("#save");
  await page.waitForSelector("#peers tbody tr[data-name=carrier_new]");
  const row = await page.textContent("#peers tbody tr[data-name=carrier_new]");
  if (!row.includes("127.0.0.1") || row.includes("pw123")) fail(`new peer row: ${row}`);
  await page.screenshot({ path: `${shots}/client-peers.png`, fullPage: true });

  await page.click("nav >> text=Server Peers");
  await page.waitForSelector("#peers tbody tr[data-name=partner_acme]");
  await page.screenshot({ path: `${shots}/server-peers.png`, fullPage: true });
  await page.click("nav >> text=Queue");
  await page.waitForSelector("#groups table");
  await page.screenshot({ path: `${shots}/queue.png`, fullPage: true });
  await page.click("nav >> text=Cache");
  await page.waitForSelector("#binds tbody tr button");
  await page.click("#binds tbody tr button >> text=Messages");
  await page.waitForSelector("#messages tbody tr");
  await page.screenshot({ path: `${shots}/cache.png`, fullPage: true });
  await page.click("nav >> text=Logs");
  await page.waitForSelector("#lines span");
  await page.screenshot({ path: `${shots}/logs.png`, fullPage: true });
  if (errors.length) fail(`script errors: ${errors.join("; ")}`);
  console.log("OK");
} catch (error) {
  fail(String(error));
} finally {
  clearTimeout(timer);
  await browser.close();
}
