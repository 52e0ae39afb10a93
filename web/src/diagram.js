// A deployed version's diagram, read-only (bpmn-js NavigatedViewer: drag to move, wheel to
// zoom), with the dossier's path marked on it: elements passed, elements waiting, and a
// count on those passed more than once (a loop). Beside it the same marks as a list, for
// keyboards and screen readers. Its stylesheet (dist/diagram.css) is linked on first use.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { diagramXml } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import './text/diagram.js';

const DONE = 'motcua-done';
const ACTIVE = 'motcua-active';
const FOCUS = 'motcua-focus';

function linkStylesheet() {
  if (document.querySelector('link[data-diagram-css]')) return;
  const desk = document.querySelector('link[href^="/assets/desk.css"]');
  const version = desk ? new URL(desk.href).searchParams.get('v') : '';
  document.head.append(h('link', { rel: 'stylesheet', href: `/assets/diagram.css?v=${version}`, 'data-diagram-css': true }));
}

// The diagram of `key` version `version` in a new section (returned at once; the diagram
// arrives when loaded). `mark({completed, active, focus})` marks it, also before it has
// loaded: `focus` is the element an event being shown concerns (outlined).
export function processDiagram(key, version, { heading = 'h2', events = false } = {}) {
  linkStylesheet();
  const canvasBox = h('div', { class: 'diagram-canvas', role: 'img', 'aria-label': `${t('diagram')} ${key} v${version}` });
  const status = h('p', { class: 'muted diagram-status', role: 'status' }, t('diagram_loading'));
  const list = h('ul', { class: 'path-list' });
  const legend = h('p', { class: 'diagram-legend muted' },
    h('span', {}, h('span', { class: 'key done' }), ` ${t('legend_done')}`),
    h('span', {}, h('span', { class: 'key active' }), ` ${t('legend_active')}`),
    h('span', {}, h('span', { class: 'pass-count' }, '×n'), ` ${t('legend_loops')}`),
    events ? h('span', {}, h('span', { class: 'key focus' }), ` ${t('legend_focus')}`) : '');
  const section = h('section', { class: 'diagram', 'aria-labelledby': 'diagram-title', 'data-state': 'loading' },
    h(heading, { id: 'diagram-title' }, `${t('diagram')} · ${key} · ${t('version')} ${version}`),
    status, canvasBox, legend,
    h('details', { class: 'path' }, h('summary', {}, t('path')), list));
  let viewer = null;
  let wanted = { completed: {}, active: [], focus: null };

  const name = (id) => {
    const el = viewer && viewer.get('elementRegistry').get(id);
    return (el && el.businessObject && el.businessObject.name) || id;
  };

  function draw() {
    list.replaceChildren(
      ...wanted.active.map((id) => h('li', { class: 'active', 'data-element': id }, `${t('legend_active')}: ${name(id)}`)),
      ...Object.entries(wanted.completed).map(([id, n]) => h('li', { class: 'done', 'data-element': id },
        `${t('legend_done')}: ${name(id)}`, n > 1 ? ` (${t('passed_times', n)})` : '')));
    if (!viewer) return;
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const overlays = viewer.get('overlays');
    overlays.remove({ type: 'motcua-count' });
    registry.getAll().forEach((el) => {
      canvas.removeMarker(el, DONE);
      canvas.removeMarker(el, ACTIVE);
      canvas.removeMarker(el, FOCUS);
    });
    for (const [id, n] of Object.entries(wanted.completed)) {
      if (!registry.get(id)) continue; // inside a called process: not on this diagram
      canvas.addMarker(id, DONE);
      if (n > 1) {
        overlays.add(id, 'motcua-count', { position: { top: -12, right: 12 },
          html: h('span', { class: 'pass-count', title: t('passed_times', n), 'data-element': id }, `×${n}`) });
      }
    }
    for (const id of wanted.active) if (registry.get(id)) canvas.addMarker(id, ACTIVE);
    if (wanted.focus && registry.get(wanted.focus)) canvas.addMarker(wanted.focus, FOCUS);
  }

  (async () => {
    try {
      const xml = await diagramXml(key, version);
      viewer = new NavigatedViewer({ container: canvasBox });
      await viewer.importXML(xml);
      viewer.get('canvas').zoom('fit-viewport');
      status.remove();
      section.dataset.state = 'ready';
      draw();
    } catch (e) {
      status.textContent = `${t('diagram_failed')}: ${e.message}`;
      status.className = 'alert';
      section.dataset.state = 'failed';
    }
  })();

  return {
    section,
    mark(marks) {
      wanted = { completed: marks.completed || {}, active: [...new Set(marks.active || [])],
        focus: marks.focus || null };
      draw();
    },
  };
}
