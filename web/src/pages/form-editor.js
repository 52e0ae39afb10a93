// The form editor: a JSON Schema as text beside the form it renders (web/src/form.js, the
// very renderer of the task page: @json-editor/json-editor), redrawn as the designer types. JSON syntax errors are
// shown with their line and column, likely schema mistakes with their JSON pointer, and the
// server checks the form as a deployment would: with the diagram and the other forms of
// the version it came from, or as the form of a one-step diagram made for the check.
import { api, apiForm, diagramXml, Problem } from '../api.js';
import { confirmBox } from '../confirm.js';
import { alertBox, h, show } from '../dom.js';
import { renderForm } from '../form.js';
import { lang, t, words } from '../i18n.js';
import { lineColumn, scanJson, schemaProblems } from '../schema-check.js';
import TEXT from '../text/versions.js';

words(TEXT);

const enc = encodeURIComponent;
const BLANK = lang === 'vi'
  ? { title: 'Biểu mẫu mới', type: 'object', required: ['ho_ten'], properties: { ho_ten: { type: 'string', title: 'Họ và tên', maxLength: 200 } } }
  : { title: 'A new form', type: 'object', required: ['full_name'], properties: { full_name: { type: 'string', title: 'Full name', maxLength: 200 } } };

const state = { key: null, version: null, forms: {}, saved: '', form: null };

const area = h('textarea', { id: 'schema', rows: 16, spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', 'aria-describedby': 'schema-status cursor', class: 'code' });
const fileName = h('input', { type: 'text', id: 'file-name', value: 'new-form.json', maxlength: 200, autocomplete: 'off' });
const picker = h('select', { id: 'open-form' });
const cursor = h('p', { id: 'cursor', class: 'muted', 'aria-live': 'off' });
const schemaStatus = h('div', { id: 'schema-status', 'aria-live': 'polite' });
const serverResult = h('div', { id: 'server-result', 'aria-live': 'polite' });
const preview = h('div', { id: 'preview' });
const previewData = h('pre', { id: 'preview-data', class: 'code', hidden: true });
const notice = h('div', { class: 'status', role: 'status', id: 'notice', tabindex: '-1' });

function showCursor() {
  const { line, column } = lineColumn(area.value, area.selectionStart);
  cursor.textContent = `${t('cursor')}: ${t('line_col', line, column)}`;
}

function goTo(offset) {
  area.focus();
  area.setSelectionRange(offset, Math.min(offset + 1, area.value.length));
  // Bring the caret's line into view: the textarea scrolls by lines of its own height.
  const lines = area.value.slice(0, offset).split('\n').length;
  const lineHeight = area.scrollHeight / Math.max(1, area.value.split('\n').length);
  area.scrollTop = Math.max(0, (lines - 3) * lineHeight);
  showCursor();
}

// Redraw the preview from the text: keep what was typed into the preview where it fits.
function render() {
  serverResult.replaceChildren();
  const text = area.value;
  const { error: bad, duplicates } = scanJson(text);
  if (bad) {
    area.setAttribute('aria-invalid', 'true');
    preview.classList.add('stale');
    schemaStatus.replaceChildren(h('p', { class: 'alert', id: 'json-error' },
      t('json_error', bad.line, bad.column, t(bad.code, ...bad.args)), ' ',
      h('button', { type: 'button', class: 'link', id: 'go-to-error', onclick: () => goTo(bad.offset) }, t('go_to_error'))));
    return;
  }
  area.removeAttribute('aria-invalid');
  const schema = JSON.parse(text);
  const problems = schemaProblems(schema);
  const twice = duplicates.map((d) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => goTo(d.offset) },
    t('line_col', d.line, d.column)), ': ', t('duplicate_key', d.key)));
  schemaStatus.replaceChildren(problems.length || twice.length
    ? h('div', { class: 'alert', id: 'schema-problems' }, h('p', {}, t('schema_problems')),
      h('ul', {}, ...twice, ...problems.map((p) => h('li', {}, h('code', {}, p.pointer), ': ', t(p.code, ...p.args)))))
    : h('p', { class: 'ok', id: 'json-ok' }, t('schema_ok')));
  if (problems.some((p) => p.code === 'sp_not_object')) { preview.replaceChildren(); return; }
  let data = {};
  try { if (state.form) data = state.form.value(); } catch (e) { data = {}; }
  const failed = (e) => {
    preview.classList.add('stale');
    schemaStatus.append(alertBox(`${t('preview_failed')} ${e.message}`));
  };
  try {
    if (state.form) state.form.destroy();
    const form = renderForm(schema, data);
    state.form = form;
    form.ready.catch(failed);
    preview.classList.remove('stale');
    preview.replaceChildren(
      h('h3', {}, schema.title || fileName.value),
      Object.keys(schema.properties || {}).length ? form.element : h('p', { class: 'muted' }, t('no_fields')));
    previewData.hidden = true;
  } catch (e) {
    failed(e);
  }
}

