// lakelog console: one page over the lakelog HTTP API (same origin). The Bearer token lives in
// sessionStorage only. State of the search lives in the URL hash, so a link reproduces it.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';

const SEVERITIES = ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL'];
const COLORS = { DEBUG: '#9aa5b1', INFO: '#3b82f6', NOTICE: '#14b8a6', WARNING: '#f59e0b', ERROR: '#ef4444', CRITICAL: '#7c3aed' };
const OUTCOMES = ['SUCCESS', 'FAILURE', 'UNKNOWN'];
const FILTERS = ['severity', 'event_type', 'component', 'actor_id', 'outcome', 'trace_id', 'span_id', 'q'];
const CLICKABLE = new Set(['severity', 'event_type', 'component', 'actor_id', 'outcome', 'trace_id', 'span_id']);
const PRESETS = [['15m', 'Last 15 minutes', 900], ['1h', 'Last hour', 3600], ['6h', 'Last 6 hours', 21600],
  ['24h', 'Last 24 hours', 86400], ['7d', 'Last 7 days', 604800], ['30d', 'Last 30 days', 2592000], ['custom', 'Absolute range', 0]];
const PAGE = 100;
const TOKEN_KEY = 'lakelog.token';

// ---------- small helpers ----------
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid.nodeType ? kid : document.createTextNode(String(kid)));
  return el;
}
const $ = (sel, root = document) => root.querySelector(sel);
const fmtTime = (iso) => iso ? iso.replace('T', ' ').replace('Z', '') : '';
const fmtInt = (n) => Number(n).toLocaleString('en-US');
function fmtBytes(n) {
  if (n == null) return '—';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0; let x = Number(n);
  while (x >= 1024 && i < u.length - 1) { x /= 1024; i++; }
  return (i ? x.toFixed(1) : x) + ' ' + u[i];
}
const token = () => sessionStorage.getItem(TOKEN_KEY);

class ApiError extends Error {
  constructor(status, code, detail) { super(detail); this.status = status; this.code = code; }
}

/** Every failure in words: what happened, what the server said, and what to do. */
function explain(e) {
  if (!(e instanceof ApiError)) return 'Cannot reach the lakelog server (' + (e && e.message || e) + '). Is it running? Check the address and try again.';
  const said = e.message ? ' The server said: “' + e.message + '”' : '';
  switch (e.status) {
    case 400: return 'The request was not accepted (400 ' + (e.code || 'bad request') + ').' + said;
    case 401: return 'The token was not accepted (401). Sign in again with a valid token.' + said;
    case 403: return 'This token may not do that (403): analytics need a paid tenant’s token.' + said;
    case 404: return 'Not found (404).' + said;
    case 408: return 'The query ran too long and was cancelled (408). Narrow the time range or the filters.' + said;
    case 413: return 'The answer is too large (413). Narrow the time range or filters.' + said;
    case 429: return 'Too many queries at once for this tenant (429). Wait a moment and retry.' + said;
    case 503: return 'A part of lakelog is unavailable right now (503). Retry in a few seconds.' + said;
    default: return 'The server failed (' + e.status + (e.code ? ' ' + e.code : '') + ').' + said;
  }
}

async function api(path, { method = 'GET', query, body, raw } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v != null && v !== '') url.searchParams.set(k, v);
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: { Authorization: 'Bearer ' + token(), ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw e;
  }
  if (!res.ok) {
    let code, detail;
    try { const j = await res.json(); code = j.code; detail = j.detail; } catch { detail = res.statusText; }
    throw new ApiError(res.status, code, detail);
  }
  return raw ? res : res.json();
}

function showError(e, where) {
  const box = where || $('#error');
  if (!box) return;
  box.replaceChildren(h('span', { text: typeof e === 'string' ? e : explain(e) }),
    h('button', { class: 'link', 'aria-label': 'Dismiss', onclick: () => box.replaceChildren(), text: '×' }));
  box.hidden = false;
}
function clearError() { const b = $('#error'); if (b) b.replaceChildren(); }

// ---------- URL state ----------
function readHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [view, qs] = raw.split('?');
  return { view: view || 'search', params: new URLSearchParams(qs || '') };
}
function writeHash(view, params, replace) {
  const qs = params && [...params.keys()].length ? '?' + params.toString() : '';
  const next = '#/' + view + qs;
  if (location.hash === next) { route(); return; }
  if (replace) { history.replaceState(null, '', next); route(); } else location.hash = next;
}

// ---------- shell ----------
const TABS = [['search', 'Search'], ['tail', 'Live tail'], ['snapshots', 'Snapshots'], ['sql', 'SQL'], ['overview', 'Overview'], ['metrics', 'Metrics']];
let stopTail = null;

