// The designer's home: the province's procedures, and each process with its versions
// (state, deployment, forms, the record of states); a version may be activated or retired
// (after a confirmation), opened in the modeller, downloaded, and two versions compared.
import { api } from '../api.js';
import { confirmBox } from '../confirm.js';
import { alertBox, h, show } from '../dom.js';
import { t, when, words } from '../i18n.js';
import TEXT from '../text/versions.js';
import { renderDiff } from '../version-diff.js';

words(TEXT);

const enc = encodeURIComponent;
const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'notice', tabindex: '-1' });

function problemText(e) {
  const head = e.status === 403 ? t('forbidden') : t('failed');
  return `${head} ${t('server_says')}: ${e.message}`;
}

function byProcess(versions) {
  const groups = new Map();
  for (const v of versions) {
    if (!groups.has(v.key)) groups.set(v.key, []);
    groups.get(v.key).push(v);
  }
  for (const list of groups.values()) list.sort((a, b) => b.version - a.version);
  return groups;
}

const deployment = (v) => (v.transitions || []).find((x) => x.from_status === null) || (v.transitions || [])[0];

function procedureTable(procedures, groups) {
  if (!procedures.length) return h('p', { class: 'muted' }, t('no_procedures'));
  return h('table', { id: 'procedures' },
    h('thead', {}, h('tr', {}, ...['code', 'name', 'sector', 'level', 'process', 'active_version'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, ...procedures.map((p) => {
      const active = (groups.get(p.process_key) || []).find((v) => v.status === 'active');
      return h('tr', { 'data-procedure': p.code },
        h('td', {}, h('code', {}, p.code)), h('td', {}, p.name), h('td', {}, p.sector || '—'),
        h('td', {}, p.level || '—'),
        h('td', {}, groups.has(p.process_key) ? h('a', { href: `#process-${p.process_key}` }, p.process_key) : h('code', {}, p.process_key)),
        h('td', {}, active ? String(active.version) : h('span', { class: 'badge retired' }, t('none_active'))));
    })));
}

async function change(v, action, list) {
  const active = list.find((x) => x.status === 'active');
  const ok = action === 'activate'
    ? await confirmBox(t('confirm_activate', v.key, v.version, active && active.version !== v.version ? active.version : null), null, t('activate'))
    : await confirmBox(`${t('confirm_retire', v.key, v.version)}${v.running ? ` ${t('running_continue', v.running)}` : ''}`,
      v.status === 'active' ? t('confirm_retire_active') : null, t('retire'));
  if (!ok) return;
  try {
    await api(`/process-definitions/${enc(v.key)}/versions/${v.version}/${action}`, { method: 'POST' });
    await load(h('p', { class: 'ok' }, t(action === 'activate' ? 'activated' : 'retired', v.key, v.version)), v.key);
    status.focus();
  } catch (e) {
    status.replaceChildren(alertBox(problemText(e)));
    status.focus();
  }
}

function transitions(v) {
  return h('details', { class: 'history' }, h('summary', {}, t('history')),
    h('ol', {}, ...(v.transitions || []).map((x) => h('li', {},
      `${when(x.at)} · ${x.from_status ? t(`st_${x.from_status}`) : '∅'} → ${t(`st_${x.to_status}`)} · ${x.by_name || t('by_system')}`,
      x.reason ? ` · ${t('reason')}: ${x.reason}` : ''))));
}

function versionRow(v, list) {
  const base = `/process-definitions/${enc(v.key)}/versions/${v.version}`;
  const dep = deployment(v);
  const buttons = [];
  if (v.status !== 'active') buttons.push(h('button', { type: 'button', class: 'activate', onclick: () => change(v, 'activate', list) }, t('activate')));
  if (v.status !== 'retired') buttons.push(h('button', { type: 'button', class: 'retire', onclick: () => change(v, 'retire', list) }, t('retire')));
  return h('tr', { 'data-version': v.version, class: `st-${v.status}` },
    h('th', { scope: 'row' }, String(v.version)),
    h('td', {}, h('span', { class: `badge ${v.status}`, 'data-status': v.status }, t(`st_${v.status}`))),
    h('td', {}, when(v.deployed_at)),
    h('td', {}, dep ? dep.by_name || t('by_system') : '—'),
    h('td', { class: 'num', 'data-running': v.running }, String(v.running ?? '—')),
    h('td', {}, ...(v.forms || []).map((f) => h('a', { class: 'form-link', href: `/design/forms?key=${enc(v.key)}&version=${v.version}&form=${enc(f)}` }, f))),
    h('td', {}, h('div', { class: 'row-actions' },
      h('a', { href: `/design/modeller?key=${enc(v.key)}&version=${v.version}`, class: 'modeller' }, t('open_modeller')),
      h('a', { href: `/api/v1${base}/bpmn`, download: `${v.key}-v${v.version}.bpmn`, class: 'download' }, t('download_bpmn')),
      ...buttons)),
    h('td', {}, transitions(v)));
}

function compareForm(key, list) {
  if (list.length < 2) return '';
  const pick = (name, chosen) => h('select', { name, id: `${name}-${key}` },
    ...list.map((v) => h('option', { value: v.version, selected: v.version === chosen }, `${v.version} (${t(`st_${v.status}`)})`)));
  const from = pick('base', list[1].version);
  const to = pick('other', list[0].version);
  const out = h('div', { class: 'diff-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'inline compare', 'data-key': key, onsubmit: async (ev) => {
    ev.preventDefault();
    if (from.value === to.value) { out.replaceChildren(alertBox(t('same_version'))); return; }
    try {
      const diff = await api(`/process-definitions/${enc(key)}/versions/${from.value}/diff/${to.value}`);
      out.replaceChildren(renderDiff(diff));
      out.querySelector('h3').focus({ preventScroll: true });
      out.scrollIntoView({ block: 'start', behavior: 'instant' });
    } catch (e) { out.replaceChildren(alertBox(problemText(e))); }
  } },
  h('label', { for: from.id }, t('compare_from')), from,
  h('label', { for: to.id }, t('compare_to')), to,
  h('button', { type: 'submit' }, t('compare')));
  return h('div', {}, form, out);
}

function processSection(key, list) {
  const name = list[0].name || key;
  return h('section', { class: 'process card', id: `process-${key}`, 'data-key': key },
    h('h3', {}, name, ' ', h('code', { class: 'muted' }, key)),
    h('table', { class: 'versions' },
      h('thead', {}, h('tr', {}, ...['version', 'status', 'deployed_at', 'deployed_by', 'running', 'forms', 'actions', 'history'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...list.map((v) => versionRow(v, list)))),
    compareForm(key, list));
}

async function load(notice, focusKey) {
  let procedures; let versions;
  try {
    [procedures, versions] = await Promise.all([api('/procedures'), api('/process-definitions')]);
  } catch (e) {
    show(h('h1', {}, t('design_versions')), alertBox(problemText(e)));
    return;
  }
  const groups = byProcess(versions);
  status.replaceChildren(notice || '');
  show(h('h1', {}, t('design_versions')), status,
    h('p', {}, h('a', { href: '/design/modeller', id: 'new-process' }, t('new_version'))),
    h('h2', {}, t('procedures')), procedureTable(procedures, groups),
    h('h2', {}, t('processes')),
    groups.size ? h('div', { class: 'processes' }, ...[...groups].map(([key, list]) => processSection(key, list)))
      : h('p', { class: 'muted' }, t('no_processes')));
  const target = focusKey || (location.hash.startsWith('#process-') ? decodeURIComponent(location.hash.slice(9)) : null);
  if (target) {
    const section = document.getElementById(`process-${target}`);
    if (section) section.scrollIntoView({ block: 'nearest' });
  }
}

load();
