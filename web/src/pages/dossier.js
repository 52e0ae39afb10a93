// A dossier: its current steps, its statutory clock (due, paused, how long paused, the
// working time left), the desk's acts the officer may perform on it, its documents (receipt,
// notices) as PDF links, and its diagram with the steps it passed and the current ones
// marked (loaded after the rest: the page is usable before it arrives).
import { api } from '../api.js';
import { alertBox, badge, h, show } from '../dom.js';
import { actsSection } from '../dossier_acts.js';
import { t, when } from '../i18n.js';
import '../text/desk.js';

const code = document.getElementById('app').dataset.key;

// Working hours as working days (8 hours each), hours and minutes.
function working(hours) {
  const minutes = Math.round(Math.abs(hours) * 60);
  return t('working', Math.floor(minutes / 480), Math.floor((minutes % 480) / 60), minutes % 60);
}

// An issued document's kind in the page's language (a paper's kind is the procedure's own).
const kindName = (kind) => (t(`doc_${kind}`) === `doc_${kind}` ? kind : t(`doc_${kind}`));

function remaining(d) {
  const left = d.remaining_working_hours;
  if (left === undefined || left === null) return '—';
  if (d.paused) return t('paused_left', working(left));
  return left < 0 ? t('past_due', working(left)) : working(left);
}

async function load(notice) {
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
      h('dt', {}, t('status')), h('dd', { id: 'status' }, t(`st_${d.status}`), ' ', badge(d.timeliness, t(d.timeliness))),
      h('dt', {}, t('received_at')), h('dd', {}, when(d.received_at)),
      h('dt', {}, t('due_at')), h('dd', { id: 'due' }, when(d.due_at)),
      ...(d.new_appointment_at ? [h('dt', {}, t('new_appointment_at')), h('dd', { id: 'new-appointment' }, when(d.new_appointment_at))] : []),
      h('dt', {}, t('remaining')), h('dd', { id: 'remaining', class: d.remaining_working_hours < 0 ? 'late' : undefined }, remaining(d)),
      h('dt', {}, t('paused')), h('dd', { id: 'paused' }, d.paused ? t('yes') : t('no')),
      h('dt', {}, t('paused_hours')), h('dd', {}, String(d.paused_hours ?? 0))));
  const steps = h('section', { 'aria-labelledby': 'steps' }, h('h2', { id: 'steps' }, t('current_steps')),
    (d.current_steps || []).length ? h('ul', {}, ...d.current_steps.map((s) => h('li', {},
      h('a', { href: `/desk/tasks/${encodeURIComponent(s.task_id)}` }, s.name || s.element_id),
      ` · ${s.unit || ''} · ${s.position || ''} · ${t('due')}: ${when(s.due_at)}`))) : h('p', {}, '—'));
  const documents = h('section', { 'aria-labelledby': 'docs' }, h('h2', { id: 'docs' }, t('documents')),
    produced.length ? h('table', { class: 'documents' },
      h('thead', {}, h('tr', {}, ...['kind', 'form', 'created'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...produced.map((doc) => h('tr', {},
        h('td', {}, h('a', { href: `/api/v1/dossiers/${encodeURIComponent(code)}/documents/${doc.id}`, target: '_blank', rel: 'noopener', 'data-kind': doc.kind, type: doc.content_type }, `${kindName(doc.kind)} · ${doc.file_name}`)),
        h('td', {}, doc.form || ''), h('td', {}, when(doc.created_at)))))) : h('p', {}, '—'));
  const who = d.applicant ? h('p', {}, `${t('applicant')}: ${d.applicant.name || ''}`) : '';
  const drawing = h('div', { id: 'diagram' });
  if (notice === RECEIVED) notice = received(d, produced);
  const status = h('p', { class: notice ? 'ok' : 'sr-only', role: 'status', id: 'notice' }, notice || '');
  const acts = await actsSection(d, (done) => load(done)).catch((e) => alertBox(e.message));
  show(h('h1', {}, `${t('dossier')} ${d.code}`), status, h('p', {}, d.procedure_name || d.process_key), who, clock, acts,
    steps, documents, drawing);
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

// Arriving from the intake page: the dossier was just made. Its receipt (form 01) is issued
// where its clock starts: at once, or when the reception step accepts it (linked here).
const RECEIVED = Symbol('received');
function received(d, produced) {
  if (produced.some((doc) => doc.kind === 'receipt')) return t('received_notice');
  const next = (d.current_steps || [])[0];
  return [t('made_notice'), ' ', next ? h('a', { href: `/desk/tasks/${encodeURIComponent(next.task_id)}`, id: 'next-step' }, next.name || next.element_id) : ''];
}

load(new URLSearchParams(location.search).has('received') ? RECEIVED : undefined);
