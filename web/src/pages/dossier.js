// A dossier: its current steps, its statutory clock (due, paused, how long paused), its
// documents (receipt, notices) as PDF links, and its diagram with the steps it passed and
// the current ones marked (loaded after the rest: the page is usable before it arrives).
import { api } from '../api.js';
import { alertBox, badge, h, show } from '../dom.js';
import { t, when } from '../i18n.js';

const code = document.getElementById('app').dataset.key;

async function load() {
  let d; let docs;
  try {
    [d, docs] = await Promise.all([
      api(`/dossiers/${encodeURIComponent(code)}`),
      api(`/dossiers/${encodeURIComponent(code)}/documents`).catch(() => null),
    ]);
  } catch (e) {
    show(h('h1', {}, `${t('dossier')} ${code}`), alertBox(e.message));
    return;
  }
  const produced = docs ? (docs.items || docs.produced || docs.documents || []) : [];
  const clock = h('section', { 'aria-labelledby': 'clock' }, h('h2', { id: 'clock' }, t('clock')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('status')), h('dd', {}, d.status, ' ', badge(d.timeliness, t(d.timeliness))),
      h('dt', {}, t('received_at')), h('dd', {}, when(d.received_at)),
      h('dt', {}, t('due_at')), h('dd', { id: 'due' }, when(d.due_at)),
      h('dt', {}, t('paused')), h('dd', {}, d.paused ? t('yes') : t('no')),
      h('dt', {}, t('paused_hours')), h('dd', {}, String(d.paused_hours ?? 0)),
      ...(d.remaining_working_hours !== undefined && d.remaining_working_hours !== null
        ? [h('dt', {}, t('remaining')), h('dd', {}, t('hours_left', d.remaining_working_hours))] : [])));
  const steps = h('section', { 'aria-labelledby': 'steps' }, h('h2', { id: 'steps' }, t('current_steps')),
    (d.current_steps || []).length ? h('ul', {}, ...d.current_steps.map((s) => h('li', {},
      h('a', { href: `/desk/tasks/${encodeURIComponent(s.task_id)}` }, s.name || s.element_id),
      ` · ${s.unit || ''} · ${s.position || ''} · ${t('due')}: ${when(s.due_at)}`))) : h('p', {}, '—'));
  const documents = h('section', { 'aria-labelledby': 'docs' }, h('h2', { id: 'docs' }, t('documents')),
    produced.length ? h('table', { class: 'documents' },
      h('thead', {}, h('tr', {}, ...['kind', 'form', 'created'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...produced.map((doc) => h('tr', {},
        h('td', {}, h('a', { href: `/api/v1/dossiers/${encodeURIComponent(code)}/documents/${doc.id}`, target: '_blank', rel: 'noopener', 'data-kind': doc.kind, type: doc.content_type }, `${doc.kind} · ${doc.file_name}`)),
        h('td', {}, doc.form || ''), h('td', {}, when(doc.created_at)))))) : h('p', {}, '—'));
  const who = d.applicant ? h('p', {}, `${t('applicant')}: ${d.applicant.name || ''}`) : '';
  const drawing = h('div', { id: 'diagram' });
  show(h('h1', {}, `${t('dossier')} ${d.code}`), h('p', {}, d.process_key), who, clock, steps, drawing,
    documents);
  showDiagram(d, drawing);
}

// The steps the record says ran, counted (history pages of 1000), for the diagram's marks.
async function passed() {
  const counts = {};
  let after = 0;
  while (after !== null) {
    const page = await api(`/dossiers/${encodeURIComponent(code)}/history?after_seq=${after}&limit=1000`);
    for (const e of page.items) {
      if (e.kind === 'step.completed' && e.element_id) counts[e.element_id] = (counts[e.element_id] || 0) + 1;
    }
    after = page.next_after_seq;
  }
  return counts;
}

async function showDiagram(d, box) {
  if (!d.process_version) return;
  const [{ processDiagram }, completed] = await Promise.all([import('../diagram.js'), passed().catch(() => ({}))]);
  const view = processDiagram(d.process_key, d.process_version);
  box.replaceChildren(view.section);
  view.mark({ completed, active: (d.current_steps || []).map((s) => s.element_id) });
}

load();
