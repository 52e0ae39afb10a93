// Reception at the desk: the officer chooses a procedure in force, fills the applicant and
// the procedure's start form (rendered from the JSON Schema intake checks, form.js), the
// receiving unit (when they have several) and the handling unit (when another unit
// decides), attaches the papers brought, and receives the dossier (channel desk). The
// server's 422 field errors are shown beside the fields; on success the dossier's page
// opens, its receipt (form 01) among its documents.
import { api, apiForm } from '../api.js';
import { alertBox, h, show } from '../dom.js';
import { renderForm } from '../form.js';
import { pointer } from '../form_errors.js';
import { t } from '../i18n.js';
import '../text/desk.js';

const app = document.getElementById('app');
const myUnits = (app.dataset.units || '').split(' ').filter(Boolean);
// One key for this visit: a request sent again after a lost answer gets the same dossier.
const key = `desk-${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

// Without a start form, intake takes any data: the applicant is asked for here.
const APPLICANT_ONLY = () => ({
  type: 'object', required: ['applicant'], properties: {
    applicant: {
      type: 'object', title: t('applicant'), required: ['name'], properties: {
        name: { type: 'string', title: t('applicant_name'), minLength: 1, maxLength: 200 },
        id_number: { type: 'string', title: t('applicant_id'), pattern: '^[0-9]{12}$' },
        address: { type: 'string', title: t('applicant_address'), maxLength: 500 },
        phone: { type: 'string', title: t('applicant_phone'), maxLength: 20 },
      },
    },
  },
});

// The start form with the units to choose beside it (they are the request's, not the
// form's: the server checks the form against {applicant, data} only).
function pageSchema(start, units) {
  const schema = JSON.parse(JSON.stringify(start || APPLICANT_ONLY()));
  const extra = {};
  if (myUnits.length > 1) extra.unit = { type: 'string', title: t('receiving_unit'), enum: myUnits };
  const others = units.filter((u) => !myUnits.includes(u.code));
  if (others.length) {
    extra.handling_unit = {
      type: 'string', title: t('handling_unit'), enum: others.map((u) => u.code),
      options: { enum_titles: others.map((u) => `${u.name || u.code} (${u.code})`) },
    };
  }
  const props = schema.properties || {};
  // The parts of the request the start form may leave untitled, named for the officer.
  for (const [part, title] of [['applicant', t('applicant')], ['data', t('dossier_data')]]) {
    if (props[part] && typeof props[part] === 'object' && !props[part].title) props[part] = { ...props[part], title };
  }
  schema.properties = { ...extra, ...props };
  schema.required = [...(schema.required || []), ...(extra.unit ? ['unit'] : [])];
  return schema;
}

function papersPart(procedure) {
  const kinds = (procedure && procedure.documents || []).filter((d) => d && d.kind);
  if (procedure && procedure.other_documents) kinds.push({ kind: 'other', name: t('other_paper') });
  if (!kinds.length) return null;
  return h('fieldset', { class: 'papers', id: 'papers' }, h('legend', {}, t('papers')),
    ...kinds.map((d, i) => h('div', { class: 'field' },
      h('label', { for: `paper-${i}` }, d.name || d.kind),
      h('input', { type: 'file', id: `paper-${i}`, name: `file.${d.kind}`, multiple: true }))));
}

async function chosen(option, units, box) {
  box.replaceChildren();
  if (!option) return;
  const { def, procedure } = option;
  let forms;
  try {
    forms = await api(`/process-definitions/${encodeURIComponent(def.key)}/versions/${def.version}/forms`);
  } catch (e) { box.replaceChildren(alertBox(e.message)); return; }
  const start = forms.start_form ? forms.forms[forms.start_form] : null;
  const form = renderForm(pageSchema(start, units), {});
  const papers = papersPart(procedure);
  const submit = h('button', { type: 'submit', id: 'receive' }, t('receive'));
  const element = h('form', { id: 'intake-form', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    await form.ready;
    if (!form.check()) return;
    const { unit, handling_unit: handling, applicant, data } = form.value();
    const body = { process_key: def.key, channel: 'desk', applicant: applicant || {}, data: data || {},
      ...(unit ? { unit } : {}), ...(handling ? { handling_unit: handling } : {}) };
    const files = papers ? [...papers.querySelectorAll('input[type=file]')].flatMap((input) => [...input.files].map((f) => [input.name, f])) : [];
    submit.disabled = true;
    try {
      let made;
      if (files.length) {
        const sent = new FormData();
        sent.append('dossier', JSON.stringify(body));
        for (const [name, file] of files) sent.append(name, file, file.name);
        made = (await apiForm('/dossiers', sent, { 'Idempotency-Key': key })).data;
      } else {
        made = await api('/dossiers', { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      }
      location.assign(`/desk/dossiers/${encodeURIComponent(made.code)}?received=1`);
    } catch (e) {
      const errors = e.errors.map((x) => ({ ...x, field: pointer(x.field, 'dossier') }));
      form.showErrors(errors, errors.length ? t('form_errors') : e.message);
      submit.disabled = false;
    }
  } }, h('h2', {}, (start && start.title) || (procedure && procedure.name) || def.name), form.element, papers, submit);
  try { await form.ready; } catch (e) { box.replaceChildren(alertBox(`${t('form')}: ${e.message}`)); return; }
  box.replaceChildren(element);
}

async function load() {
  let procedures; let defs; let units;
  try {
    [procedures, defs, units] = await Promise.all([
      api('/procedures'), api('/process-definitions'),
      api('/units?registered=true&limit=500').then((p) => p.items).catch(() => []),
    ]);
  } catch (e) {
    show(h('h1', {}, t('new_dossier')), alertBox(e.message));
    return;
  }
  // The procedures in force: those whose process has an active version (by name; a process
  // without a procedure by its diagram's name).
  const active = new Map(defs.filter((d) => d.status === 'active').map((d) => [d.key, d]));
  const options = [];
  for (const p of procedures) if (active.has(p.process_key)) options.push({ def: active.get(p.process_key), procedure: p, name: p.name });
  for (const d of active.values()) if (!procedures.some((p) => p.process_key === d.key)) options.push({ def: d, procedure: null, name: d.name || d.key });
  options.sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  if (!options.length) { show(h('h1', {}, t('new_dossier')), h('p', {}, t('no_procedures'))); return; }
  const box = h('div', { id: 'intake' });
  const select = h('select', { id: 'procedure', onchange: () => chosen(select.value === '' ? null : options[Number(select.value)], units, box) },
    h('option', { value: '' }, t('choose')),
    ...options.map((o, i) => h('option', { value: i }, o.name)));
  show(h('h1', {}, t('new_dossier')),
    h('div', { class: 'field' }, h('label', { for: 'procedure' }, t('choose_procedure')), select), box);
  select.focus();
}

load();