function shell() {
  const app = $('#app');
  app.replaceChildren(
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: '#/search', text: 'lakelog' }),
      h('nav', { 'aria-label': 'Views' }, TABS.map(([id, label], i) =>
        h('a', { href: '#/' + id, id: 'tab-' + id, class: 'tab', title: label + ' (Alt+' + (i + 1) + ')', text: label }))),
      h('span', { class: 'spacer' }),
      h('span', { id: 'who', class: 'muted' }),
      h('button', { id: 'signout', class: 'ghost', onclick: signOut, text: 'Sign out' })),
    h('div', { id: 'error', role: 'alert', class: 'error' }),
    h('main', { id: 'view', tabindex: '-1' }));
  api('/v1/analytics/info').then(i => { $('#who').textContent = 'tenant ' + i.tenant_id; }).catch(() => {});
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (stopTail) stopTail();
  signIn();
}

function signIn(message) {
  const app = $('#app');
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, placeholder: 'llt_…', 'aria-label': 'Bearer token' });
  const err = h('div', { id: 'signin-error', role: 'alert', class: 'error' });
  const form = h('form', { id: 'signin', class: 'card signin', onsubmit: async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    try {
      await api('/v1/analytics/info');
      start();
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      showError(e, err);
      input.focus();
    }
  } },
  h('h1', { text: 'lakelog console' }),
  h('p', { class: 'muted', text: 'Sign in with a tenant’s Bearer token (a paid tenant for analytics). It is kept in this tab only (sessionStorage).' }),
  h('label', { for: 'token', text: 'Token' }), input,
  h('button', { type: 'submit', id: 'signin-button', text: 'Sign in' }), err);
  app.replaceChildren(form);
  if (message) showError(message, err);
  input.focus();
}

function start() {
  shell();
  if (!location.hash) history.replaceState(null, '', '#/search?range=7d');
  route();
}

function route() {
  if (!token()) { signIn(); return; }
  if (!$('#view')) shell();
  if (stopTail) { stopTail(); stopTail = null; }
  const { view, params } = readHash();
  for (const [id] of TABS) $('#tab-' + id)?.classList.toggle('active', id === view);
  clearError();
  const v = $('#view');
  v.replaceChildren();
  const views = { search: searchView, tail: tailView, snapshots: snapshotsView, sql: sqlView, overview: overviewView, metrics: metricsView };
  (views[view] || searchView)(v, params);
}

// ---------- search ----------
function resolveRange(params) {
  const range = params.get('range') || (params.get('since') ? 'custom' : '7d');
  if (range !== 'custom') {
    const secs = (PRESETS.find(p => p[0] === range) || PRESETS[3])[2];
    const until = new Date();
    return { range, since: new Date(until.getTime() - secs * 1000).toISOString(), until: until.toISOString() };
  }
  return { range, since: params.get('since') || new Date(Date.now() - 86400000).toISOString(), until: params.get('until') || new Date().toISOString() };
}

function filterQuery(params, r) {
  const q = { since: r.since, until: r.until };
  for (const f of FILTERS) if (params.get(f)) q[f] = params.get(f);
  return q;
}

