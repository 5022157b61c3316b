// What the browser scripts share: headless Chromium (the system's, through playwright-core), a
// page that records script errors, screenshots into the directory the test chose, and failing
// with one line the Rust test shows.
import { chromium } from "playwright-core";

/** Prints `FAIL: <message>` and exits 1. */
export function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

/**
 * Launches Chromium and opens a 1280x800 page (10 s per action). `shots` is the screenshot
 * directory; `errors` collects uncaught page script errors.
 */
export async function openBrowser(shots) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  return { browser, page, errors, shot };
}

/** Logs in on the form (after being sent there from `/`) and waits for Live Status. */
export async function logIn(page, base, token) {
  await page.goto(`${base}/`);
  if (!page.url().endsWith("/login")) throw new Error(`not sent to the login form: ${page.url()}`);
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForSelector("#binds tbody tr");
}
