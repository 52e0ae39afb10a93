// The designer's modeller: a new diagram, a deployed version (?key=K&version=N) or a local
// .bpmn file, edited with bpmn-js and its properties panel (our extension properties in the
// "motcua" group), validated and tried on scenarios with the answers on the diagram, and
// deployed as a new version.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import { api, diagramXml, Problem } from '../api.js';
import { alertBox, app, h } from '../dom.js';
import { t, words } from '../i18n.js';
import design from '../text/design.js';
import spiffModdle from '../modeller/moddle.js';
import MotcuaPropertiesProvider from '../modeller/provider.js';
import MotcuaPortal from '../modeller/portal.js';
import translateModule from '../modeller/translate.js';
import {
  Marks, problemList, problemsOf, scenarioList, scenariosOf, send, statusWord, upload,
} from '../modeller/check.js';

words(design);

const NEW_DIAGRAM = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="new_process" name="Quy trình mới" isExecutable="true">
    <bpmn:startEvent id="start_received" name="Tiếp nhận hồ sơ" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="new_process">
      <bpmndi:BPMNShape id="start_received_di" bpmnElement="start_received">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;

const root = app();
const opened = { key: root.dataset.key || '', version: root.dataset.version || '' };
const state = { forms: [], scenarios: null, dirty: false, busy: false };

const fileInput = (accept, multiple, onchange) => h('input', {
  type: 'file', accept, multiple, class: 'sr-only', tabindex: '-1', 'aria-hidden': 'true', onchange,
});
const bpmnInput = fileInput('.bpmn,.xml,application/xml,text/xml', false, (e) => openFile(e.target.files[0]));
const formsInput = fileInput('.json,application/json', true, (e) => chooseForms([...e.target.files]));
const scenariosInput = fileInput('.json,application/json', false, (e) => chooseScenarios(e.target.files[0]));
const button = (label, onclick, attrs = {}) => h('button', { type: 'button', onclick, ...attrs }, label);

const title = h('h1', { id: 'diagram-title' }, t('modeller'));
const where = h('span', { class: 'muted', id: 'diagram-source' });
const formsNote = h('span', { class: 'muted', id: 'forms-note' });
const scenariosNote = h('span', { class: 'muted', id: 'scenarios-note' }, t('no_scenarios'));
const forgetScenarios = h('button', { type: 'button', id: 'forget-scenarios', class: 'link', hidden: true,
  'aria-label': t('forget_scenarios'), title: t('forget_scenarios'), onclick: () => chooseScenarios(null) }, '✕');
const draft = h('input', { type: 'checkbox', id: 'deploy-draft' });
const validateButton = button(t('validate'), () => check(false), { id: 'validate' });
const scenariosButton = button(t('run_scenarios'), () => check(true), { id: 'run-scenarios', disabled: true });
const deployButton = button(t('deploy'), deploy, { id: 'deploy' });
const portalButton = button(t('save_portal'), savePortal, { id: 'save-portal', hidden: true });
const status = h('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
const problemsBox = h('div', { id: 'problems' });
const scenariosBox = h('div', { id: 'scenarios' });
// The diagram's own svg takes the focus and the keyboard (diagram-js), not this box.
const canvasBox = h('div', { id: 'canvas', class: 'canvas', role: 'region', 'aria-label': t('modeller') });
const panelBox = h('aside', { id: 'properties', class: 'properties', 'aria-label': t('properties_panel') });

root.replaceChildren(
  h('div', { class: 'modeller-head' }, title, where),
  h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('modeller') },
    button(t('new_diagram'), () => confirmLeave() && openXml(NEW_DIAGRAM, null), { id: 'new' }),
    button(t('open_file'), () => bpmnInput.click(), { id: 'open' }), bpmnInput,
    button(t('download'), download, { id: 'download' }),
    h('span', { class: 'sep' }),
    button(t('forms_files'), () => formsInput.click(), { id: 'choose-forms' }), formsInput,
    button(t('scenarios_file'), () => scenariosInput.click(), { id: 'choose-scenarios' }), scenariosInput,
    scenariosNote, forgetScenarios,
    h('span', { class: 'sep' }),
    validateButton, scenariosButton,
    h('label', { class: 'inline-check', for: 'deploy-draft' }, draft, t('draft_only')), deployButton,
    portalButton),
  h('div', { class: 'notes' }, formsNote, status),
  h('div', { class: 'workspace' }, canvasBox, panelBox),
  h('section', { class: 'results', 'aria-label': t('problems') },
    h('div', {}, h('h2', {}, t('problems')), problemsBox),
    h('div', {}, h('h2', {}, t('scenarios')), h('p', { id: 'path-caption', class: 'muted' }), scenariosBox)),
);
root.setAttribute('aria-busy', 'false');

