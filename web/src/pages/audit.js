// The auditor's dossier search: a plain GET form (the address keeps the search, Back works),
// its fields passed to GET /dossiers as they are: code, identity number or name (`q`),
// procedure, status, timeliness and the period of reception; a page at a time.
import { api } from '../api.js';
import { alertBox, badge, h, show } from '../dom.js';
import { t, when } from '../i18n.js';
import '../text/audit.js';

const PAGE = 20;
const FILTERS = ['q', 'process_key', 'status', 'timeliness', 'received_from', 'received_to'];
const STATUSES = ['in_process', 'finished', 'error', 'withdrawn', 'stopped'];
const TIMELINESS = ['within_time', 'approaching', 'overdue', 'early', 'on_time', 'late'];

const params = new URLSearchParams(location.search);
const offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);

function field(id, label, control) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

function choice(name, options, current) {
  return h('select', { id: `f-${name}`, name },
    h('option', { value: '' }, t('any')),
    ...options.map(([value, label]) => h('option', { value, selected: value === current }, label)));
}

function form(procedures) {
  const value = (k) => params.get(k) || '';
  const byName = [...procedures].sort((a, b) => (a.name || '').localeCompare(b.name || '', 'vi'));
  return h('form', { class: 'search card', method: 'get', action: '/audit', role: 'search' },
    field('f-q', t('q'), h('input', { type: 'text', id: 'f-q', name: 'q', value: value('q'), maxlength: 200 })),
    h('div', { class: 'search-row' },
      field('f-process_key', t('procedure'), choice('process_key',
        byName.map((p) => [p.process_key, p.name || p.code]), value('process_key'))),
      field('f-status', t('status'), choice('status', STATUSES.map((s) => [s, t(`st_${s}`)]), value('status'))),
      field('f-timeliness', t('timeliness'), choice('timeliness', TIMELINESS.map((s) => [s, t(s)]), value('timeliness'))),
      field('f-received_from', t('received_from'), h('input', { type: 'date', id: 'f-received_from', name: 'received_from', value: value('received_from') })),
      field('f-received_to', t('received_to'), h('input', { type: 'date', id: 'f-received_to', name: 'received_to', value: value('received_to') }))),
    h('button', { type: 'submit' }, t('search')));
}

function pager(total) {
  const link = (to, label, rel) => {
    const next = new URLSearchParams(params);
    next.set('offset', String(to));
    return h('a', { href: `/audit?${next}`, rel }, label);
  };
  const parts = [];
  if (offset > 0) parts.push(link(Math.max(0, offset - PAGE), t('prev'), 'prev'));
  parts.push(h('span', {}, ` ${t('page')} ${Math.floor(offset / PAGE) + 1} / ${Math.max(1, Math.ceil(total / PAGE))} `));
  if (offset + PAGE < total) parts.push(link(offset + PAGE, t('next'), 'next'));
  return h('nav', { class: 'pager', 'aria-label': t('page') }, ...parts);
}

function results(page, names) {
  if (!page.items.length) return h('p', { id: 'results' }, t('no_dossiers'));
  const cols = ['code', 'procedure', 'applicant', 'received_at', 'status', 'dossier_due'];
  return h('div', { id: 'results' },
    h('table', { class: 'dossiers' },
      h('caption', {}, t('found', page.total)),
      h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, ...page.items.map((d) => h('tr', { 'data-code': d.code, class: d.timeliness || '' },
        h('td', {}, h('a', { href: `/audit/dossiers/${encodeURIComponent(d.code)}`, class: 'dossier-link' }, d.code)),
        h('td', {}, names[d.process_key] || d.process_key),
        h('td', {}, (d.applicant && d.applicant.name) || ''),
        h('td', {}, when(d.received_at)),
        h('td', {}, t(`st_${d.status}`), ' ', badge(d.timeliness, t(d.timeliness))),
        h('td', {}, when(d.due_at)))))),
    pager(page.total));
}

async function load() {
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  for (const k of FILTERS) if (params.get(k)) query.set(k, params.get(k).trim());
  const [procedures, page] = await Promise.all([
    api('/procedures').catch(() => []),
    api(`/dossiers?${query}`).catch((e) => e),
  ]);
  const names = Object.fromEntries(procedures.map((p) => [p.process_key, p.name || p.code]));
  const found = page instanceof Error
    ? alertBox(page.errors.length ? page.errors.map((e) => `${e.field}: ${e.message}`).join('; ') : page.message)
    : results(page, names);
  show(h('h1', {}, t('audit')), form(procedures), found);
}

load();
