// Pixelmill's media library: a client of the WordPress dialect
// (/wp-json/wp/v2/media) and its pixelmill/v1 additions (the event stream,
// the folders, focal points and crops). Plain modules, no build step.

const $ = (sel) => document.querySelector(sel);
const PER_PAGE = 40;
const AUTH_KEY = 'pixelmill.library.auth';

const state = {
  auth: '', // the Authorization header: Basic … or Bearer pm_…
  user: null,
  page: 1,
  totalPages: 1,
  total: 0,
  tiles: new Map(), // attachment id → <li>
  items: new Map(), // attachment id → attachment (edit context)
  readySeen: new Set(), // ids whose event came before their tile
  lastEventId: '',
  events: null, // AbortController of the event stream
  open: null, // the id shown in the detail dialog
};

// --- talking to the API ----------------------------------------------------

class APIError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The server answered ${status}.`);
    this.status = status;
    this.code = body && body.code;
  }
}

async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { Authorization: state.auth, ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new APIError(res.status, data);
  return { data, res };
}

function basic(login, password) {
  const bytes = new TextEncoder().encode(`${login}:${password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

// --- signing in ------------------------------------------------------------

async function signIn(auth) {
  state.auth = auth;
  const { data } = await api('/wp-json/wp/v2/users/me?context=edit');
  state.user = data;
  sessionStorage.setItem(AUTH_KEY, auth);
  $('#who').textContent = `Signed in as ${data.name || data.slug}`;
  $('#who').hidden = false;
  $('#signout').hidden = false;
  $('#signin').hidden = true;
  $('#library').hidden = false;
  // What this user may do decides what the page offers.
  $('#tools .upload').hidden = !can('upload_files');
  $('.drop-hint').hidden = !can('upload_files');
  listen();
  if (can('upload_files')) loadFolders();
  await loadPage(1);
  $('#search').focus();
}

function signOut() {
  sessionStorage.removeItem(AUTH_KEY);
  if (state.events) state.events.abort();
  location.reload();
}

$('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const login = $('#login').value.trim();
  const password = $('#password').value.trim();
  const err = $('#signin-error');
  err.textContent = '';
  if (!password) {
    err.textContent = 'Enter an application password or an API key.';
    return;
  }
  const auth = !login && password.startsWith('pm_') ? `Bearer ${password}` : basic(login, password);
  try {
    await signIn(auth);
  } catch (ex) {
    state.auth = '';
    err.textContent = ex.status === 401 || ex.status === 403 ? `Not signed in: ${ex.message}` : ex.message;
  }
});
$('#signout').addEventListener('click', signOut);

// --- the grid --------------------------------------------------------------

// can reports whether the signed-in user has a WordPress capability.
function can(cap) {
  const caps = (state.user && state.user.capabilities) || {};
  return Boolean(caps[cap]);
}

// context is the view of items this user may have: edit (with the raw
// fields and Pixelmill's) for those who may edit, view for readers.
function context() {
  return can('edit_posts') ? 'edit' : 'view';
}

function query(page) {
  const q = new URLSearchParams({ context: context(), per_page: PER_PAGE, page });
  const [orderby, order] = $('#sort').value.split(':');
  q.set('orderby', orderby);
  q.set('order', order);
  const search = $('#search').value.trim();
  if (search) q.set('search', search);
  if ($('#type').value) q.set('media_type', $('#type').value);
  if ($('#status').value) q.set('processing_status', $('#status').value);
  if ($('#folder').value) q.set('pixelmill_folder', $('#folder').value);
  // Private items too, for those who may see them.
  if (can('read_private_posts')) q.set('status', 'inherit,private');
  return q;
}

let loading = 0;
async function loadPage(page) {
  const mine = ++loading;
  const { data, res } = await api(`/wp-json/wp/v2/media?${query(page)}`);
  if (mine !== loading) return; // a newer query won
  state.page = page;
  state.totalPages = Math.max(1, Number(res.headers.get('X-WP-TotalPages')) || 1);
  state.total = Number(res.headers.get('X-WP-Total')) || 0;
  const grid = $('#grid');
  grid.replaceChildren();
  state.tiles.clear();
  for (const item of data) {
    state.items.set(item.id, item);
    grid.append(tile(item));
  }
  $('#empty').hidden = data.length > 0;
  showPageInfo();
}

