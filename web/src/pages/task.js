// One task: its dossier, its holder, claim or release, and its form rendered from the
// JSON Schema (form.js); completing it shows the server's field errors beside the fields.
import { api } from '../api.js';
import { alertBox, badge, h, show } from '../dom.js';
import { renderForm } from '../form.js';
import { t, when } from '../i18n.js';

const id = document.getElementById('app').dataset.key;

async function load(notice) {
  let task;
  try {
    task = await api(`/tasks/${encodeURIComponent(id)}`);
  } catch (e) {
    show(h('h1', {}, t('task')), alertBox(e.message));
    return;
  }
  const status = h('div', { class: 'status', role: 'status' }, notice || '');
  const act = async (path) => {
    try { await api(`/tasks/${encodeURIComponent(id)}/${path}`, { method: 'POST' }); load(); } catch (e) { status.replaceChildren(alertBox(e.message)); }
  };
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, t('dossier')), h('dd', {}, h('a', { href: `/desk/dossiers/${encodeURIComponent(task.dossier_code)}`, id: 'dossier-link' }, task.dossier_code)),
    h('dt', {}, t('procedure')), h('dd', { id: 'procedure', title: task.process_key }, task.procedure_name || task.process_key),
    h('dt', {}, t('unit')), h('dd', {}, task.unit || '—'),
    h('dt', {}, t('status')), h('dd', {}, task.status),
    h('dt', {}, t('due')), h('dd', {}, when(task.due_at), ' ', badge(task.timeliness, t(task.timeliness))),
    h('dt', {}, t('dossier_due')), h('dd', {}, when(task.dossier_due_at), ' ', badge(task.dossier_timeliness, t(task.dossier_timeliness))),
    h('dt', {}, t('holder')), h('dd', { id: 'holder' }, task.holder ? task.holder.name || `#${task.holder.id}` : t('nobody')));
  const open = task.status === 'open';
  const buttons = open ? h('p', { class: 'actions' },
    task.holder ? h('button', { type: 'button', id: 'unclaim', onclick: () => act('unclaim') }, t('unclaim'))
      : h('button', { type: 'button', id: 'claim', onclick: () => act('claim') }, t('claim'))) : '';
  let formPart = open ? h('p', {}, t('no_form')) : '';
  if (task.form_schema && open) {
    const form = renderForm(task.form_schema, task.data);
    const submit = h('button', { type: 'submit', id: 'complete' }, t('submit'));
    formPart = h('form', { id: 'task-form', novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      await form.ready;
      if (!form.check()) return;
      submit.disabled = true;
      try {
        await api(`/tasks/${encodeURIComponent(id)}/complete`, { method: 'POST', body: { data: form.value() } });
        show(h('h1', {}, task.name || task.element_id), h('p', { class: 'ok', role: 'status', id: 'done' }, t('saved')),
          h('p', {}, h('a', { href: `/desk/dossiers/${encodeURIComponent(task.dossier_code)}` }, `${t('dossier')} ${task.dossier_code}`)),
          h('p', {}, h('a', { href: '/desk' }, t('inbox'))));
      } catch (e) {
        if (e.errors.length) form.showErrors(e.errors, t('form_errors'));
        else form.showErrors([], e.message);
        submit.disabled = false;
      }
    } }, h('h2', {}, task.form_schema.title || t('form')), form.element, submit);
    // The page shows once its form is drawn (the renderer reads the schema asynchronously).
    try { await form.ready; } catch (e) { formPart = alertBox(`${t('form')}: ${e.message}`); }
  }
  show(h('h1', {}, task.name || task.element_id), status, facts, buttons, formPart);
}

load();
