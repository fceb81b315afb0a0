// The live view: polls the agent's own JSON endpoints and draws them. Every
// value from the agent (container names, alert text) is attacker-controlled:
// it only ever becomes textContent or an attribute, never markup.
'use strict';

const POLL_MS = 2000;
const SVG = 'http://www.w3.org/2000/svg';
let lastSeen = null; // the newest alert shown: its JSON, to mark later ones new

function el(tag, attrs, text) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function human(n, unit) {
  const u = ['', 'k', 'M', 'G', 'T'];
  let i = 0;
  n = Number(n) || 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return (i ? n.toFixed(1) : String(Math.round(n))) + ' ' + u[i] + unit;
}

function duration(s) {
  s = Math.max(0, Math.floor(Number(s) || 0));
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return (d ? d + 'd ' : '') + h + 'h ' + m + 'm ' + (s % 60) + 's';
}

async function get(path) {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (r.status === 401) throw new Error('not signed in: open /?token=TOKEN');
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}

function drawHealth(h) {
  const dl = document.getElementById('health');
  const losses = (h.kernel_counters && h.kernel_counters.losses) || {};
  const sinks = h.sinks || [];
  const dropped = sinks.reduce((a, s) => a + (s.dropped || 0), 0);
  const rows = [
    ['uptime', duration(h.uptime_seconds)],
    ['version', (h.version || '') + ' (' + (h.commit || '') + ')'],
    ['rules loaded', (h.rules || {}).loaded, !(h.rules || {}).last_load_ok],
    ['events', (h.events || {}).total],
    ['alerts', (h.alerts || {}).total],
    ['kernel records', (h.kernel_counters || {}).records],
    ['lost (ring full)', losses.ring_buffer_full || 0, (losses.ring_buffer_full || 0) > 0],
    ['truncated paths', losses.path_truncated || 0],
    ['failed reads', losses.read_failed || 0],
    ['containers', (h.tables || {}).containers],
    ['docker engine', (h.tables || {}).docker_engine_up ? 'up' : 'down', !(h.tables || {}).docker_engine_up],
    ['sink drops', dropped, dropped > 0],
  ];
  dl.replaceChildren();
  for (const [k, v, bad] of rows) {
    dl.append(el('dt', {}, k), el('dd', bad ? { class: 'bad', 'data-key': k } : { 'data-key': k }, v === undefined ? '-' : v));
  }
  document.getElementById('host').textContent = 'pid ' + h.pid + ', kernel ' + (h.kernel || '');
}

function edgeLabel(e) {
  return e.proto === 'tcp' || e.proto === 'udp' ? e.proto + '/' + e.port : String(e.proto || '');
}

function drawTopology(t) {
  const svg = document.getElementById('topology');
  const tbody = document.querySelector('#edges tbody');
  const note = document.getElementById('topology-note');
  const edges = t.edges || [];
  const nodes = new Map();
  const add = (name, kind) => { if (!nodes.has(name)) nodes.set(name, kind || 'other'); };

  note.textContent = t.enabled === false ? '(flows are off: palisade run --flows)'
    : edges.length + ' edges, ' + ((t.counters || {}).active || 0) + ' active flows';
  for (const e of edges) { add(e.src, e.src_kind); add(e.dst, e.dst_kind); }
  for (const f of t.flows || []) if (f.container_kind === 'container') add(f.container, 'container');

  const names = [...nodes.keys()].sort();
  const pos = new Map();
  const cx = 400, cy = 260, r = names.length > 1 ? 200 : 0;
  names.forEach((n, i) => {
    const a = 2 * Math.PI * i / names.length - Math.PI / 2;
    pos.set(n, [cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  });
  svg.replaceChildren();
  for (const e of edges) {
    const a = pos.get(e.src), b = pos.get(e.dst);
    if (!a || !b) continue;
    const w = 1 + Math.min(6, Math.log10(1 + (e.rate || 0)));
    svg.append(el('svg:line', { x1: a[0], y1: a[1], x2: b[0], y2: b[1], 'stroke-width': w,
      'data-src': e.src, 'data-dst': e.dst }));
    svg.append(el('svg:text', { x: (a[0] + b[0]) / 2, y: (a[1] + b[1]) / 2 - 4, class: 'rate',
      'text-anchor': 'middle' }, edgeLabel(e) + ' ' + human(e.rate, 'B/s')));
  }
  for (const n of names) {
    const [x, y] = pos.get(n);
    const g = el('svg:g', { class: 'node', 'data-name': n, 'data-kind': nodes.get(n) });
    g.append(el('svg:circle', { cx: x, cy: y, r: 9, class: nodes.get(n) }));
    g.append(el('svg:text', { x: x, y: y + 24, 'text-anchor': 'middle' }, n));
    svg.append(g);
  }
  tbody.replaceChildren();
  for (const e of edges) {
    const tr = el('tr', { class: 'edge', 'data-src': e.src, 'data-dst': e.dst });
    tr.append(el('td', {}, e.src), el('td', {}, e.dst), el('td', {}, edgeLabel(e)),
      el('td', {}, human(e.rate, 'B/s')), el('td', {}, human(e.bytes, 'B')), el('td', {}, e.active));
    tbody.append(tr);
  }
}

function actionText(a) {
  const act = a.palisade_action;
  if (act) return (act.type || '') + (act.mode ? ' (' + act.mode + ')' : '') + ': ' + (act.outcome || '');
  if (a.palisade_playbook) return 'playbook';
  return '';
}

function drawAlerts(doc) {
  const tbody = document.querySelector('#alerts tbody');
  const alerts = doc.alerts || [];
  const prev = lastSeen;
  document.getElementById('alerts-note').textContent =
    '(' + (doc.kept || 0) + ' of ' + (doc.total || 0) + ' since start; the latest ' + (doc.max || '') + ' kept)';
  tbody.replaceChildren();
  let fresh = prev !== null;
  for (const a of alerts) {
    const key = JSON.stringify(a);
    if (key === prev) fresh = false;
    const f = a.output_fields || {};
    const tr = el('tr', { class: 'alert p-' + (a.priority || '').toUpperCase() + (fresh ? ' new' : ''),
      'data-rule': a.rule || '', 'data-container': f['container.name'] || '' });
    tr.append(el('td', {}, a.time || ''), el('td', {}, a.priority || ''), el('td', {}, a.rule || ''),
      el('td', {}, f['container.name'] || ''), el('td', {}, actionText(a)),
      el('td', { class: 'output' }, a.output || ''));
    tbody.append(tr);
  }
  lastSeen = alerts.length ? JSON.stringify(alerts[0]) : prev;
}

async function refresh() {
  const state = document.getElementById('state');
  try {
    const [h, t, a] = await Promise.all([get('/api/health'), get('/api/topology'), get('/api/alerts')]);
    drawHealth(h);
    drawTopology(t);
    drawAlerts(a);
    state.textContent = 'updated ' + new Date().toLocaleTimeString();
    state.className = 'state';
  } catch (err) {
    state.textContent = String(err.message || err);
    state.className = 'state bad';
  }
  setTimeout(refresh, POLL_MS);
}

refresh();