const modeler = new BpmnModeler({
  container: canvasBox,
  propertiesPanel: { parent: panelBox },
  additionalModules: [
    BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, translateModule,
    { __init__: ['motcuaProvider'], motcuaProvider: ['type', MotcuaPropertiesProvider],
      motcuaPortal: ['type', MotcuaPortal] },
  ],
  moddleExtensions: { spiffworkflow: spiffModdle },
});
const marks = new Marks(modeler);
modeler.on('commandStack.changed', () => { state.dirty = true; });
modeler.on('motcua.portal.changed', ({ pending }) => {
  portalButton.hidden = !pending;
  portalButton.textContent = t('save_portal', pending);
});
window.addEventListener('beforeunload', (e) => {
  if (state.dirty || modeler.get('motcuaPortal').pending()) e.preventDefault();
});
window.motcuaModeler = modeler; // for the browser test and the benchmark

function say(...nodes) { status.replaceChildren(...nodes); }
function confirmLeave() { return !state.dirty || window.confirm(t('discard_changes')); }

function processId() {
  const defs = modeler.getDefinitions();
  const proc = defs && defs.rootElements.find((e) => e.$type === 'bpmn:Process' && e.isExecutable)
    || defs.rootElements.find((e) => e.$type === 'bpmn:Process');
  return proc ? proc.id : 'process';
}

function processName() {
  const defs = modeler.getDefinitions();
  const proc = defs && defs.rootElements.find((e) => e.id === processId());
  return proc && proc.name;
}

async function openXml(xml, source) {
  marks.clear();
  problemsBox.replaceChildren();
  scenariosBox.replaceChildren();
  try {
    const { warnings } = await modeler.importXML(xml);
    modeler.get('canvas').zoom('fit-viewport', 'auto');
    state.dirty = false;
    where.textContent = source || `${t('unsaved')} · ${t('drop_hint')}`;
    title.textContent = processName() || t('modeller');
    say(warnings.length ? h('p', { class: 'muted' }, t('import_warnings', warnings.length)) : '');
    await modeler.get('motcuaPortal').load(processId());
    return true;
  } catch (err) {
    say(alertBox(`${t('import_failed')} ${err.message}`));
    return false;
  }
}

async function openFile(file) {
  if (!file) return;
  bpmnInput.value = '';
  if (!/\.(bpmn|xml)$/i.test(file.name)) { say(alertBox(t('file_not_bpmn'))); return; }
  if (!confirmLeave()) return;
  if (await openXml(await file.text(), file.name)) {
    opened.key = '';
    history.replaceState(null, '', '/design/modeller');
  }
}

function chooseForms(files) {
  state.forms = files;
  formsNote.textContent = files.length ? t('forms_chosen', files.length) : '';
  formsInput.value = '';
}

function chooseScenarios(file) {
  state.scenarios = file || null;
  scenariosNote.textContent = file ? file.name : t('no_scenarios');
  scenariosButton.disabled = !file;
  forgetScenarios.hidden = !file;
  scenariosInput.value = '';
}

async function currentXml() {
  const { xml } = await modeler.saveXML({ format: true });
  return xml;
}

