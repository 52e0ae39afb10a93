// The inbox: overdue and approaching first (the API's order), filters by timeliness, held
// or not and procedure (shown by its name in the catalogue), the counts of each, claim and
// (heads) assign.
import { api } from '../api.js';
import { alertBox, badge, h, show } from '../dom.js';
import { t, when } from '../i18n.js';
import '../text/desk.js';

const LEVELS = ['overdue', 'approaching', 'within_time'];
const PAGE = 50;

function params() {
  const q = new URLSearchParams(location.search);
  const keep = {};
  for (const k of ['timeliness', 'claimed', 'process_key', 'offset']) if (q.get(k)) keep[k] = q.get(k);
  return keep;
}

const query = (p) => new URLSearchParams(p).toString();

async function counts(base) {
  const each = await Promise.all(['', ...LEVELS].map((level) => api(`/tasks?${query({ ...base, ...(level ? { timeliness: level } : {}), limit: 1 })}`)));
  return Object.fromEntries(['all', ...LEVELS].map((k, i) => [k, each[i].total]));
}

function filters(p, n, procedures) {
  const link = (label, over, count, current) => h('a', {
    href: `/desk?${query(Object.fromEntries(Object.entries({ ...p, ...over, offset: undefined }).filter(([, v]) => v !== undefined)))}`,
    class: current ? 'chip current' : 'chip', 'aria-current': current ? 'true' : undefined,
  }, label, count !== undefined ? h('span', { class: 'count' }, count) : '');
  const held = p.claimed;
  return h('nav', { class: 'filters', 'aria-label': t('filter') },
    h('div', { class: 'chips', role: 'group', 'aria-label': t('timeliness') },
      link(t('all'), { timeliness: undefined }, n.all, !p.timeliness),
      ...LEVELS.map((level) => link(t(level), { timeliness: level }, n[level], p.timeliness === level))),
    h('div', { class: 'chips', role: 'group', 'aria-label': t('holder') },
      link(t('all'), { claimed: undefined }, undefined, held === undefined),
      link(t('unclaimed'), { claimed: 'false' }, undefined, held === 'false'),
      link(t('claimed'), { claimed: 'true' }, undefined, held === 'true')),
    h('form', { method: 'get', action: '/desk', class: 'inline' },
      ...Object.entries(p).filter(([k]) => !['process_key', 'offset'].includes(k)).map(([k, v]) => h('input', { type: 'hidden', name: k, value: v })),
      h('label', { for: 'process_key' }, t('procedure')),
      h('select', { id: 'process_key', name: 'process_key' },
        h('option', { value: '' }, t('all')),
        ...procedures.map(([k, name]) => h('option', { value: k, selected: p.process_key === k }, name))),
      h('button', { type: 'submit' }, t('filter'))));
}

function row(task, refresh) {
  const problem = h('span', { class: 'row-error', role: 'alert' });
  const act = async (path, body) => {
    try {
      const done = await api(`/tasks/${task.id}/${path}`, { method: 'POST', body });
      refresh(`${t(path)}: ${task.dossier_code} · ${task.name || task.element_id}${done.holder ? ` → ${done.holder.name || `#${done.holder.id}`}` : ''}`);
    } catch (e) { problem.textContent = e.message; }
  };
  const assignId = `assign-${task.id}`;
  return h('tr', { 'data-task': task.id, class: task.timeliness || task.dossier_timeliness || '' },
    h('td', {}, h('a', { href: `/desk/dossiers/${encodeURIComponent(task.dossier_code)}` }, task.dossier_code)),
    h('td', {}, h('a', { href: `/desk/tasks/${encodeURIComponent(task.id)}`, class: 'task-link' }, task.name || task.element_id)),
    h('td', { class: 'procedure', title: task.process_key }, task.procedure_name || task.process_key),
    h('td', {}, task.unit || ''),
    h('td', {}, when(task.due_at), ' ', badge(task.timeliness, t(task.timeliness))),
    h('td', {}, when(task.dossier_due_at), ' ', badge(task.dossier_timeliness, t(task.dossier_timeliness))),
    h('td', {}, task.holder ? task.holder.name || `#${task.holder.id}` : t('nobody')),
    h('td', { class: 'actions' },
      task.holder ? h('button', { type: 'button', onclick: () => act('unclaim') }, t('unclaim'))
        : h('button', { type: 'button', class: 'claim', onclick: () => act('claim') }, t('claim')),
      h('form', { class: 'inline assign', onsubmit: (ev) => { ev.preventDefault(); act('assign', { principal_id: Number(ev.target.elements.principal_id.value) }); } },
        h('label', { for: assignId, class: 'sr-only' }, t('officer_id')),
        h('input', { id: assignId, name: 'principal_id', type: 'number', min: 1, required: true, placeholder: t('officer_id'), size: 6, list: 'officers' }),
        h('button', { type: 'submit' }, t('assign'))),
      problem));
}

async function load(notice) {
  const p = params();
  try {
    const [page, n, unfiltered, held] = await Promise.all([
      api(`/tasks?${query({ ...p, limit: PAGE })}`),
      counts(Object.fromEntries(Object.entries(p).filter(([k]) => !['timeliness', 'offset'].includes(k)))),
      api(`/tasks?${query({ limit: PAGE })}`),
      api(`/tasks?${query({ claimed: 'true', limit: PAGE })}`),
    ]);
    // Officers to assign to, as suggestions: those holding tasks here (a head sees the unit's).
    const officers = new Map(held.items.filter((x) => x.holder).map((x) => [x.holder.id, x.holder.name]));
    const datalist = h('datalist', { id: 'officers' }, ...[...officers].map(([oid, name]) => h('option', { value: oid, label: name || `#${oid}` })));
    // The procedures to filter by (by name, else key): those of the most urgent tasks and
    // the one chosen.
    const named = new Map([...unfiltered.items, ...page.items].map((x) => [x.process_key, x.procedure_name || x.process_key]));
    if (p.process_key && !named.has(p.process_key)) named.set(p.process_key, p.process_key);
    const defs = [...named].sort((a, b) => a[1].localeCompare(b[1], 'vi'));
    const offset = Number(p.offset || 0);
    const table = page.items.length ? h('table', { class: 'inbox' },
      h('caption', {}, `${t('total')}: ${page.total}`),
      h('thead', {}, h('tr', {}, ...['dossier', 'task', 'procedure', 'unit', 'due', 'dossier_due', 'holder', 'actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...page.items.map((task) => row(task, load)))) : h('p', { class: 'empty' }, t('none'));
    const pager = page.total > PAGE ? h('nav', { class: 'pager' },
      offset > 0 ? h('a', { href: `/desk?${query({ ...p, offset: Math.max(0, offset - PAGE) })}` }, t('prev')) : '',
      ` ${t('page')} ${offset / PAGE + 1} `,
      offset + PAGE < page.total ? h('a', { href: `/desk?${query({ ...p, offset: offset + PAGE })}` }, t('next')) : '') : '';
    show(h('div', { class: 'title-row' }, h('h1', {}, t('inbox')), h('a', { href: '/desk/new', class: 'button', id: 'new-dossier' }, t('new_dossier'))),
      h('p', { class: notice ? 'ok' : 'sr-only', role: 'status', id: 'notice' }, notice || ''), filters(p, n, defs), table, pager, datalist);
  } catch (e) {
    show(h('h1', {}, t('inbox')), alertBox(e.message));
  }
}

load();