let timer = null;
area.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(render, 200); showCursor(); });
for (const ev of ['keyup', 'click', 'select']) area.addEventListener(ev, showCursor);

async function tryForm() {
  if (!state.form) return;
  try { await state.form.ready; } catch (e) { return; }
  const ok = state.form.check();
  previewData.textContent = JSON.stringify(state.form.value(), null, 2);
  previewData.hidden = false;
  serverResult.replaceChildren(h('p', { class: ok ? 'ok' : 'alert', id: 'try-result' }, t(ok ? 'try_ok' : 'try_bad')));
}

// --- the server's check ------------------------------------------------------------------

const xmlAttr = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const oneStep = (name) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="form_check_definitions" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="form_check" name="Form check" isExecutable="true">
<bpmn:startEvent id="start"><bpmn:outgoing>to_step</bpmn:outgoing></bpmn:startEvent>
<bpmn:sequenceFlow id="to_step" sourceRef="start" targetRef="step"/>
<bpmn:userTask id="step" name="Step"><bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" value="${xmlAttr(name)}"/></spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>to_step</bpmn:incoming><bpmn:outgoing>to_end</bpmn:outgoing></bpmn:userTask>
<bpmn:sequenceFlow id="to_end" sourceRef="step" targetRef="end"/>
<bpmn:endEvent id="end"><bpmn:incoming>to_end</bpmn:incoming></bpmn:endEvent>
</bpmn:process></bpmn:definitions>`;

async function checkOnServer(button) {
  const name = fileName.value.trim() || 'form.json';
  const body = new FormData();
  let note;
  button.disabled = true;
  serverResult.replaceChildren(h('p', { class: 'muted' }, t('checking')));
  try {
    if (state.key) {
      body.append('bpmn', new Blob([await diagramXml(state.key, state.version)], { type: 'application/xml' }), `${state.key}.bpmn`);
      for (const [other, schema] of Object.entries(state.forms)) {
        if (other !== name) body.append('forms', new Blob([JSON.stringify(schema)], { type: 'application/json' }), other);
      }
      note = t('check_with', state.key, state.version);
    } else {
      body.append('bpmn', new Blob([oneStep(name)], { type: 'application/xml' }), 'form-check.bpmn');
      note = t('check_alone');
    }
    body.append('forms', new Blob([area.value], { type: 'application/json' }), name);
    const { data: found } = await apiForm('/process-definitions/validate', body);
    const steps = state.key ? (found.user_tasks || []).filter((x) => x.form === name) : [];
    serverResult.replaceChildren(h('p', { class: 'ok', id: 'server-ok' }, t('server_ok')),
      steps.length ? h('p', { id: 'used-by' }, `${t('used_by')}: `, ...steps.map((x, i) => h('span', {}, i ? ', ' : '',
        `${x.name || x.element_id} (`, h('code', {}, x.element_id), x.position ? ` · ${x.position}` : '', ')'))) : '',
      h('p', { class: 'muted' }, note));
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    const mine = e.errors.filter((x) => x.element === name || x.field === name);
    const others = e.errors.filter((x) => !mine.includes(x));
    serverResult.replaceChildren(h('div', { class: 'alert', id: 'server-problems' },
      h('p', {}, e.status === 403 ? `${t('forbidden')} ${t('server_says')}: ${e.message}` : t('server_problems')),
      mine.length ? h('ul', {}, ...mine.map((x) => h('li', {}, x.message))) : (e.errors.length ? '' : h('p', {}, e.message)),
      others.length && state.key ? [h('p', {}, t('server_other')), h('ul', {}, ...others.map((x) => h('li', {}, h('code', {}, x.element || x.field || '?'), ': ', x.message)))] : ''),
    h('p', { class: 'muted' }, note));
  } finally {
    button.disabled = false;
    serverResult.scrollIntoView({ block: 'nearest' });
  }
}

function download() {
  state.saved = area.value;
  const link = h('a', { href: URL.createObjectURL(new Blob([area.value], { type: 'application/json' })), download: fileName.value.trim() || 'form.json' });
  document.body.append(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
}

// --- opening a form -----------------------------------------------------------------------

function setText(text) {
  area.value = text;
  area.setSelectionRange(0, 0);
  state.saved = text;
  if (state.form) state.form.destroy();
  state.form = null;
  render();
  showCursor();
}

async function open(choice) {
  if (area.value !== state.saved && !(await confirmBox(t('discard_changes')))) {
    picker.value = state.key ? `${state.key}|${state.version}|${fileName.value}` : '';
    return;
  }
  if (!choice) {
    Object.assign(state, { key: null, version: null, forms: {} });
    fileName.value = 'new-form.json';
    setText(JSON.stringify(BLANK, null, 2));
    history.replaceState(null, '', '/design/forms');
    notice.replaceChildren();
    return;
  }
  const [key, version, name] = choice.split('|');
  try {
    const found = await api(`/process-definitions/${enc(key)}/versions/${enc(version)}/forms`);
    if (!(name in found.forms)) throw new Error(`${name}: ${t('not_in_version')}`);
    Object.assign(state, { key, version: Number(version), forms: found.forms });
    fileName.value = name;
    setText(JSON.stringify(found.forms[name], null, 2));
    history.replaceState(null, '', `/design/forms?key=${enc(key)}&version=${enc(version)}&form=${enc(name)}`);
    notice.replaceChildren(h('p', { class: 'muted' }, t('loaded', name, key, version)));
  } catch (e) {
    notice.replaceChildren(alertBox(e.status === 403 ? `${t('forbidden')} ${t('server_says')}: ${e.message}` : e.message));
  }
}

async function start() {
  let versions = [];
  try { versions = await api('/process-definitions'); } catch (e) { notice.replaceChildren(alertBox(e.message)); }
  versions.sort((a, b) => a.key.localeCompare(b.key) || b.version - a.version);
  picker.append(h('option', { value: '' }, t('blank_form')),
    ...versions.filter((v) => (v.forms || []).length).map((v) => h('optgroup', { label: `${v.name || v.key} · ${v.key} · ${t('version')} ${v.version} (${t(`st_${v.status}`)})` },
      ...v.forms.map((f) => h('option', { value: `${v.key}|${v.version}|${f}` }, `${f} (${v.key} · ${t('version')} ${v.version})`)))));
  picker.addEventListener('change', () => open(picker.value));
  const check = h('button', { type: 'button', id: 'check-server', onclick: (ev) => checkOnServer(ev.currentTarget) }, t('check_server'));
  show(h('h1', {}, t('form_editor')), notice,
    h('div', { class: 'open-form' },
      h('div', {}, h('label', { for: 'open-form' }, t('open_form')), picker),
      h('div', {}, h('label', { for: 'file-name' }, t('file_name')), fileName)),
    h('div', { class: 'editor-grid' },
      h('section', { class: 'editor', 'aria-label': t('schema_text') },
        h('label', { for: 'schema' }, t('schema_text')), area, cursor, schemaStatus,
        h('p', { class: 'buttons' }, check, ' ',
          h('button', { type: 'button', class: 'secondary', id: 'download-form', onclick: download }, t('download_form'))),
        serverResult),
      h('section', { class: 'preview', 'aria-labelledby': 'preview-title' },
        h('h2', { id: 'preview-title' }, t('preview')), h('p', { class: 'help' }, t('preview_help')),
        h('form', { id: 'preview-form', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); tryForm(); } },
          preview, h('button', { type: 'submit', id: 'try-form', class: 'secondary' }, t('try_form'))),
        h('h3', { class: 'sr-only' }, t('data_given')), previewData)));
  const q = new URLSearchParams(location.search);
  setText(JSON.stringify(BLANK, null, 2));
  if (q.get('key') && q.get('version') && q.get('form')) {
    const choice = `${q.get('key')}|${q.get('version')}|${q.get('form')}`;
    picker.value = choice;
    await open(choice);
  }
}

// Leaving with changes not downloaded is asked about first.
window.addEventListener('beforeunload', (ev) => {
  if (area.value !== state.saved) { ev.preventDefault(); ev.returnValue = ''; }
});

start();