async function download() {
  const blob = new Blob([await currentXml()], { type: 'application/xml' });
  const link = h('a', { href: URL.createObjectURL(blob), download: `${processId()}.bpmn` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function busy(on, text) {
  state.busy = on;
  for (const b of [validateButton, scenariosButton, deployButton]) b.disabled = on;
  if (!on) scenariosButton.disabled = !state.scenarios;
  if (on) say(h('p', { class: 'muted' }, text));
}

function showAnswer(problems, scenarios) {
  marks.clear();
  marks.problems(problems);
  problemsBox.replaceChildren(problemList(problems, marks));
  scenariosBox.replaceChildren(scenarioList(scenarios, marks, Boolean(state.scenarios)));
  document.getElementById('path-caption').textContent = '';
}

function refused(err) {
  if (err instanceof Problem && err.status === 403) return alertBox(t('forbidden'));
  return alertBox(`${t('deploy_refused')} ${err.message}`);
}

async function check(withScenarios) {
  busy(true, t('checking'));
  try {
    const form = upload(await currentXml(), `${processId()}.bpmn`, state.forms,
      withScenarios ? state.scenarios : null);
    const { data } = await send('/process-definitions/validate', form);
    showAnswer([], data.scenarios || []);
    say(h('p', { class: data.valid ? 'ok' : 'alert' }, data.valid ? t('no_problems')
      : `${t('scenarios')}: ${data.scenarios.filter((s) => !s.passed).length} ${t('scenario_failed')}`));
  } catch (err) {
    showAnswer(problemsOf(err), scenariosOf(err));
    say(err instanceof Problem && err.status === 403 ? alertBox(t('forbidden'))
      : alertBox(err.message));
  } finally {
    busy(false);
  }
}

async function deploy() {
  busy(true, t('deploying'));
  try {
    const form = upload(await currentXml(), `${processId()}.bpmn`, state.forms, state.scenarios);
    if (draft.checked) form.append('activate', 'false');
    const { status: code, data } = await send('/process-definitions', form);
    showAnswer([], data.scenarios || []);
    const href = `/design/modeller?key=${encodeURIComponent(data.key)}&version=${data.version}`;
    const said = code === 201 ? 'deployed' : 'same_content';
    say(h('p', { class: 'ok', id: 'deployed', 'data-version': data.version },
      t(said, data.key, data.version, statusWord(data.status)), ' ',
      h('a', { href }, t('open_deployed'))));
    state.dirty = false;
    Object.assign(opened, { key: data.key, version: String(data.version) });
    history.replaceState(null, '', href);
    where.textContent = t('opened_version', data.key, data.version);
    title.textContent = `${data.name || data.key} · v${data.version} (${statusWord(data.status)})`;
  } catch (err) {
    showAnswer(problemsOf(err), scenariosOf(err));
    say(refused(err));
  } finally {
    busy(false);
  }
}

// The portal statuses changed in the panel, saved with their procedures.
async function savePortal() {
  portalButton.disabled = true;
  try {
    const saved = await modeler.get('motcuaPortal').save();
    say(h('p', { class: 'ok', id: 'portal-saved' }, t('portal_saved', saved.join(', '))));
  } catch (err) {
    say(err instanceof Problem && err.status === 403 ? alertBox(t('forbidden'))
      : alertBox(`${t('portal_refused')} ${err.message}`));
  } finally {
    portalButton.disabled = false;
  }
}

// Drop a .bpmn file anywhere on the canvas to open it.
canvasBox.addEventListener('dragover', (e) => { e.preventDefault(); });
canvasBox.addEventListener('drop', (e) => {
  e.preventDefault();
  if (e.dataTransfer.files.length) openFile(e.dataTransfer.files[0]);
});

async function start() {
  if (opened.key) {
    const path = `/process-definitions/${encodeURIComponent(opened.key)}/versions/${opened.version}`;
    try {
      const info = api(path); // asked for while the diagram loads
      info.catch(() => {});
      await openXml(await diagramXml(opened.key, opened.version),
        t('opened_version', opened.key, opened.version));
      const { name, version, status, forms } = await info;
      title.textContent = `${name || opened.key} · v${version} (${statusWord(status)})`;
      if ((forms || []).length) formsNote.textContent = t('forms_needed', forms.join(', '));
    } catch (err) {
      await openXml(NEW_DIAGRAM, null);
      say(alertBox(`${t('import_failed')} ${err.message}`));
    }
  } else {
    await openXml(NEW_DIAGRAM, null);
  }
  // Usable once the diagram is drawn and the panel shows (bench/bench_pages.py reads it).
  performance.mark('motcua:interactive');
  root.dataset.ready = 'true';
}

start();