function showPageInfo() {
  const n = state.total;
  $('#page-info').textContent = `Page ${state.page} of ${state.totalPages} · ${n} item${n === 1 ? '' : 's'}`;
  $('#prev').disabled = state.page <= 1;
  $('#next').disabled = state.page >= state.totalPages;
}

function reload() {
  loadPage(1).catch(report);
}

let searchTimer = 0;
$('#search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(reload, 250);
});
for (const id of ['#type', '#status', '#sort', '#folder']) $(id).addEventListener('change', reload);
$('#tools').addEventListener('submit', (e) => {
  e.preventDefault();
  reload();
});
$('#prev').addEventListener('click', () => loadPage(state.page - 1).catch(report));
$('#next').addEventListener('click', () => loadPage(state.page + 1).catch(report));

function titleOf(item) {
  return (item.title && (item.title.raw ?? item.title.rendered)) || item.slug || `#${item.id}`;
}

// pictureOf gives the sizes of an image (or a PDF's preview) as srcset
// candidates, smallest first.
function pictureOf(item) {
  const sizes = (item.media_details && item.media_details.sizes) || {};
  const list = Object.entries(sizes)
    .filter(([, s]) => s && s.source_url && s.width)
    .map(([name, s]) => ({ name, url: s.source_url, width: s.width, height: s.height }))
    .sort((a, b) => a.width - b.width);
  if (!list.length && item.media_type === 'image' && item.media_details && item.media_details.width) {
    list.push({ name: 'full', url: item.source_url, width: item.media_details.width, height: item.media_details.height });
  }
  return list;
}

function tile(item) {
  const li = document.createElement('li');
  li.className = 'tile';
  li.dataset.id = item.id;
  fillTile(li, item);
  state.tiles.set(item.id, li);
  return li;
}

function fillTile(li, item) {
  const title = titleOf(item);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'tile-button';
  button.addEventListener('click', () => openDetail(item.id));
  const pics = pictureOf(item);
  if (pics.length && item.processing_status === 'ready') {
    const img = document.createElement('img');
    img.loading = 'lazy';
    img.decoding = 'async';
    img.alt = item.alt_text || '';
    // Square tiles: the thumbnail and the medium sizes, picked by width.
    const square = pics.filter((p) => p.name === 'thumbnail' || p.name === 'medium' || p.name === 'medium_large');
    const set = square.length ? square : pics;
    img.srcset = set.map((p) => `${p.url} ${p.width}w`).join(', ');
    img.sizes = '(max-width: 480px) 45vw, 180px';
    img.src = set[set.length - 1].url;
    button.append(img);
  } else {
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = (item.mime_type || '').split('/').pop().toUpperCase() || 'FILE';
    button.append(kind);
  }
  const label = document.createElement('span');
  label.className = 'tile-title';
  label.textContent = title;
  button.append(label);
  if (item.processing_status === 'ready') {
    const status = document.createElement('span');
    status.className = 'visually-hidden';
    status.textContent = ', ready';
    button.append(status);
  }
  if (item.processing_status !== 'ready') {
    const badge = document.createElement('span');
    badge.className = `badge ${item.processing_status}`;
    badge.textContent = statusWord(item);
    if (item.processing_status === 'failed' && item.processing_error) {
      badge.title = item.processing_error;
      const why = document.createElement('span');
      why.className = 'why';
      why.textContent = item.processing_error;
      button.append(why);
    }
    button.append(badge);
  }
  li.dataset.status = item.processing_status;
  li.replaceChildren(button);
}

function statusWord(item) {
  return { processing: 'Processing…', ready: 'Ready', failed: 'Failed' }[item.processing_status] || item.processing_status;
}