function searchView(root, params) {
  const r = resolveRange(params);
  const snapshot = params.get('snapshot');
  const page = Math.max(0, parseInt(params.get('page') || '0', 10) || 0);
  const field = (name, label, input) => h('label', { class: 'field' }, h('span', { text: label }), input);
  const text = (name, ph) => h('input', { id: 'f-' + name, name, value: params.get(name) || '', placeholder: ph || '', autocomplete: 'off' });
  const select = (name, values, any) => h('select', { id: 'f-' + name, name },
    h('option', { value: '', text: any }), values.map(v => h('option', { value: v, text: v, selected: params.get(name) === v })));
  const rangeSel = h('select', { id: 'f-range', name: 'range' }, PRESETS.map(([id, label]) => h('option', { value: id, text: label, selected: r.range === id })));
  const since = h('input', { id: 'f-since', name: 'since', value: r.since, disabled: r.range !== 'custom', 'aria-label': 'since (ISO 8601, UTC)' });
  const until = h('input', { id: 'f-until', name: 'until', value: r.until, disabled: r.range !== 'custom', 'aria-label': 'until (ISO 8601, UTC)' });
  rangeSel.addEventListener('change', () => { since.disabled = until.disabled = rangeSel.value !== 'custom'; });

  const form = h('form', { id: 'search-form', class: 'card search', onsubmit: (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    p.set('range', rangeSel.value);
    if (rangeSel.value === 'custom') {
      for (const [k, el] of [['since', since], ['until', until]]) {
        const d = new Date(el.value);
        if (isNaN(d)) { showError('“' + el.value + '” is not a time: use ISO 8601, e.g. 2026-11-30T08:00:00Z.'); el.focus(); return; }
        p.set(k, d.toISOString());
      }
    }
    for (const f of FILTERS) { const v = form.elements[f].value.trim(); if (v) p.set(f, v); }
    if (snapshot) p.set('snapshot', snapshot);
    writeHash('search', p);
  } },
  h('div', { class: 'frow' },
    field('q', 'Text', h('input', { id: 'f-q', name: 'q', value: params.get('q') || '', placeholder: 'words in message or payload  ( / to focus )', class: 'wide', autocomplete: 'off' })),
    field('range', 'Time range', rangeSel), field('since', 'Since (UTC)', since), field('until', 'Until (UTC)', until),
    h('button', { type: 'submit', id: 'search-button', text: 'Search' })),
  h('div', { class: 'frow' },
    field('severity', 'Severity', select('severity', SEVERITIES, 'any')),
    field('event_type', 'Event type', text('event_type', 'AUTH_LOGIN')),
    field('component', 'Component', text('component')),
    field('actor_id', 'Actor', text('actor_id')),
    field('outcome', 'Outcome', select('outcome', OUTCOMES, 'any')),
    field('trace_id', 'Trace id', text('trace_id', '32 hex digits')),
    field('span_id', 'Span id', text('span_id', '16 hex digits'))));

  const banner = snapshot ? h('div', { id: 'timetravel-banner', class: 'banner' },
    'Viewing the lake as of snapshot ' + snapshot + ' (time travel; no hot tier). ',
    h('button', { class: 'link', id: 'back-to-latest', onclick: () => { const p = new URLSearchParams(params); p.delete('snapshot'); p.delete('page'); writeHash('search', p); }, text: 'Back to latest' })) : null;

  const exportBar = h('div', { class: 'exports', role: 'group', 'aria-label': 'Export' }, h('span', { class: 'muted', text: 'Export:' }),
    ['csv', 'ndjson', 'parquet'].map(f => h('button', { class: 'ghost', id: 'export-' + f, onclick: () => exportSearch(params, r, snapshot, f), text: f.toUpperCase() })));
  const summary = h('div', { class: 'summary' }, h('span', { id: 'hist-total', 'aria-live': 'polite', text: 'Counting…' }), h('span', { class: 'spacer' }), exportBar);
  const chart = h('div', { id: 'histogram', class: 'card chart', 'aria-label': 'Events over time by severity; drag to narrow the range' });
  const table = h('div', { id: 'results', class: 'card' }, h('p', { class: 'muted', text: 'Loading…' }));
  root.append(form, banner || '', summary, chart, table);

  const q = filterQuery(params, r);
  const t0 = performance.now();
  // the histogram and the first page are asked for at once; the table waits for the total
  const path = snapshot ? '/v1/analytics/logs/snapshot/' + encodeURIComponent(snapshot) : '/v1/analytics/logs';
  const pageAnswer = api(path, { query: { ...q, order: 'desc', limit: PAGE, offset: page * PAGE } });
  pageAnswer.catch(() => {});
  api('/v1/analytics/histogram', { query: { ...q, ...(snapshot ? { snapshot_id: snapshot } : {}) } })
    .then(hist => {
      $('#hist-total').textContent = fmtInt(hist.total) + ' events' + (snapshot ? ' as of snapshot ' + snapshot : '') + ' · ' + hist.interval + ' buckets';
      $('#hist-total').dataset.total = hist.total;
      drawHistogram(chart, hist, params);
      renderTable(table, params, pageAnswer, page, hist.total, t0);
    })
    .catch(e => { $('#hist-total').textContent = ''; chart.replaceChildren(); table.replaceChildren(); showError(e); });
}

async function renderTable(root, params, pageAnswer, page, total, t0) {
  let ans;
  try {
    ans = await pageAnswer;
  } catch (e) { root.replaceChildren(); showError(e); return; }
  const ms = Math.round(performance.now() - t0);
  if (ans.result_url) { root.replaceChildren(h('p', { text: 'The page is too large to show; export it instead.' })); return; }
  const rows = ans.logs;
  const go = (p) => { const n = new URLSearchParams(params); n.set('page', p); writeHash('search', n); };
  const pager = h('div', { class: 'pager' },
    h('button', { id: 'page-prev', class: 'ghost', disabled: page === 0, onclick: () => go(page - 1), text: '← Newer' }),
    h('span', { id: 'page-info', text: rows.length ? 'Rows ' + fmtInt(page * PAGE + 1) + '–' + fmtInt(page * PAGE + rows.length) + ' of ' + fmtInt(total) + ', newest first' : 'No events match.' }),
    h('button', { id: 'page-next', class: 'ghost', disabled: (page + 1) * PAGE >= total, onclick: () => go(page + 1), text: 'Older →' }),
    h('span', { class: 'muted', id: 'took', text: 'in ' + ms + ' ms' }));
  const body = h('tbody');
  for (const row of rows) body.append(...logRow(row, params));
  root.replaceChildren(pager, h('table', { class: 'logs' },
    h('thead', {}, h('tr', {}, ['', 'Time (UTC)', 'Severity', 'Event', 'Actor', 'Component', 'Outcome', 'Message'].map(c => h('th', { text: c })))), body));
  root.dataset.rows = rows.length;
}

function addFilter(params, name, value) {
  const p = new URLSearchParams(params);
  p.set(name, value);
  p.delete('page');
  writeHash('search', p);
}

