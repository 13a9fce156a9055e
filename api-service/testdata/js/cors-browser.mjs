// Loads pages in headless Chromium (Debian's, driven by playwright-core)
// and prints, as one JSON line, what each page's own script reported in
// window.corsReport. Run by the Go test TestCORSBrowser, which serves the
// pages from origins other than the API's and checks the report:
//
//   node cors-browser.mjs URL [URL...]
//
// The browser is Debian's /usr/bin/chromium: a browser download of
// playwright's own is neither wanted nor possible here.
import { chromium } from 'playwright-core';

const urls = process.argv.slice(2);
if (urls.length === 0) {
  console.error('usage: node cors-browser.mjs URL [URL...]');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const reports = [];
  for (const url of urls) {
    const page = await browser.newPage();
    // What the browser itself says about blocked requests, for the Go
    // test's log when a check fails.
    const console_ = [];
    page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => console_.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await page.waitForFunction(() => window.corsReport !== undefined, null, { timeout: 60_000 });
    const report = await page.evaluate(() => window.corsReport);
    reports.push({ url, report, console: console_ });
    await page.close();
  }
  console.log(JSON.stringify(reports));
} finally {
  await browser.close();
}