// --- uploads ---------------------------------------------------------------

function uploadAll(files) {
  for (const file of files) upload(file);
}

// Files from this size on go straight to storage through a presigned
// upload (the API only signs and checks); smaller ones through the API.
const PRESIGN_FROM = 16 * 1024 * 1024;

function upload(file) {
  const li = document.createElement('li');
  li.className = 'tile uploading';
  const name = document.createElement('span');
  name.className = 'tile-title';
  name.textContent = file.name;
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute('aria-label', `Uploading ${file.name}`);
  li.append(bar, name);
  $('#grid').prepend(li);
  $('#empty').hidden = true;
  const progress = (e) => {
    if (e.lengthComputable) bar.value = e.loaded / e.total;
  };
  const sent = file.size >= PRESIGN_FROM ? uploadPresigned(file, progress) : uploadDirect(file, progress);
  sent.then((item) => {
    li.className = 'tile';
    li.dataset.id = item.id;
    state.items.set(item.id, item);
    state.tiles.set(item.id, li);
    fillTile(li, item);
    state.total++;
    showPageInfo();
    announce(`${file.name} uploaded; processing.`);
    if (state.readySeen.has(item.id)) refreshItem(item.id);
  }, (ex) => {
    li.classList.add('failed');
    bar.remove();
    const why = document.createElement('span');
    why.className = 'why';
    why.textContent = ex.message;
    li.append(why);
    announce(`${file.name} was not uploaded: ${ex.message}`);
  });
}

// send is an XMLHttpRequest as a promise, for its upload progress events.
function send(method, url, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener('progress', onProgress);
    xhr.addEventListener('load', () => {
      let data = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new APIError(xhr.status, data));
    });
    xhr.addEventListener('error', () => reject(new Error('the connection failed')));
    xhr.send(body);
  });
}

function uploadDirect(file, onProgress) {
  const ascii = file.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return send('POST', '/wp-json/wp/v2/media?context=edit', {
    Authorization: state.auth,
    'Content-Type': file.type || 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
  }, file, onProgress);
}

// uploadPresigned asks the API for an upload URL, puts the bytes there
// with progress, and has the API check them.
async function uploadPresigned(file, onProgress) {
  const type = file.type || 'application/octet-stream';
  const { data: ticket } = await api('/wp-json/pixelmill/v1/uploads', {
    method: 'POST',
    body: { filename: file.name, content_type: type, size: file.size },
  });
  await send(ticket.upload_method.method, ticket.upload_url, ticket.upload_method.headers, file, onProgress);
  const { data } = await api(`/wp-json/pixelmill/v1/uploads/${ticket.key}/complete?context=edit`, { method: 'POST' });
  return data;
}

$('#files').addEventListener('change', (e) => {
  uploadAll(e.target.files);
  e.target.value = '';
});
const drop = $('#drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer && e.dataTransfer.files.length) uploadAll(e.dataTransfer.files);
});

// --- live events -----------------------------------------------------------

// listen reads the event stream with fetch (EventSource can't send the
// Authorization header) and reconnects where it left off.
async function listen() {
  const ctrl = new AbortController();
  state.events = ctrl;
  while (!ctrl.signal.aborted) {
    try {
      const headers = { Authorization: state.auth, Accept: 'text/event-stream' };
      if (state.lastEventId) headers['Last-Event-ID'] = state.lastEventId;
      const res = await fetch('/wp-json/pixelmill/v1/events', { headers, signal: ctrl.signal });
      if (!res.ok) throw new Error(`events: ${res.status}`);
      document.body.dataset.live = 'on';
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value.replace(/\r\n/g, '\n');
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          onEvent(buf.slice(0, end));
          buf = buf.slice(end + 2);
        }
      }
    } catch {
      if (ctrl.signal.aborted) return;
    }
    document.body.dataset.live = 'off';
    await new Promise((r) => setTimeout(r, 3000));
  }
}

