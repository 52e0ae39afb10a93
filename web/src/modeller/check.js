// Validation, scenarios and deployment of the diagram on the page, through the JSON API
// (multipart, with the session's CSRF token), and what they answer shown on the diagram:
// each problem as a marker and a badge on its element, each scenario's path highlighted.
import { apiForm, Problem } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

// POST a multipart form to the API: the answer's status and JSON, or a Problem.
export const send = apiForm;

// The upload the validate and deploy operations take: the diagram, its forms, scenarios.
export function upload(xml, fileName, forms, scenarios) {
  const form = new FormData();
  form.append('bpmn', new Blob([xml], { type: 'application/xml' }), fileName);
  for (const f of forms) form.append('forms', f, f.name);
  if (scenarios) form.append('scenarios', scenarios, scenarios.name);
  return form;
}

// Markers and badges on the diagram: problems and one scenario's path at a time.
export class Marks {
  constructor(modeler) {
    this.canvas = modeler.get('canvas');
    this.overlays = modeler.get('overlays');
    this.registry = modeler.get('elementRegistry');
    this.selection = modeler.get('selection');
    this.marked = [];
  }

  shape(id) {
    const el = id && this.registry.get(id);
    return el && el !== this.canvas.getRootElement() && el.type !== 'label' ? el : null;
  }

  clear() {
    for (const [id, cls] of this.marked) if (this.registry.get(id)) this.canvas.removeMarker(id, cls);
    this.marked = [];
    this.overlays.remove({ type: 'motcua-problem' });
    this.overlays.remove({ type: 'motcua-path' });
  }

  mark(id, cls) {
    this.canvas.addMarker(id, cls);
    this.marked.push([id, cls]);
  }

  problems(items) {
    const byElement = new Map();
    for (const p of items) {
      if (!this.shape(p.element)) continue;
      if (!byElement.has(p.element)) byElement.set(p.element, []);
      byElement.get(p.element).push(p.message);
    }
    for (const [id, messages] of byElement) {
      this.mark(id, 'motcua-error');
      const badge = h('div', { class: 'motcua-problem', role: 'note', title: messages.join('\n'),
        'data-element': id }, messages.length > 1 ? `${messages.length} ✕` : '✕',
      h('span', { class: 'motcua-problem-text' }, messages[0]));
      this.overlays.add(id, 'motcua-problem', { position: { top: -14, right: 14 }, html: badge });
    }
  }

  path(ids) {
    this.overlays.remove({ type: 'motcua-path' });
    for (const [id, cls] of this.marked.filter(([, c]) => c === 'motcua-path')) {
      if (this.registry.get(id)) this.canvas.removeMarker(id, cls);
    }
    this.marked = this.marked.filter(([, c]) => c !== 'motcua-path');
    const seen = new Set();
    ids.forEach((id, i) => {
      const el = this.shape(id);
      if (!el) return;
      if (!seen.has(id)) {
        seen.add(id);
        this.mark(id, 'motcua-path');
        this.overlays.add(id, 'motcua-path', { position: { bottom: 8, left: -8 },
          html: h('div', { class: 'motcua-step' }, String(i + 1)) });
      }
      const next = ids[i + 1];
      const flow = next && (el.outgoing || []).find((c) => c.target && c.target.id === next);
      if (flow && !seen.has(flow.id)) { seen.add(flow.id); this.mark(flow.id, 'motcua-path'); }
    });
  }

  focus(id) {
    const el = this.shape(id) || (id && this.registry.get(id));
    if (!el) return false;
    this.selection.select(el);
    if (el !== this.canvas.getRootElement()) this.canvas.scrollToElement(el);
    return true;
  }
}

const STATUS = { active: 'status_active', draft: 'status_draft', retired: 'status_retired' };
export const statusWord = (s) => t(STATUS[s] || s);

// The problems a 422 answer names, as {element, message} (a field stands for the element).
export function problemsOf(err) {
  if (!(err instanceof Problem)) return [{ element: '?', message: String(err.message || err) }];
  if (!err.errors.length) return [{ element: '?', message: err.message }];
  return err.errors.filter((e) => e.field !== 'scenarios' || !e.scenario).map((e) => ({
    element: e.element || e.field || '?', message: e.message || err.message,
  }));
}

// Scenario results: from a validation (every one) or a refused deployment (the failed).
export function scenariosOf(err) {
  if (!(err instanceof Problem)) return [];
  return err.errors.filter((e) => e.scenario).map((e) => ({
    name: e.scenario, passed: false, path: e.path || [], difference: e.difference, steps: (e.path || []).length,
  }));
}

export function problemList(items, marks) {
  if (!items.length) return h('p', { class: 'ok', role: 'status' }, t('no_problems'));
  return h('ol', { class: 'problems' }, items.map((p) => h('li', {},
    h('button', {
      type: 'button', class: 'link', 'data-element': p.element,
      onclick: () => marks.focus(p.element),
    }, p.element), ': ', p.message)));
}

// Where a scenario first differed from what it expects, and what was expected there.
function difference(d) {
  const show = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
  const wanted = 'expected' in d ? ` (${t('expected')}: ${show(d.expected)}${'actual' in d ? `; ${t('actual')}: ${show(d.actual)}` : ''})` : '';
  return `${d.at ? `${d.at}: ` : ''}${d.message || ''}${wanted}`;
}

export function scenarioList(results, marks, chosen) {
  if (!results.length) return chosen ? '' : h('p', { class: 'muted' }, t('no_scenarios'));
  return h('ul', { class: 'scenarios' }, results.map((r) => {
    const why = r.difference && difference(r.difference);
    const button = h('button', { type: 'button', class: 'show-path', 'aria-pressed': 'false',
      onclick: () => {
        for (const b of document.querySelectorAll('.show-path')) b.setAttribute('aria-pressed', 'false');
        button.setAttribute('aria-pressed', 'true');
        marks.path(r.path || []);
        document.getElementById('path-caption').textContent = t('path_of', r.name);
      } }, t('show_path'));
    return h('li', { class: r.passed ? 'passed' : 'failed', 'data-scenario': r.name },
      h('span', { class: `badge ${r.passed ? 'on_time' : 'late'}` },
        r.passed ? t('scenario_passed') : t('scenario_failed')),
      ' ', h('strong', {}, r.name), ' ', h('span', { class: 'muted' }, t('steps', r.steps)), ' ',
      button, why ? h('div', { class: 'row-error' }, why) : '');
  }));
}
