// @umbraco/headless-client from npm against a live Pixelmill's Heartcore
// dialect: create a folder, upload images into it, page its children,
// read, update (name, focal point) and delete. Run by the Go test
// TestUmbracoHeadlessClient, which starts the stack and passes
// PIXELMILL_BASE, PIXELMILL_API_KEY and PIXELMILL_PHOTO.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Client } from '@umbraco/headless-client';
import FormData from 'form-data';

const base = process.env.PIXELMILL_BASE;
const apiKey = process.env.PIXELMILL_API_KEY;
const photo = process.env.PIXELMILL_PHOTO;
assert.ok(base && apiKey && photo, 'PIXELMILL_BASE, _API_KEY and _PHOTO must be set');

// The proxy options point the client at Pixelmill; apiKey is honoured at
// run time next to them (the client checks `'apiKey' in options`).
const client = new Client({ apiProxyUrl: `${base}/heartcore`, cdnProxyUrl: `${base}/heartcore-cdn`, apiKey });
const media = client.management.media;

// upload sends an image the way the client's own example does: the JSON
// in a "content" part without a Content-Type, the file in "umbracoFile".
function upload(name, parentId) {
  const form = new FormData();
  form.append('content', JSON.stringify({ mediaTypeAlias: 'Image', name, parentId, umbracoFile: { src: 'photo.jpg' } }));
  form.append('umbracoFile', fs.createReadStream(photo), { filename: 'photo.jpg' });
  return media.create(form);
}

test('@umbraco/headless-client: folder, uploads, paging, read, update, delete', async () => {
  const types = await client.management.mediaType.all();
  assert.deepEqual(types.map((t) => t.alias).sort(),
    ['File', 'Folder', 'Image', 'umbracoMediaArticle', 'umbracoMediaAudio', 'umbracoMediaVideo']);

  const folder = await media.create({ mediaTypeAlias: 'Folder', name: 'Client folder' });
  assert.match(folder._id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(folder._level, 1);
  assert.equal(folder._hasChildren, false);

  const made = [];
  for (const name of ['One', 'Two', 'Three']) {
    const item = await upload(name, folder._id);
    assert.equal(item.name, name);
    assert.equal(item.parentId, folder._id);
    assert.equal(item._level, 2);
    assert.match(item.umbracoFile.src, /^\/media\/[a-z0-9]{8}\/photo\.jpg$/);
    assert.deepEqual(item.umbracoFile.focalPoint, { left: 0.5, top: 0.5 });
    assert.equal(item.umbracoExtension, 'jpg');
    assert.equal(item.umbracoBytes, String(fs.statSync(photo).size));
    made.push(item);
  }
  assert.deepEqual(made.map((m) => m.sortOrder), [0, 1, 2]);

  const root = await media.root();
  assert.ok(Array.isArray(root));
  assert.ok(root.some((m) => m._id === folder._id));

  const page1 = await media.children(folder._id, { page: 1, pageSize: 2 });
  assert.equal(page1.totalItems, 3);
  assert.equal(page1.totalPages, 2);
  assert.equal(page1.page, 1);
  assert.equal(page1.pageSize, 2);
  assert.deepEqual(page1.items.map((m) => m.name), ['One', 'Two']);
  const page2 = await media.children(folder._id, { page: 2, pageSize: 2 });
  assert.deepEqual(page2.items.map((m) => m.name), ['Three']);

  const read = await media.byId(made[0]._id);
  assert.equal(read.name, 'One');
  assert.equal(read._embedded, undefined);
  const file = await fetch(base + read.umbracoFile.src);
  assert.equal(file.status, 200);
  assert.equal(file.headers.get('content-type'), 'image/jpeg');
  assert.equal(Buffer.from(await file.arrayBuffer()).length, fs.statSync(photo).size);

  const updated = await media.update(made[0]._id, {
    name: 'One renamed',
    umbracoFile: { src: read.umbracoFile.src, focalPoint: { left: 0.25, top: 0.75 } },
  });
  assert.equal(updated.name, 'One renamed');
  assert.deepEqual(updated.umbracoFile.focalPoint, { left: 0.25, top: 0.75 });
  assert.ok(updated._updateDate >= read._updateDate);
  assert.equal(updated._createDate, read._createDate);
  // The thumb crop is cut again around the new focal point; the request
  // waits for the worker.
  const crop = await fetch(`${base}${updated.umbracoFile.src}?crop=thumb`);
  assert.equal(crop.status, 200);
  assert.equal(crop.headers.get('content-type'), 'image/jpeg');

  const deleted = await media.delete(made[1]._id);
  assert.equal(deleted._id, made[1]._id);
  assert.match(deleted._deleteDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
  assert.equal(await media.byId(made[1]._id), undefined);
  assert.equal((await fetch(base + made[1].umbracoFile.src)).status, 404);

  // A folder takes its descendants with it.
  await media.delete(folder._id);
  assert.equal(await media.byId(folder._id), undefined);
  assert.equal(await media.byId(made[2]._id), undefined);
  assert.equal(await media.children(folder._id, { page: 1, pageSize: 2 }), undefined);
});

test('@umbraco/headless-client: unknown ids resolve to undefined, bad input throws', async () => {
  assert.equal(await media.byId('00000000-0000-4000-8000-000000000000'), undefined);
  await assert.rejects(media.create({ mediaTypeAlias: 'Folder' }), (err) => {
    assert.equal(err.response.status, 422);
    assert.equal(err.response.data.error.code, 'ValidationFailed');
    assert.ok(err.response.data.error.details.name);
    return true;
  });
  const anonymous = new Client({ apiProxyUrl: `${base}/heartcore`, cdnProxyUrl: `${base}/heartcore-cdn` });
  await assert.rejects(anonymous.management.media.root(), (err) => {
    assert.equal(err.response.status, 401);
    assert.equal(err.response.data.error.code, 'Unauthorized');
    return true;
  });
});
