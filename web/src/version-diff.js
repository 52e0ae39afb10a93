// The difference between two versions of a process (GET …/versions/{a}/diff/{b}) made
// readable: one table of elements added, removed and changed (each changed attribute with
// its value before and after), then the forms: files added and removed, and per changed
// form its fields added (marking the required ones), removed, made required or optional.
import { h } from './dom.js';
import { t } from './i18n.js';

const label = (prefix, key) => {
  const word = t(`${prefix}_${key}`);
  return word === `${prefix}_${key}` ? key : word;
};

function value(v) {
  if (v === null || v === undefined || v === '') return h('span', { class: 'muted' }, '—');
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) return h('code', {}, v.join(', ') || '[]');
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length && entries.every(([, x]) => x === null || typeof x !== 'object')) {
      return h('span', { class: 'pairs' }, ...entries.map(([k, x]) => h('span', {}, h('code', {}, k), ': ', h('code', {}, x === null ? '—' : String(x)))));
    }
    return h('code', {}, JSON.stringify(v));
  }
  return h('code', {}, String(v));
}

function elementRow(kind, e) {
  let details = '';
  if (kind === 'changed') {
    details = h('ul', { class: 'changes' }, ...(e.attributes || []).map((a) => {
      const d = (e.details || {})[a] || {};
      return h('li', { 'data-attribute': a }, h('strong', {}, label('at', a)), ': ',
        value(d.from), h('span', { class: 'arrow', 'aria-label': '→' }, ' → '), value(d.to));
    }));
  } else if (e.type === 'SequenceFlow') {
    details = h('span', {}, h('code', {}, e.source || '?'), ' → ', h('code', {}, e.target || '?'),
      e.condition ? h('span', {}, ` · ${label('at', 'condition')}: `, h('code', {}, e.condition)) : '');
  }
  return h('tr', { class: `diff-${kind}`, 'data-element': e.id },
    h('td', {}, h('span', { class: `badge ${kind}` }, t(`ch_${kind}`))),
    h('td', {}, h('code', {}, e.id)),
    h('td', {}, label('ty', e.type)),
    h('td', {}, e.name || ''),
    h('td', {}, details));
}

function fieldList(title, names, marked = []) {
  if (!names || !names.length) return [];
  return [h('dt', {}, title), h('dd', {}, ...names.map((n, i) => h('span', {}, i ? ', ' : '',
    h('code', {}, n), marked.includes(n) ? h('span', { class: 'req' }, ` (${t('required_mark')})`) : '')))];
}

function formsPart(forms) {
  const parts = [];
  if ((forms.added || []).length) parts.push(h('p', {}, `${t('forms_added')}: `, forms.added.map((f) => h('code', { class: 'form-added' }, f, ' '))));
  if ((forms.removed || []).length) parts.push(h('p', {}, `${t('forms_removed')}: `, forms.removed.map((f) => h('code', { class: 'form-removed' }, f, ' '))));
  for (const f of forms.changed || []) {
    parts.push(h('section', { class: 'form-change', 'data-form': f.form },
      h('h4', {}, h('code', {}, f.form)),
      h('dl', { class: 'facts' },
        ...fieldList(t('fields_added'), f.fields_added, f.added_required || []),
        ...fieldList(t('fields_removed'), f.fields_removed),
        ...fieldList(t('made_required'), f.made_required),
        ...fieldList(t('made_optional'), f.made_optional),
        ...((f.fields_changed || []).length ? [h('dt', {}, t('fields_changed')), h('dd', {},
          ...f.fields_changed.map((c, i) => h('span', {}, i ? '; ' : '', h('code', {}, c.field), ` (${(c.attributes || []).join(', ')})`)))] : []))));
  }
  return parts;
}

export function renderDiff(diff) {
  const forms = diff.forms || { added: [], removed: [], changed: [] };
  const formCount = (forms.added || []).length + (forms.removed || []).length + (forms.changed || []).length;
  const rows = [
    ...(diff.added || []).map((e) => elementRow('added', e)),
    ...(diff.removed || []).map((e) => elementRow('removed', e)),
    ...(diff.changed || []).map((e) => elementRow('changed', e)),
  ];
  const title = h('h3', { tabindex: '-1' }, t('diff_title', diff.key, diff.base, diff.other));
  if (!rows.length && !formCount) {
    return h('section', { class: 'diff', id: 'diff' }, title, h('p', { class: 'ok', id: 'diff-same' }, t('diff_same')));
  }
  return h('section', { class: 'diff', id: 'diff' }, title,
    h('p', { id: 'diff-summary' }, t('diff_summary', (diff.added || []).length, (diff.removed || []).length, (diff.changed || []).length, formCount)),
    rows.length ? h('table', { class: 'diff-elements' },
      h('caption', {}, t('elements')),
      h('thead', {}, h('tr', {}, ...['change', 'element', 'type', 'name', 'details'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...rows)) : '',
    formCount ? h('div', { class: 'diff-forms' }, h('h4', {}, t('forms')), ...formsPart(forms)) : '');
}
