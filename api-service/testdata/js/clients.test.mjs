// Real WordPress REST clients from npm (wpapi, @wordpress/api-fetch)
// against a live Pixelmill. Run by the Go test TestWordPressClients, which
// starts the stack and passes PIXELMILL_BASE, PIXELMILL_USER,
// PIXELMILL_PASSWORD and PIXELMILL_PHOTO.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import WPAPI from 'wpapi';
import apiFetch from '@wordpress/api-fetch';

const base = process.env.PIXELMILL_BASE;
const user = process.env.PIXELMILL_USER;
const password = process.env.PIXELMILL_PASSWORD;
const photo = process.env.PIXELMILL_PHOTO;
assert.ok(base && user && password && photo, 'PIXELMILL_BASE, _USER, _PASSWORD and _PHOTO must be set');

const wp = new WPAPI({ endpoint: `${base}/wp-json`, username: user, password });

// waitReady polls until the pipeline is done with an item (bounded).
async function waitReady(id) {
  for (let i = 0; i < 600; i++) {
    const item = await wp.media().id(id).param('context', 'edit');
    if (item.processing_status !== 'processing') return item;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`media ${id} still processing after 60s`);
}

test('wpapi: upload, read, list with filters and paging, update, search, order by include, delete', async () => {
  const a = await wp.media().file(photo, 'wpapi-one.jpg').create({ title: 'First from wpapi', alt_text: 'An alt' });
  assert.equal(a.title.raw, 'First from wpapi');
  assert.equal(a.alt_text, 'An alt');
  assert.equal(a.media_type, 'image');
  const b = await wp.media().file(photo, 'wpapi-two.jpg').create({ title: 'Second from wpapi' });

  const ready = await waitReady(a.id);
  assert.equal(ready.processing_status, 'ready');
  assert.deepEqual(ready.missing_image_sizes, []);
  assert.deepEqual(Object.keys(ready.media_details.sizes), ['medium', 'thumbnail', 'full']);
  assert.equal(ready.media_details.sizes.medium.width, 300);

  const page = await wp.media().param('media_type', 'image').perPage(1).page(1);
  assert.equal(page.length, 1);
  assert.ok(page._paging.total >= 2, `total ${page._paging.total}`);
  assert.ok(page._paging.totalPages >= 2);
  const next = await page._paging.next;
  assert.equal(next.length, 1);
  assert.notEqual(next[0].id, page[0].id);

  const updated = await wp.media().id(a.id).update({ caption: 'Caption from wpapi' });
  assert.equal(updated.caption.raw, 'Caption from wpapi');

  const found = await wp.media().search('wpapi-two');
  assert.deepEqual(found.map((m) => m.id), [b.id]);

  // wpapi sorts array parameters (include[]=a&include[]=b), so ordering by
  // include gives a, b, while the default (newest first) would give b, a.
  const ordered = await wp.media().include([b.id, a.id]).param('orderby', 'include');
  assert.deepEqual(ordered.map((m) => m.id), [a.id, b.id]);
  const newest = await wp.media().include([b.id, a.id]);
  assert.deepEqual(newest.map((m) => m.id), [b.id, a.id]);

  const deleted = await wp.media().id(b.id).param('force', true).delete();
  assert.equal(deleted.deleted, true);
  assert.equal(deleted.previous.id, b.id);
  await assert.rejects(wp.media().id(b.id).get(), (err) => err.code === 'rest_post_invalid_id');
});