function logRow(row, params) {
  const sev = h('span', { class: 'sev sev-' + row.severity, text: row.severity });
  const tr = h('tr', { class: 'row', tabindex: '0', 'aria-expanded': 'false', title: 'Enter or click: show the whole event' },
    h('td', { class: 'caret', text: '▸' }), h('td', { class: 'mono', text: fmtTime(row.timestamp) }), h('td', {}, sev),
    h('td', { text: row.event_type }), h('td', { text: row.actor_id || '' }), h('td', { text: row.component || '' }),
    h('td', { text: row.outcome }), h('td', { class: 'msg', text: row.message }));
  const detail = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: '8' }, eventDetail(row, params)));
  const toggle = () => {
    detail.hidden = !detail.hidden;
    tr.setAttribute('aria-expanded', String(!detail.hidden));
    tr.querySelector('.caret').textContent = detail.hidden ? '▸' : '▾';
  };
  tr.addEventListener('click', toggle);
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); }
    if (e.key === 'ArrowDown') { e.preventDefault(); (detail.nextElementSibling || {}).focus?.(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); const p = tr.previousElementSibling?.previousElementSibling; p?.focus?.(); }
  });
  return [tr, detail];
}

function eventDetail(row, params) {
  const dl = h('dl', { class: 'fields' });
  for (const [k, v] of Object.entries(row)) {
    if (k === 'payload' || v == null) continue;
    const shown = Array.isArray(v) ? v.join(', ') : String(v);
    dl.append(h('dt', { text: k }), h('dd', {}, CLICKABLE.has(k)
      ? h('button', { class: 'value', title: 'Filter by ' + k + ' = ' + shown, 'data-field': k, onclick: () => addFilter(params, k, shown), text: shown })
      : h('span', { class: 'mono', text: shown })));
  }
  let payload = null;
  if (row.payload) {
    let parsed;
    try { parsed = JSON.parse(row.payload); } catch { parsed = row.payload; }
    payload = h('div', {}, h('div', { class: 'muted', text: 'payload (click a value to search for it)' }), h('pre', { class: 'json' }, jsonTree(parsed, 0, params)));
  }
  return h('div', { class: 'event' }, dl, payload);
}

function jsonTree(v, depth, params) {
  const pad = '  '.repeat(depth);
  if (v === null || typeof v !== 'object') {
    const s = JSON.stringify(v);
    return h('button', { class: 'jv j-' + (v === null ? 'null' : typeof v), title: 'Search for ' + s, onclick: () => addFilter(params, 'q', String(v)), text: s });
  }
  const arr = Array.isArray(v);
  const entries = arr ? v.map((x, i) => [i, x]) : Object.entries(v);
  if (!entries.length) return arr ? '[]' : '{}';
  const out = [arr ? '[\n' : '{\n'];
  entries.forEach(([k, x], i) => {
    out.push(pad + '  ');
    if (!arr) out.push(h('span', { class: 'jk', text: JSON.stringify(k) }), ': ');
    out.push(jsonTree(x, depth + 1, params));
    out.push(i < entries.length - 1 ? ',\n' : '\n');
  });
  out.push(pad + (arr ? ']' : '}'));
  return h('span', {}, ...out);
}

function drawHistogram(el, hist, params) {
  el.replaceChildren();
  const xs = hist.buckets.map(b => Date.parse(b.start) / 1000);
  const raw = SEVERITIES.map(s => hist.buckets.map(b => b.counts[s] || 0));
  // stacked bars: series k is the cumulative count up to severity k; drawn largest first so each
  // smaller one covers the bottom of the one before
  const cum = []; let acc = xs.map(() => 0);
  for (let k = 0; k < SEVERITIES.length; k++) { acc = acc.map((a, i) => a + raw[k][i]); cum.push(acc); }
  const order = [...SEVERITIES.keys()].reverse();
  const bars = uPlot.paths.bars({ size: [0.9, 64], align: 1 });
  const width = Math.max(320, el.clientWidth - 24);
  const opts = {
    width, height: 220,
    cursor: { drag: { x: true, y: false, setScale: false } },
    select: { show: true },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: (u, mn, mx) => [0, Math.max(1, mx * 1.05)] } },
    axes: [{ stroke: '#555' }, { stroke: '#555', size: 56, values: (u, vs) => vs.map(v => fmtInt(v)) }],
    series: [{ value: (u, v) => v == null ? '' : new Date(v * 1000).toISOString().replace('T', ' ').slice(0, 16) }]
      .concat(order.map(k => ({ label: SEVERITIES[k], fill: COLORS[SEVERITIES[k]], stroke: COLORS[SEVERITIES[k]], width: 0, paths: bars, points: { show: false },
        value: (u, v, si, i) => i == null ? '—' : fmtInt(raw[k][i]) }))),
    hooks: {
      setSelect: [u => {
        if (u.select.width < 4) return;
        const a = u.posToVal(u.select.left, 'x'); const b = u.posToVal(u.select.left + u.select.width, 'x');
        u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
        const p = new URLSearchParams(params);
        p.set('range', 'custom');
        p.set('since', new Date(Math.floor(a) * 1000).toISOString());
        p.set('until', new Date(Math.ceil(b + hist.interval_seconds) * 1000).toISOString());
        p.delete('page');
        writeHash('search', p);
      }],
    },
  };
  const u = new uPlot(opts, [xs, ...order.map(k => cum[k])], el);
  el.append(h('div', { class: 'muted hint', text: 'Drag across the chart to narrow the range.' }));
  const ro = new ResizeObserver(() => u.setSize({ width: Math.max(320, el.clientWidth - 24), height: 220 }));
  ro.observe(el);
}

