// Drives the media library page (/library/) in headless Chromium (Debian's,
// through playwright-core) as a person would: sign in, upload two photos
// and watch them arrive, open one, set its focal point, edit its alt text,
// search, delete one; checks accessibility with axe-core, at a desktop's
// and a phone's width; saves screenshots. Prints one JSON report for the
// Go test TestLibraryBrowser, which checks it:
//
//   node library-browser.mjs BASE LOGIN APP_PASSWORD PHOTO_A PHOTO_B SCREENSHOT_DIR API_KEY
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const [base, login, password, photoA, photoB, shots, apiKey] = process.argv.slice(2);
if (!apiKey) {
  console.error('usage: node library-browser.mjs BASE LOGIN APP_PASSWORD PHOTO_A PHOTO_B SCREENSHOT_DIR API_KEY');
  process.exit(2);
}
const report = { steps: [], console: [], csp: [], axe: {}, failed: [], requests: { list: 0, item: 0, events: 0, presign: 0, storagePuts: 0 } };
const step = (name, data = {}) => report.steps.push({ name, ...data });

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function openPage(viewport) {
  const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  page.on('console', (m) => {
    report.console.push(`${m.type()}: ${m.text()}`);
    if (/Content.Security.Policy/i.test(m.text())) report.csp.push(m.text());
  });
  page.on('pageerror', (e) => report.console.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) report.failed.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/wp-json/wp/v2/media' && r.method() === 'GET') report.requests.list++;
    if (/^\/wp-json\/wp\/v2\/media\/\d+$/.test(u.pathname) && r.method() === 'GET') report.requests.item++;
    if (u.pathname === '/wp-json/pixelmill/v1/events') report.requests.events++;
    if (u.pathname === '/wp-json/pixelmill/v1/uploads' && r.method() === 'POST') report.requests.presign++;
    if (u.origin !== new URL(base).origin && r.method() === 'PUT') report.requests.storagePuts++;
  });
  return { context, page };
}

async function signIn(page, user = login, secret = password) {
  await page.goto(`${base}/library/`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Application password').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#library').waitFor({ state: 'visible', timeout: 15_000 });
}

async function axe(page, name) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  report.axe[name] = result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
}

async function sha(page, url) {
  const bytes = await page.evaluate(async (u) => {
    const res = await fetch(u, { cache: 'no-store' });
    return Array.from(new Uint8Array(await res.arrayBuffer()));
  }, url);
  return createHash('sha256').update(Buffer.from(bytes)).digest('hex');
}