// api-fetch's middlewares are global: they are added once, for every test.
let apiFetchReady = false;
function useApiFetch() {
  if (apiFetchReady) return;
  apiFetchReady = true;
  apiFetch.use(apiFetch.createRootURLMiddleware(`${base}/wp-json/`));
  apiFetch.use((options, next) => {
    const headers = { ...(options.headers || {}), Authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') };
    return next({ ...options, headers });
  });
}

test('@wordpress/api-fetch: upload and list', async () => {
  useApiFetch();
  const body = new FormData();
  body.append('file', new Blob([await readFile(photo)], { type: 'image/jpeg' }), 'api-fetch.jpg');
  body.append('title', 'From api-fetch');
  const created = await apiFetch({ path: '/wp/v2/media', method: 'POST', body });
  assert.equal(created.title.raw, 'From api-fetch');
  assert.match(created.source_url, /api-fetch\.jpg$/);

  const res = await apiFetch({ path: '/wp/v2/media?per_page=1&search=api-fetch', parse: false });
  assert.equal(res.headers.get('X-WP-Total'), '1');
  const items = await res.json();
  assert.equal(items[0].id, created.id);
});

// The block editor's upload (@wordpress/media-utils) asks for the sizes
// with api-fetch's own JSON body: {"action":"create-image-subsizes"},
// Content-Type application/json. WordPress answers 200 with the item in
// edit context.
test('@wordpress/api-fetch: post-process with a JSON body makes the missing sizes', async () => {
  useApiFetch();
  const body = new FormData();
  body.append('generate_sub_sizes', 'false');
  body.append('file', new Blob([await readFile(photo)], { type: 'image/jpeg' }), 'api-fetch-deferred.jpg');
  const created = await apiFetch({ path: '/wp/v2/media', method: 'POST', body });
  const deferred = await waitReady(created.id);
  assert.deepEqual(Object.keys(deferred.media_details.sizes), [], 'no sizes before post-process');
  assert.deepEqual(deferred.missing_image_sizes, ['thumbnail', 'medium']);

  const res = await apiFetch({ path: `/wp/v2/media/${created.id}/post-process`, method: 'POST', data: { action: 'create-image-subsizes' }, parse: false });
  assert.equal(res.status, 200);
  const item = await res.json();
  assert.equal(item.id, created.id);
  assert.equal(item.title.raw, 'api-fetch-deferred', 'the edit context, with raw fields');

  const done = await waitReady(created.id);
  assert.equal(done.processing_status, 'ready');
  assert.deepEqual(done.missing_image_sizes, []);
  assert.equal(done.media_details.sizes.medium.width, 300);
  assert.equal(done.media_details.sizes.thumbnail.width, 150);

  await assert.rejects(
    apiFetch({ path: `/wp/v2/media/${created.id}/post-process`, method: 'POST', data: { action: 'nope' } }),
    (err) => err.code === 'rest_invalid_param',
  );
});

test('wpapi: an MP3 and a PDF are read as WordPress reads them', async () => {
  const mp3 = await wp.media().file(`${process.env.PIXELMILL_MEDIA}/speech.mp3`, 'client-speech.mp3').create({});
  assert.equal(mp3.mime_type, 'audio/mpeg');
  assert.equal(mp3.media_type, 'file');
  const song = await waitReady(mp3.id);
  assert.equal(song.processing_status, 'ready');
  assert.equal(song.media_details.length, 6);
  assert.equal(song.media_details.length_formatted, '0:06');
  assert.equal(song.media_details.sample_rate, 44100);
  assert.equal(song.media_details.artist, 'Pixelmill Choir');
  assert.equal(song.title.raw, 'Renditions Explained', 'the ID3 title, the client having given none');
  assert.ok(song.featured_media > 0, 'the cover art is an image item of its own');
  const cover = await waitReady(song.featured_media);
  assert.equal(cover.media_type, 'image');
  assert.equal(cover.media_details.width, 640);

  const pdf = await wp.media().file(`${process.env.PIXELMILL_MEDIA}/debian-faq.pdf`, 'client-faq.pdf').create({ title: 'The FAQ' });
  const doc = await waitReady(pdf.id);
  assert.equal(doc.processing_status, 'ready');
  assert.deepEqual(Object.keys(doc.media_details.sizes), ['thumbnail', 'medium', 'large', 'full']);
  assert.match(doc.media_details.sizes.full.file, /^client-faq-pdf\.jpg$/);
  assert.equal(doc.title.raw, 'The FAQ');
});