async function exportSearch(params, r, snapshot, format) {
  const path = snapshot ? '/v1/analytics/logs/snapshot/' + encodeURIComponent(snapshot) : '/v1/analytics/logs';
  const total = Number($('#hist-total')?.dataset.total || 10000);
  const q = { ...filterQuery(params, r), order: 'desc', format, limit: Math.max(1, Math.min(total, 1000000)) };
  await download(() => api(path, { query: q, raw: true }), 'lakelog-logs.' + format);
}

async function download(call, fallbackName) {
  const status = $('#hist-total') || $('#sql-status');
  try {
    const res = await call();
    const type = res.headers.get('Content-Type') || '';
    if (type.startsWith('application/json')) {
      const j = await res.json();
      if (j.result_url && /^https?:/.test(j.result_url)) {
        const a = h('a', { href: j.result_url, download: '' }); document.body.append(a); a.click(); a.remove();
      } else if (j.result_url) {
        showError('The export (' + fmtInt(j.row_count) + ' rows, ' + fmtBytes(j.bytes) + ') was written on the server’s machine: ' + j.result_url);
      }
      return;
    }
    const blob = await res.blob();
    const cd = res.headers.get('Content-Disposition') || '';
    const m = /filename="([^"]+)"/.exec(cd);
    const a = h('a', { href: URL.createObjectURL(blob), download: m ? m[1] : fallbackName });
    document.body.append(a); a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 10000);
    const rows = res.headers.get('X-Row-Count');
    if (status && rows) status.dataset.exported = rows;
  } catch (e) { showError(e); }
}

// ---------- live tail ----------
function tailView(root) {
  const body = h('tbody');
  const state = h('span', { id: 'tail-state', 'aria-live': 'polite', text: 'Connecting…' });
  let paused = false;
  const pause = h('button', { id: 'tail-pause', class: 'ghost', onclick: () => { paused = !paused; pause.textContent = paused ? 'Resume' : 'Pause'; }, text: 'Pause' });
  root.append(h('div', { class: 'summary' }, h('strong', { text: 'Live tail' }),
    h('span', { class: 'muted', text: ' — events in the hot tier (not yet rolled up), newest on top, every 2 s' }), h('span', { class: 'spacer' }), state, pause),
  h('div', { class: 'card' }, h('table', { class: 'logs', id: 'tail' },
    h('thead', {}, h('tr', {}, ['', 'Time (UTC)', 'Severity', 'Event', 'Actor', 'Component', 'Outcome', 'Message'].map(c => h('th', { text: c })))), body)));
  const seen = new Set();
  let timer = null; let stopped = false;
  const params = new URLSearchParams();
  const tick = async () => {
    if (stopped) return;
    if (!paused) {
      try {
        const ans = await api('/v1/logs/recent', { query: { limit: 200 } });
        const fresh = ans.logs.filter(l => !seen.has(l.log_id));
        fresh.sort((a, b) => a.timestamp < b.timestamp ? -1 : 1);
        for (const l of fresh) {
          seen.add(l.log_id);
          const [tr, detail] = logRow(l, params);
          tr.classList.add('new');
          body.prepend(tr, detail);
        }
        while (body.children.length > 1000) body.lastElementChild.remove();
        state.textContent = seen.size + ' events seen · updated ' + new Date().toISOString().slice(11, 19) + ' UTC';
        clearError();
      } catch (e) { showError(e); state.textContent = 'Retrying…'; }
    }
    if (!stopped) timer = setTimeout(tick, 2000);
  };
  tick();
  stopTail = () => { stopped = true; clearTimeout(timer); };
}