try {
  const { page } = await openPage({ width: 1280, height: 900 });
  await signIn(page);
  await page.evaluate(() => {
    window.__noReload = true;
    window.__progress = [];
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n.nodeType === 1 && n.matches('li.tile.uploading')) {
            const bar = n.querySelector('progress');
            window.__progress.push({ name: n.textContent, values: [bar.value] });
            const entry = window.__progress[window.__progress.length - 1];
            new MutationObserver(() => entry.values.push(bar.value)).observe(bar, { attributes: true });
            bar.addEventListener('change', () => entry.values.push(bar.value));
          }
        }
      }
    }).observe(document.querySelector('#grid'), { childList: true });
  });
  step('signed in', { who: await page.locator('#who').textContent() });
  await axe(page, 'grid-empty-or-listed');

  const listBefore = report.requests.list;
  await page.setInputFiles('#files', [
    { name: 'library-harbour.jpg', mimeType: 'image/jpeg', buffer: readFileSync(photoA) },
    { name: 'library-phone.jpg', mimeType: 'image/jpeg', buffer: readFileSync(photoB) },
  ]);
  const progress = await page.evaluate(() => window.__progress);
  step('uploading', { progressBars: progress.length });
  // Each tile turns into its thumbnail when its renditions are ready, told
  // by the event stream.
  for (const title of ['library-harbour', 'library-phone']) {
    const tile = page.locator('li.tile', { hasText: title });
    await tile.locator('img').waitFor({ state: 'visible', timeout: 90_000 });
    await page.waitForFunction((t) => {
      const li = [...document.querySelectorAll('li.tile')].find((x) => x.textContent.includes(t));
      return li && li.dataset.status === 'ready' && li.querySelector('img').complete && li.querySelector('img').naturalWidth > 0;
    }, title, { timeout: 30_000 });
  }
  step('thumbnails arrived', {
    noReload: await page.evaluate(() => window.__noReload === true),
    listRequestsDuringUpload: report.requests.list - listBefore,
    itemRequests: report.requests.item,
    eventStreams: report.requests.events,
    srcset: await page.locator('li.tile', { hasText: 'library-harbour' }).locator('img').getAttribute('srcset'),
    pageInfo: await page.locator('#page-info').textContent(),
  });
  await page.screenshot({ path: join(shots, 'library-grid.png') });

  // A large file goes straight to storage: the API signs the upload and
  // checks it. 17 MiB of a WAV's silence, which a worker then reads.
  const wav = Buffer.alloc(17 * 1024 * 1024 + 44);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(wav.length - 8, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(2, 22);
  wav.writeUInt32LE(44100, 24);
  wav.writeUInt32LE(44100 * 4, 28);
  wav.writeUInt16LE(4, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(wav.length - 44, 40);
  await page.setInputFiles('#files', [{ name: 'library-long.wav', mimeType: 'audio/wav', buffer: wav }]);
  await page.waitForFunction(() => {
    const li = [...document.querySelectorAll('li.tile')].find((x) => x.textContent.includes('library-long'));
    return li && li.dataset.status === 'ready';
  }, null, { timeout: 90_000 });
  step('large upload', {
    presign: report.requests.presign,
    storagePuts: report.requests.storagePuts,
    progress: await page.evaluate(() => window.__progress.filter((p) => p.name.includes('library-long')).map((p) => p.values)),
  });

  // The detail of one, its crops, and a new focal point.
  await page.locator('li.tile', { hasText: 'library-harbour' }).getByRole('button').click();
  const dialog = page.locator('#detail');
  await dialog.waitFor({ state: 'visible' });
  await page.locator('#crops img').first().waitFor({ state: 'visible', timeout: 30_000 });
  const crops = await page.locator('#crops img').evaluateAll((imgs) => imgs.map((i) => ({ alias: i.dataset.alias, src: i.src })));
  const before = {};
  for (const c of crops) before[c.alias] = await sha(page, c.src);
  const rows = await page.locator('#files-table tbody tr').count();
  await axe(page, 'detail');
  const img = page.locator('#detail-img');
  const box = await img.boundingBox();
  await page.mouse.click(box.x + box.width * 0.08, box.y + box.height * 0.5);
  await page.locator('#focal-marker').waitFor({ state: 'visible' });
  // The crops are cut again by a worker; the event stream says when.
  await page.waitForFunction((old) => {
    const imgs = [...document.querySelectorAll('#crops img')];
    return imgs.length > 0 && imgs.every((i) => i.src !== old[i.dataset.alias] && i.complete && i.naturalWidth > 0)
      && document.querySelector('#detail-status').textContent === '';
  }, Object.fromEntries(crops.map((c) => [c.alias, c.src])), { timeout: 60_000 });
  const after = {};
  for (const src of await page.locator('#crops img').evaluateAll((imgs) => imgs.map((i) => [i.dataset.alias, i.src]))) {
    after[src[0]] = await sha(page, src[1]);
  }
  step('focal point', {
    fileRows: rows,
    crops: crops.map((c) => c.alias),
    changed: crops.filter((c) => before[c.alias] !== after[c.alias]).map((c) => c.alias),
    marker: await page.locator('#focal-marker').evaluate((m) => [m.style.left, m.style.top]),
  });

  await page.getByLabel('Alternative text').fill('Boats in a harbour at dusk');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#edit-result', { hasText: 'Saved.' }).waitFor();
  step('alt text saved');
  await page.getByRole('button', { name: /^Copy URL/ }).first().click();
  step('copied', { clipboard: await page.evaluate(() => navigator.clipboard.readText()) });
  await page.screenshot({ path: join(shots, 'library-detail.png') });
  await page.getByRole('button', { name: 'Close' }).click();

  await page.getByLabel('Search').fill('library-phone');
  await page.waitForFunction(() => {
    const titles = [...document.querySelectorAll('li.tile .tile-title')].map((t) => t.textContent);
    return titles.length === 1 && titles[0].includes('library-phone');
  }, null, { timeout: 15_000 });
  step('searched', { tiles: await page.locator('li.tile').count() });

  await page.locator('li.tile', { hasText: 'library-phone' }).getByRole('button').click();
  await dialog.waitFor({ state: 'visible' });
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Delete permanently' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('li.tile', { hasText: 'library-phone' }).waitFor({ state: 'detached' });
  await page.getByLabel('Search').fill('');
  await page.waitForFunction(() => document.querySelectorAll('li.tile').length >= 1);
  step('deleted', { tiles: await page.locator('li.tile .tile-title').allTextContents() });
  await axe(page, 'grid');

  // A phone's width: the same page, usable, nothing wider than the screen.
  const phone = await openPage({ width: 390, height: 844 });
  await signIn(phone.page);
  await phone.page.locator('li.tile img').first().waitFor({ state: 'visible', timeout: 15_000 });
  step('phone', {
    overflow: await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    tiles: await phone.page.locator('li.tile').count(),
  });
  await axe(phone.page, 'phone');
  await phone.page.screenshot({ path: join(shots, 'library-phone.png') });
  await phone.page.locator('li.tile').first().getByRole('button').click();
  await phone.page.locator('#detail').waitFor({ state: 'visible' });
  step('phone detail', { overflow: await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) });
  await axe(phone.page, 'phone-detail');

  // An API key of the shared library signs in too (user name left empty).
  const keyed = await openPage({ width: 1024, height: 768 });
  await signIn(keyed.page, '', apiKey);
  await keyed.page.locator('li.tile img').first().waitFor({ state: 'visible', timeout: 15_000 });
  step('signed in with a key', {
    who: await keyed.page.locator('#who').textContent(),
    tiles: await keyed.page.locator('li.tile').count(),
  });
  await keyed.context.close();

  // The attachment page WordPress's link points to.
  const id = await page.locator('li.tile', { hasText: 'library-harbour' }).getAttribute('data-id');
  const res = await page.goto(`${base}/?attachment_id=${id}`);
  step('attachment page', {
    id,
    status: res.status(),
    csp: res.headers()['content-security-policy'] || '',
    h1: await page.locator('h1').textContent(),
    img: await page.locator('main img').count(),
  });
  await axe(page, 'attachment');
} catch (e) {
  report.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
