// The desk's acts on a dossier, as the API offers them to the signed-in officer (the
// dossier's `acts`: supplement, withdraw, stop, apology): each a small form rendered from a
// JSON Schema by form.js, sent after a confirmation (each one is irreversible), the server's
// 422 field errors shown beside the fields. The API decides again when it is sent.
import { api } from './api.js';
import { confirmBox } from './confirm.js';
import { h } from './dom.js';
import { renderForm } from './form.js';
import { pointer } from './form_errors.js';
import { t, when } from './i18n.js';
import './text/desk.js';

const text = (title, max = 2000) => ({ type: 'string', title, minLength: 1, maxLength: max });

// Each act: its form's schema (papers: the procedure's list of documents), the request it
// sends, and what the confirmation says.
const ACTS = {
  supplement: {
    schema: (papers) => ({
      type: 'object', required: ['documents'], properties: {
        documents: {
          type: 'array', title: t('supplement_documents'), minItems: 1, maxItems: 50,
          items: {
            type: 'object', title: t('paper'), required: ['kind', 'name'], properties: {
              kind: papers.length ? { type: 'string', title: t('paper_kind'), enum: papers.map((p) => p.kind), options: { enum_titles: papers.map((p) => p.name || p.kind) } }
                : text(t('paper_kind'), 200),
              name: text(t('paper_name'), 300),
            },
          },
        },
        note: { type: 'string', title: t('note'), maxLength: 2000 },
      },
    }),
    path: 'supplement',
    body: (v) => ({ ...v, channel: 'desk' }),
    sure: () => t('sure_supplement'),
  },
  withdraw: {
    schema: () => ({ type: 'object', required: ['reason'], properties: { reason: text(t('withdraw_reason')) } }),
    path: 'withdraw',
    body: (v) => ({ kind: 'withdrawn', reason: v.reason }),
    sure: () => t('sure_withdraw'),
  },
  stop: {
    schema: () => ({ type: 'object', required: ['reason'], properties: { reason: text(t('stop_reason')) } }),
    path: 'withdraw',
    body: (v) => ({ kind: 'stopped', reason: v.reason }),
    sure: () => t('sure_stop'),
  },
  apology: {
    schema: () => ({
      type: 'object', required: ['reason', 'new_appointment'], properties: {
        reason: text(t('apology_reason')),
        new_appointment: { type: 'string', format: 'date-time', title: t('new_appointment') },
      },
    }),
    path: 'apology',
    body: (v) => v,
    sure: (v) => t('sure_apology', when(v.new_appointment)),
  },
};

async function papersOf(d) {
  if (!d.procedure_code) return [];
  try {
    const p = await api(`/procedures/${encodeURIComponent(d.procedure_code)}`);
    return (p.documents || []).filter((x) => x && x.kind);
  } catch (e) { return []; }
}

function actForm(name, d, papers, done) {
  const act = ACTS[name];
  const form = renderForm(act.schema(papers), {});
  const submit = h('button', { type: 'submit', id: `send-${name}` }, t(`send_${name}`));
  const element = h('form', { id: `act-${name}`, class: 'act', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    await form.ready;
    if (!form.check()) return;
    const value = form.value();
    if (!await confirmBox(act.sure(value), null, t(`send_${name}`))) return;
    submit.disabled = true;
    try {
      await api(`/dossiers/${encodeURIComponent(d.code)}/${act.path}`, { method: 'POST', body: act.body(value) });
      done(t(`done_${name}`));
    } catch (e) {
      const errors = e.errors.map((x) => ({ ...x, field: pointer(x.field) }));
      if (errors.length) form.showErrors(errors, t('form_errors'));
      else form.showErrors([], e.message);
      submit.disabled = false;
    }
  } }, form.element, submit);
  return { element: h('details', { class: 'act', 'data-act': name }, h('summary', {}, t(`act_${name}`)), element), ready: form.ready };
}

// The acts section of dossier `d` (its `acts` as the API answered); `done(notice)` shows the
// dossier again after one succeeded.
export async function actsSection(d, done) {
  const offered = (d.acts || []).filter((name) => ACTS[name]);
  const section = h('section', { 'aria-labelledby': 'acts-title', id: 'acts' }, h('h2', { id: 'acts-title' }, t('acts')));
  if (!offered.length) {
    section.append(h('p', { class: 'muted' }, t('no_acts')));
    return section;
  }
  const papers = offered.includes('supplement') ? await papersOf(d) : [];
  const forms = offered.map((name) => actForm(name, d, papers, done));
  await Promise.all(forms.map((f) => f.ready));
  section.append(...forms.map((f) => f.element));
  return section;
}