// ---------- snapshots ----------
async function snapshotsView(root) {
  const list = h('ol', { id: 'snap-list', class: 'timeline' });
  const changes = h('div', { id: 'changes', class: 'card' });
  const compare = h('button', { id: 'compare', onclick: () => showChanges(), text: 'Show changes between the two chosen snapshots' });
  root.append(h('div', { class: 'summary' }, h('strong', { text: 'Snapshots' }),
    h('span', { class: 'muted', text: ' — every commit to the lake, newest first. View the data as of one, or pick two to see what changed.' })),
  h('div', { class: 'split' }, h('div', { class: 'card' }, list, compare), changes));
  let snaps;
  try { snaps = (await api('/v1/analytics/snapshots', { query: { limit: 200 } })).snapshots; } catch (e) { showError(e); return; }
  const chosen = [];
  for (const s of snaps) {
    const box = h('input', { type: 'checkbox', class: 'pick', 'aria-label': 'choose snapshot ' + s.snapshot_id, onchange: (ev) => {
      if (ev.target.checked) { chosen.push(s.snapshot_id); if (chosen.length > 2) { const drop = chosen.shift(); const other = list.querySelector('[data-id="' + drop + '"] .pick'); if (other) other.checked = false; } }
      else chosen.splice(chosen.indexOf(s.snapshot_id), 1);
    } });
    list.append(h('li', { 'data-id': s.snapshot_id },
      h('label', {}, box, h('strong', { text: '#' + s.snapshot_id }), ' ', h('span', { class: 'mono', text: fmtTime(s.snapshot_time) })),
      h('div', { class: 'commit', text: s.commit_message || '(no message)' }),
      h('button', { class: 'link view-as-of', 'data-snapshot': s.snapshot_id, onclick: () => {
        const p = new URLSearchParams(); p.set('range', '7d'); p.set('snapshot', s.snapshot_id); writeHash('search', p);
      }, text: 'View as of this snapshot →' })));
  }
  async function showChanges() {
    if (chosen.length !== 2) { showError('Pick two snapshots (tick their boxes) to compare them.'); return; }
    const [a, b] = [...chosen].sort((x, y) => x - y);
    changes.replaceChildren(h('p', { class: 'muted', text: 'Loading…' }));
    try {
      // what the commits after a, up to and including b, changed
      const ans = await api('/v1/analytics/changes', { query: { from_snapshot: a + 1, to_snapshot: b, limit: 10000 } });
      const body = h('tbody');
      for (const c of ans.changes.slice(0, 1000)) body.append(h('tr', {}, h('td', { text: '#' + c.snapshot_id }), h('td', { class: 'chg-' + c.change_type, text: c.change_type }),
        h('td', { class: 'mono', text: fmtTime(c.timestamp) }), h('td', { text: c.severity }), h('td', { text: c.event_type }), h('td', { class: 'msg', text: c.message })));
      changes.replaceChildren(h('p', { id: 'changes-count', text: fmtInt(ans.count) + ' rows changed after snapshot ' + a + ' up to ' + b + (ans.count > 1000 ? ' (the first 1,000 shown)' : '') }),
        h('table', { class: 'logs' }, h('thead', {}, h('tr', {}, ['Snapshot', 'Change', 'Time', 'Severity', 'Event', 'Message'].map(c => h('th', { text: c })))), body));
    } catch (e) { changes.replaceChildren(); showError(e); }
  }
}

// ---------- SQL ----------
function resultTable(ans) {
  const cols = ans.columns.map(c => c.name);
  return h('table', { class: 'logs', id: 'sql-table' },
    h('thead', {}, h('tr', {}, ans.columns.map(c => h('th', { title: c.type, text: c.name })))),
    h('tbody', {}, (ans.rows || []).map(r => h('tr', {}, cols.map(c => h('td', { class: typeof r[c] === 'number' ? 'num' : '', text: r[c] == null ? '∅' : (typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c])) }))))));
}

async function sqlView(root) {
  const out = h('div', { id: 'sql-result', class: 'card' });
  const status = h('p', { id: 'sql-status', class: 'muted', 'aria-live': 'polite' });
  const named = h('div', { class: 'card', id: 'named' }, h('h2', { text: 'Named queries' }));
  const editor = h('textarea', { id: 'sql', rows: '6', spellcheck: 'false', 'aria-label': 'SQL over the table logs' });
  editor.value = sessionStorage.getItem('lakelog.sql') || 'SELECT event_type, severity, count(*) AS events\nFROM logs\nWHERE "timestamp" >= now() - INTERVAL 7 DAY\nGROUP BY ALL\nORDER BY events DESC\nLIMIT 20';
  const run = async () => {
    sessionStorage.setItem('lakelog.sql', editor.value);
    status.textContent = 'Running…'; out.replaceChildren();
    const t0 = performance.now();
    try {
      const ans = await api('/v1/analytics/query', { method: 'POST', body: { query: editor.value } });
      status.textContent = fmtInt(ans.count) + ' rows in ' + Math.round(performance.now() - t0) + ' ms';
      out.replaceChildren(ans.result_url ? h('p', { text: 'Large result: ' + ans.result_url }) : resultTable(ans));
    } catch (e) { status.textContent = ''; showError(e); }
  };
  editor.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); } });
  const custom = h('div', { class: 'card' }, h('h2', { text: 'Custom SQL' }),
    h('p', { class: 'muted', text: 'One read-only SELECT over the table logs (your rows only). Ctrl+Enter runs it.' }), editor,
    h('div', { class: 'frow' }, h('button', { id: 'sql-run', onclick: run, text: 'Run' }), h('span', { class: 'spacer' }),
      h('span', { class: 'muted', text: 'Export:' }), ['csv', 'ndjson', 'parquet'].map(f => h('button', { class: 'ghost', id: 'sql-export-' + f,
        onclick: () => download(() => api('/v1/analytics/query', { method: 'POST', query: { format: f }, body: { query: editor.value }, raw: true }), 'lakelog-query.' + f), text: f.toUpperCase() }))));
  root.append(h('div', { class: 'split' }, named, custom), status, out);
  let list;
  try { list = (await api('/v1/analytics/queries')).queries; } catch (e) { showError(e); return; }
  const sel = h('select', { id: 'named-select', 'aria-label': 'named query' }, list.map(q => h('option', { value: q.name, text: q.name })));
  const form = h('form', { id: 'named-form', onsubmit: async (ev) => {
    ev.preventDefault();
    const q = list.find(x => x.name === sel.value);
    const params = {};
    for (const p of q.params) {
      const v = form.elements['p-' + p.name].value.trim();
      if (!v) continue;
      params[p.name] = p.type === 'INTEGER' ? Number(v) : v;
    }
    status.textContent = 'Running…'; out.replaceChildren();
    const t0 = performance.now();
    try {
      const ans = await api('/v1/analytics/queries/' + encodeURIComponent(q.name), { method: 'POST', body: { params } });
      status.textContent = fmtInt(ans.count) + ' rows in ' + Math.round(performance.now() - t0) + ' ms';
      out.replaceChildren(resultTable(ans));
    } catch (e) { status.textContent = ''; showError(e); }
  } });
  const fields = h('div');
  const fill = () => {
    const q = list.find(x => x.name === sel.value);
    fields.replaceChildren(h('p', { class: 'muted', text: q.description }), ...q.params.map(p => h('label', { class: 'field' },
      h('span', { text: p.name + (p.required ? ' *' : '') + ' (' + p.type.toLowerCase() + ')' }),
      h('input', { name: 'p-' + p.name, type: p.type === 'INTEGER' ? 'number' : 'text', required: p.required, title: p.description || '',
        value: p.default != null ? p.default : (p.type === 'TIMESTAMP' && p.required ? new Date(Date.now() - 7 * 86400000).toISOString() : ''),
        placeholder: p.type === 'TIMESTAMP' ? '2026-11-30T00:00:00Z' : '' }))));
  };
  sel.addEventListener('change', fill);
  fill();
  form.append(sel, fields, h('button', { type: 'submit', id: 'named-run', text: 'Run named query' }));
  named.append(form);
}