function onEvent(block) {
  let id = '';
  let data = '';
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'data') data += value;
  }
  if (id) state.lastEventId = id;
  if (!data) return;
  const ev = JSON.parse(data);
  if (!state.tiles.has(ev.id)) {
    state.readySeen.add(ev.id);
    return;
  }
  refreshItem(ev.id);
}

async function refreshItem(id) {
  let item;
  try {
    ({ data: item } = await api(`/wp-json/wp/v2/media/${id}?context=${context()}`));
  } catch (ex) {
    if (ex.status === 404) return;
    throw ex;
  }
  state.items.set(id, item);
  const li = state.tiles.get(id);
  if (li) fillTile(li, item);
  if (item.processing_status === 'ready') announce(`${titleOf(item)} is ready.`);
  if (item.processing_status === 'failed') announce(`${titleOf(item)} failed: ${item.processing_error}`);
  if (state.open === id) showDetail(item);
}

// --- folders ---------------------------------------------------------------

async function loadFolders() {
  let folders;
  try {
    ({ data: folders } = await api('/wp-json/pixelmill/v1/folders'));
  } catch {
    return; // no folders for this user: the field stays hidden
  }
  if (!folders.length) return;
  const select = $('#folder');
  const byParent = new Map();
  for (const f of folders) {
    const list = byParent.get(f.parent || '') || [];
    list.push(f);
    byParent.set(f.parent || '', list);
  }
  const add = (parent, depth) => {
    for (const f of byParent.get(parent) || []) {
      const opt = document.createElement('option');
      opt.value = f.key;
      opt.textContent = `${'  '.repeat(depth)}${f.name}`;
      select.append(opt);
      add(f.key, depth + 1);
    }
  };
  const root = document.createElement('option');
  root.value = 'root';
  root.textContent = 'Top level';
  select.append(root);
  add('', 0);
  $('#folder-field').hidden = false;
}

// --- the detail dialog -----------------------------------------------------

const dialog = $('#detail');

async function openDetail(id) {
  state.open = id;
  const cached = state.items.get(id);
  if (cached) showDetail(cached);
  if (!dialog.open) dialog.showModal();
  $('#confirm').hidden = true;
  $('#edit-result').textContent = '';
  $('#detail-status').textContent = '';
  try {
    const { data } = await api(`/wp-json/wp/v2/media/${id}?context=${context()}`);
    state.items.set(id, data);
    showDetail(data);
  } catch (ex) {
    report(ex);
  }
}

function largest(item) {
  const pics = pictureOf(item).filter((p) => p.width <= 1600);
  return pics.length ? pics[pics.length - 1] : null;
}

function bust(url, item) {
  return `${url}${url.includes('?') ? '&' : '?'}v=${encodeURIComponent(item.modified_gmt || item.modified || '')}`;
}