// ---------- overview ----------
async function overviewView(root) {
  const grid = h('div', { class: 'tiles', id: 'overview' });
  root.append(h('div', { class: 'summary' }, h('strong', { text: 'Overview' }), h('span', { class: 'muted', text: ' — this tenant’s data in the lake' })), grid);
  const tile = (id, label, value, note) => h('div', { class: 'card tile', id }, h('div', { class: 'muted', text: label }), h('div', { class: 'big', text: value }), note ? h('div', { class: 'muted small', text: note }) : '');
  try {
    const [info, snaps, hot] = await Promise.all([
      api('/v1/analytics/info'),
      api('/v1/analytics/snapshots', { query: { limit: 200 } }),
      api('/v1/analytics/logs', { query: { limit: 1, fresh: 'true' } }),
    ]);
    let raw = null;
    try {
      const a = await api('/v1/analytics/query', { method: 'POST', body: { query: 'SELECT sum(strlen(to_json(l)::VARCHAR)) AS json_bytes FROM logs l' } });
      raw = a.rows[0] && a.rows[0].json_bytes;
    } catch { raw = null; }
    const lastRollup = snaps.snapshots.find(s => (s.commit_message || '').toLowerCase().includes('rollup'));
    grid.append(
      tile('ov-rows', 'Rows in the lake', fmtInt(info.row_count)),
      tile('ov-files', 'Parquet files', fmtInt(info.file_count)),
      tile('ov-bytes', 'Bytes on storage', fmtBytes(info.total_size_bytes), fmtInt(info.total_size_bytes) + ' bytes'),
      tile('ov-ratio', 'Compression against raw JSON', raw && info.total_size_bytes ? (raw / info.total_size_bytes).toFixed(1) + '×' : '—',
        raw ? fmtBytes(raw) + ' as JSON lines' : 'no rows yet'),
      tile('ov-rollup', 'Last rollup', lastRollup ? fmtTime(lastRollup.snapshot_time).slice(0, 19) : 'none yet', lastRollup ? lastRollup.commit_message : ''),
      tile('ov-hot', 'Hot segments waiting', fmtInt(hot.hot_segments_read || 0), 'not rolled up yet (read fresh by every search)'),
      tile('ov-snap', 'Latest snapshot', '#' + info.snapshot_id));
  } catch (e) { showError(e); }
}

// ---------- metrics ----------
const METRIC_AGGS = ['avg', 'sum', 'min', 'max', 'count', 'last', 'rate', 'increase', 'p50', 'p95', 'p99', 'distinct_series'];
const METRIC_RANGES = [['1h', 'Last hour', 3600], ['6h', 'Last 6 hours', 21600], ['24h', 'Last 24 hours', 86400],
  ['7d', 'Last 7 days', 604800], ['30d', 'Last 30 days', 2592000]];
const METRIC_STEPS = [['', 'automatic'], ['60', '1 minute'], ['300', '5 minutes'], ['3600', '1 hour'], ['86400', '1 day']];
const LINE_COLORS = ['#3b82f6', '#ef4444', '#14b8a6', '#f59e0b', '#7c3aed', '#10b981', '#ec4899', '#6366f1', '#84cc16', '#0ea5e9'];

/** One metric over a range: a line per series (group of attribute values), from GET /v1/analytics/metrics. */
async function metricsView(root, params) {
  const range = METRIC_RANGES.find(r => r[0] === params.get('range')) || METRIC_RANGES[2];
  const name = h('input', { id: 'm-name', list: 'm-names', value: params.get('name') || '', placeholder: 'metric name', required: true, 'aria-label': 'Metric name' });
  const names = h('datalist', { id: 'm-names' });
  const agg = h('select', { id: 'm-agg', 'aria-label': 'Aggregation' }, METRIC_AGGS.map(a => h('option', { value: a, text: a, selected: a === (params.get('aggregation') || 'avg') })));
  const rangeSel = h('select', { id: 'm-range', 'aria-label': 'Time range' }, METRIC_RANGES.map(([id, label]) => h('option', { value: id, text: label, selected: id === range[0] })));
  const step = h('select', { id: 'm-step', 'aria-label': 'Step' }, METRIC_STEPS.map(([v, label]) => h('option', { value: v, text: label, selected: v === (params.get('step') || '') })));
  const group = h('input', { id: 'm-group', value: params.get('group_by') || '', placeholder: 'group by, e.g. service.name', 'aria-label': 'Group by attribute keys' });
  const form = h('form', { id: 'metrics-form', class: 'card filters', onsubmit: (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    p.set('name', name.value.trim());
    p.set('aggregation', agg.value);
    p.set('range', rangeSel.value);
    if (step.value) p.set('step', step.value);
    if (group.value.trim()) p.set('group_by', group.value.trim());
    writeHash('metrics', p);
  } }, name, names, agg, rangeSel, step, group, h('button', { type: 'submit', id: 'm-show', text: 'Show' }));
  const summary = h('div', { id: 'm-summary', class: 'summary muted' });
  const chart = h('div', { id: 'm-chart', class: 'card chart' });
  root.append(form, summary, chart);
  const until = new Date();
  const since = new Date(until.getTime() - range[2] * 1000);
  api('/v1/analytics/queries/metric_summary', { method: 'POST', body: { params: { since: new Date(until.getTime() - 2592000000).toISOString() } } })
    .then(r => names.replaceChildren(...r.rows.map(m => h('option', { value: m.metric_name, text: m.metric_type + (m.unit ? ' (' + m.unit + ')' : '') }))))
    .catch(() => {});
  if (!params.get('name')) { summary.textContent = 'Choose a metric (the list holds the metrics of the last 30 days).'; name.focus(); return; }
  try {
    const q = { name: params.get('name'), aggregation: params.get('aggregation') || 'avg', since: since.toISOString(), until: until.toISOString(),
      step: params.get('step') || undefined, group_by: params.get('group_by') || undefined };
    const t0 = performance.now();
    const a = await api('/v1/analytics/metrics', { query: q });
    summary.replaceChildren(h('strong', { text: a.metric }), ' ' + (a.type || 'no data') + (a.unit ? ' · ' + a.unit : '') + ' · ' + a.aggregation
      + ' per ' + a.step_seconds + ' s · ' + a.series.length + ' series · answered from level ',
      h('code', { id: 'm-level', text: a.level }), ' (' + fmtInt(a.rows_read) + ' rows, ' + Math.round(performance.now() - t0) + ' ms)');
    drawMetricLines(chart, a);
  } catch (e) { showError(e); }
}

function drawMetricLines(el, a) {
  el.replaceChildren();
  if (!a.series.length) { el.append(h('p', { class: 'muted', text: 'No points in this range.' })); return; }
  const times = [...new Set(a.series.flatMap(s => s.points.map(p => Date.parse(p.t) / 1000)))].sort((x, y) => x - y);
  const index = new Map(times.map((t, i) => [t, i]));
  const data = [times];
  const series = [{ value: (u, v) => v == null ? '' : new Date(v * 1000).toISOString().replace('T', ' ').slice(0, 16) }];
  a.series.forEach((s, i) => {
    const ys = times.map(() => null);
    for (const p of s.points) ys[index.get(Date.parse(p.t) / 1000)] = p.value;
    data.push(ys);
    const label = Object.entries(s.group).map(([k, v]) => k + '=' + v).join(', ') || a.metric;
    series.push({ label, stroke: LINE_COLORS[i % LINE_COLORS.length], width: 2, spanGaps: false, points: { show: times.length < 60 } });
  });
  const width = Math.max(320, el.clientWidth - 24);
  const u = new uPlot({ width, height: 280, scales: { x: { time: true } }, legend: { live: true },
    axes: [{ stroke: '#555' }, { stroke: '#555', size: 64 }], series }, data, el);
  const ro = new ResizeObserver(() => u.setSize({ width: Math.max(320, el.clientWidth - 24), height: 280 }));
  ro.observe(el);
}

// ---------- keyboard ----------
document.addEventListener('keydown', (e) => {
  const typing = /INPUT|TEXTAREA|SELECT/.test(document.activeElement?.tagName || '');
  if (e.altKey && /^[1-6]$/.test(e.key)) { e.preventDefault(); location.hash = '#/' + TABS[Number(e.key) - 1][0]; return; }
  if (!typing && e.key === '/') { const q = $('#f-q'); if (q) { e.preventDefault(); q.focus(); } }
  if (e.key === 'Escape') clearError();
});
window.addEventListener('hashchange', route);
if (token()) start(); else signIn();