function showDetail(item) {
  $('#detail-title').textContent = titleOf(item);
  const pic = largest(item);
  const img = $('#detail-img');
  const stage = $('#stage');
  if (pic) {
    img.src = pic.url;
    img.alt = item.alt_text || '';
    img.hidden = false;
  } else {
    img.removeAttribute('src');
    img.hidden = true;
  }
  const px = item.pixelmill || {};
  const editable = can('edit_posts');
  $('#edit-form').hidden = !editable;
  $('.danger').hidden = !editable;
  const focalOK = editable && item.media_type === 'image' && item.processing_status !== 'failed';
  stage.classList.toggle('can-focus', Boolean(pic && focalOK));
  $('#focal-form').hidden = !focalOK;
  $('#focal-help').hidden = !focalOK;
  const marker = $('#focal-marker');
  if (px.focal_point) {
    marker.hidden = false;
    marker.style.left = `${px.focal_point.left * 100}%`;
    marker.style.top = `${px.focal_point.top * 100}%`;
    $('#focal-left').value = Math.round(px.focal_point.left * 100);
    $('#focal-top').value = Math.round(px.focal_point.top * 100);
  } else {
    marker.hidden = true;
    $('#focal-left').value = 50;
    $('#focal-top').value = 50;
  }
  $('#detail-status').textContent = item.processing_status === 'ready' ? '' : statusWord(item) + (item.processing_error ? ` ${item.processing_error}` : '');
  $('#edit-title').value = titleOf(item);
  $('#edit-alt').value = item.alt_text || '';
  $('#edit-caption').value = (item.caption && (item.caption.raw ?? '')) || '';

  const crops = $('#crops');
  crops.replaceChildren();
  for (const c of px.crops || []) {
    const li = document.createElement('li');
    const fig = document.createElement('figure');
    const cimg = document.createElement('img');
    cimg.src = bust(c.source_url, item);
    cimg.alt = `${c.alias} crop of ${titleOf(item)}`;
    cimg.loading = 'lazy';
    cimg.dataset.alias = c.alias;
    const cap = document.createElement('figcaption');
    cap.textContent = `${c.alias} · ${c.width}×${c.height}`;
    fig.append(cimg, cap);
    li.append(fig);
    crops.append(li);
  }
  $('#crops-section').hidden = !(px.crops || []).length;

  const body = $('#files-table tbody');
  body.replaceChildren();
  const rows = [];
  const details = item.media_details || {};
  rows.push({ name: 'Attached file', url: item.source_url, width: details.width, height: details.height, bytes: item.filesize || details.filesize });
  if (details.original_image) {
    rows.push({ name: 'Original', url: item.source_url.replace(/[^/]*$/, details.original_image) });
  }
  for (const [name, s] of Object.entries(details.sizes || {})) {
    if (name === 'full') continue;
    rows.push({ name, url: s.source_url, width: s.width, height: s.height, bytes: s.filesize });
  }
  for (const r of rows) body.append(fileRow(r));
  $('#imageurl-form').hidden = !(px.media_url && item.media_type === 'image');
  updateImageURL();

  const meta = $('#meta');
  meta.replaceChildren();
  const facts = [
    ['Type', item.mime_type],
    ['Status', statusWord(item)],
    ['Uploaded', item.date],
  ];
  if (details.width) facts.push(['Dimensions', `${details.width} × ${details.height}`]);
  for (const k of ['length_formatted', 'fileformat', 'codec', 'sample_rate', 'channels', 'bitrate', 'artist', 'album', 'year', 'pages']) {
    if (details[k] !== undefined && details[k] !== '' && details[k] !== null) facts.push([k.replace(/_/g, ' '), String(details[k])]);
  }
  const im = details.image_meta || {};
  for (const [k, v] of Object.entries(im)) {
    if (v === '' || v === '0' || v === 0 || v === null || (Array.isArray(v) && !v.length)) continue;
    facts.push([k.replace(/_/g, ' '), Array.isArray(v) ? v.join(', ') : String(v)]);
  }
  for (const [k, v] of facts) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    meta.append(dt, dd);
  }
  $('#confirm-text').textContent = `Delete “${titleOf(item)}” and all its files? This cannot be undone.`;
}

function fileRow(r) {
  const tr = document.createElement('tr');
  const name = document.createElement('th');
  name.scope = 'row';
  const a = document.createElement('a');
  a.href = r.url;
  a.textContent = r.name;
  a.target = '_blank';
  a.rel = 'noopener';
  name.append(a);
  const dims = document.createElement('td');
  dims.textContent = r.width ? `${r.width}×${r.height}` : '';
  const bytes = document.createElement('td');
  bytes.textContent = r.bytes ? humanBytes(r.bytes) : '';
  const copy = document.createElement('td');
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'quiet';
  const label = document.createElement('span');
  label.textContent = 'Copy URL';
  const which = document.createElement('span');
  which.className = 'visually-hidden';
  which.textContent = ` of ${r.name}`;
  b.append(label, which);
  b.addEventListener('click', () => copyText(r.url, label));
  copy.append(b);
  tr.append(name, dims, bytes, copy);
  return tr;
}

function humanBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// copyText copies text and says so on label (the button's visible words)
// for a moment.
async function copyText(text, label) {
  const was = label.textContent;
  try {
    await navigator.clipboard.writeText(text);
    label.textContent = 'Copied';
  } catch {
    label.textContent = 'Copy failed';
    window.prompt('Copy this address', text);
  }
  announce(label.textContent);
  setTimeout(() => {
    label.textContent = was;
  }, 1500);
}

function updateImageURL() {
  const item = state.items.get(state.open);
  const px = (item && item.pixelmill) || {};
  if (!px.media_url) return;
  const w = Number($('#iu-width').value) || 800;
  const h = Number($('#iu-height').value) || 600;
  $('#iu-url').textContent = `${px.media_url}?width=${w}&height=${h}&rmode=crop`;
}
$('#iu-width').addEventListener('input', updateImageURL);
$('#iu-height').addEventListener('input', updateImageURL);
$('#imageurl-form').addEventListener('submit', (e) => {
  e.preventDefault();
  copyText($('#iu-url').textContent, $('#imageurl-form button'));
});

$('#close').addEventListener('click', () => dialog.close());
dialog.addEventListener('close', () => {
  state.open = null;
});

async function setFocal(left, top) {
  const id = state.open;
  $('#detail-status').textContent = 'Cutting the crops again…';
  try {
    const { data } = await api(`/wp-json/wp/v2/media/${id}?context=edit`, {
      method: 'POST',
      body: { pixelmill: { focal_point: { left, top } } },
    });
    state.items.set(id, data);
    showDetail(data);
    const li = state.tiles.get(id);
    if (li) fillTile(li, data);
  } catch (ex) {
    $('#detail-status').textContent = ex.message;
  }
}

$('#stage').addEventListener('click', (e) => {
  const img = $('#detail-img');
  if (!$('#stage').classList.contains('can-focus') || img.hidden) return;
  const box = img.getBoundingClientRect();
  const left = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
  const top = Math.min(1, Math.max(0, (e.clientY - box.top) / box.height));
  setFocal(Number(left.toFixed(4)), Number(top.toFixed(4)));
});
$('#focal-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setFocal(Number($('#focal-left').value) / 100, Number($('#focal-top').value) / 100);
});

$('#edit-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = state.open;
  const out = $('#edit-result');
  out.textContent = 'Saving…';
  try {
    const { data } = await api(`/wp-json/wp/v2/media/${id}?context=edit`, {
      method: 'POST',
      body: { title: $('#edit-title').value, alt_text: $('#edit-alt').value, caption: $('#edit-caption').value },
    });
    state.items.set(id, data);
    const li = state.tiles.get(id);
    if (li) fillTile(li, data);
    $('#detail-title').textContent = titleOf(data);
    out.textContent = 'Saved.';
  } catch (ex) {
    out.textContent = ex.message;
  }
});

$('#delete').addEventListener('click', () => {
  $('#confirm').hidden = false;
  $('#cancel-delete').focus();
});
$('#cancel-delete').addEventListener('click', () => {
  $('#confirm').hidden = true;
  $('#delete').focus();
});
$('#confirm-delete').addEventListener('click', async () => {
  const id = state.open;
  try {
    await api(`/wp-json/wp/v2/media/${id}?force=true`, { method: 'DELETE' });
    const li = state.tiles.get(id);
    if (li) li.remove();
    state.tiles.delete(id);
    state.items.delete(id);
    dialog.close();
    state.total = Math.max(0, state.total - 1);
    showPageInfo();
    announce('Deleted.');
    $('#empty').hidden = state.tiles.size > 0;
  } catch (ex) {
    $('#detail-status').textContent = ex.message;
  }
});

// --- messages --------------------------------------------------------------

function announce(text) {
  $('#live').textContent = text;
}

function report(ex) {
  announce(ex.message || String(ex));
  if (ex.status === 401) signOut();
}

// --- start -----------------------------------------------------------------

const saved = sessionStorage.getItem(AUTH_KEY);
if (saved) {
  signIn(saved).catch(() => {
    sessionStorage.removeItem(AUTH_KEY);
    state.auth = '';
  });
}
