// The replay viewer: a dossier's history, one event at a time. A slider (keyboard: arrows,
// Home, End, Page Up/Down) picks event N; the page shows that event (what, when, who) and
// the dossier as it stood after it (GET …/replay?seq=N: status, clock, steps, data), with
// its path on the diagram. Beside it the verification of the whole record (chain, anchors,
// re-execution) and the records to print (control sheet, tracking book).
import { api } from '../api.js';
import { alertBox, badge, h, show } from '../dom.js';
import { ZONE, t, when } from '../i18n.js';
import '../text/audit.js';
import { verdictSection, why } from '../verdict.js';

const code = document.getElementById('app').dataset.key;
const enc = encodeURIComponent(code);
const PAGE = 100;
const pages = new Map(); // first seq of a page -> its events
let total = 0;
let diagram = null;
let asked = 0; // the latest replay asked for: older answers are dropped
let timer = null;

async function historyPage(start) {
  if (!pages.has(start)) {
    pages.set(start, api(`/dossiers/${enc}/history?after_seq=${start}&limit=${PAGE}`).then((p) => {
      total = p.total;
      return p.items;
    }, (e) => {
      pages.delete(start); // asked again next time
      throw e;
    }));
  }
  return pages.get(start);
}

async function eventAt(seq) {
  const start = Math.floor((seq - 1) / PAGE) * PAGE;
  const items = await historyPage(start);
  return items.find((e) => e.seq === seq);
}

const kindName = (kind) => t('kind_names')[kind] || kind;

const actorLine = (a, position, unit) => [a.name, position, unit].filter(Boolean).join(' · ') || `#${a.id}`;

function actorText(e) {
  const a = e.actor;
  if (!a) return e.actor_id ? `#${e.actor_id}` : t('system');
  if (a.role === 'system') return t('system');
  return actorLine(a, a.position, a.unit);
}

// The actor's position and unit by the names the province registered (the event keeps their
// codes as they were): asked once each, the codes shown until the names come.
const positionNames = api('/positions').then((ps) => new Map(ps.map((p) => [p.code, p.name])),
  () => new Map());
const unitNames = new Map(); // code -> a promise of its registered name (null: none)
function unitName(unit) {
  if (!unitNames.has(unit)) {
    unitNames.set(unit, api(`/units/${encodeURIComponent(unit)}`).then((u) => u.name || null, () => null));
  }
  return unitNames.get(unit);
}
async function namedActor(a) {
  const [positions, unit] = await Promise.all([positionNames, a.unit ? unitName(a.unit) : null]);
  return actorLine(a, positions.get(a.position) || a.position, unit || a.unit);
}

function facts(pairs) {
  return h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v, id]) => [h('dt', {}, k), h('dd', { id }, v)]));
}

function showEvent(e, box) {
  box.replaceChildren(e ? facts([
    [t('event'), `${e.seq} · ${kindName(e.kind)}`, 'event-kind'],
    [t('at'), when(e.at), 'event-at'],
    [t('actor'), actorText(e), 'event-actor'],
    ...(e.element_id ? [[t('element'), e.element_id, 'event-element']] : []),
  ]) : '');
  if (e && e.actor && e.actor.role !== 'system') {
    const shown = box.querySelector('#event-actor');
    namedActor(e.actor).then((text) => { if (shown.isConnected) shown.textContent = text; });
  }
}

function showMoment(m, box) {
  const steps = m.current_steps.length
    ? h('ul', { id: 'moment-steps' }, ...m.current_steps.map((s) => h('li', { 'data-element': s.element_id },
      s.name || s.element_id, s.due_at ? ` · ${t('due')}: ${when(s.due_at)}` : '')))
    : h('p', { id: 'moment-steps' }, t('none_short'));
  box.replaceChildren(
    m.through_seq > m.seq ? h('p', { class: 'muted' }, t('same_command', m.seq, m.through_seq)) : '',
    m.first_divergence ? alertBox(`${t('divergence_note')} ${t('divergence', m.first_divergence.seq, why(m.first_divergence))}`) : '',
    facts([
      [t('status'), h('span', {}, t(`st_${m.status}`), ' ', badge(m.timeliness, t(m.timeliness))), 'moment-status'],
      [t('at'), when(m.at)],
      [t('due_at'), when(m.due_at), 'moment-due'],
      [t('paused'), m.paused ? t('yes') : t('no')],
      ...(m.pause_count ? [[t('pause_count'), String(m.pause_count)]] : []),
      ...(m.waiting_messages.length ? [[t('waiting_messages'), m.waiting_messages.join(', ')]] : []),
      [t('version'), String(m.process_version)],
    ]),
    h('h3', {}, t('current_steps')), steps,
    h('details', { class: 'data' }, h('summary', {}, t('data')),
      h('pre', { id: 'moment-data' }, JSON.stringify(m.data, null, 2))));
}

async function moveTo(seq, ui) {
  ui.slider.value = String(seq);
  ui.position.textContent = t('event_of', seq, total);
  const url = new URL(location.href);
  url.searchParams.set('seq', String(seq));
  window.history.replaceState(null, '', url);
  const mine = ++asked;
  ui.section.setAttribute('aria-busy', 'true');
  const e = await eventAt(seq).catch(() => null);
  if (mine !== asked) return;
  ui.slider.setAttribute('aria-valuetext', `${t('event_of', seq, total)}: ${e ? kindName(e.kind) : ''}`);
  showEvent(e, ui.event);
  clearTimeout(timer);
  timer = setTimeout(async () => {
    let m;
    try {
      m = await api(`/dossiers/${enc}/replay?seq=${seq}`);
    } catch (err) {
      if (mine === asked) {
        ui.moment.replaceChildren(alertBox(`${t('replay_failed')}: ${err.message}`));
        ui.section.setAttribute('aria-busy', 'false');
      }
      return;
    }
    if (mine !== asked) return;
    showMoment(m, ui.moment);
    if (!diagram) {
      const { processDiagram } = await import('../diagram.js');
      diagram = processDiagram(ui.dossier.process_key, m.process_version, { heading: 'h3', events: true });
      ui.diagramBox.replaceChildren(diagram.section);
    }
    diagram.mark({ completed: m.completed_elements, active: m.active_elements, focus: e && e.element_id });
    ui.section.dataset.seq = String(seq);
    ui.section.setAttribute('aria-busy', 'false');
  }, 150);
}

function localDay(iso) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(iso));
}

function records(d) {
  const links = [h('li', {}, h('a', { id: 'control-sheet', href: `/api/v1/dossiers/${enc}/control-sheet?format=pdf`, target: '_blank', rel: 'noopener', type: 'application/pdf' }, t('control_sheet')))];
  if (d.unit && d.received_at) {
    const [y, m] = localDay(d.received_at).split('-').map(Number);
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const month = `${String(m).padStart(2, '0')}/${y}`;
    const from = `${y}-${String(m).padStart(2, '0')}-01`;
    const to = `${y}-${String(m).padStart(2, '0')}-${last}`;
    links.push(h('li', {}, h('a', { id: 'tracking-book', href: `/api/v1/units/${encodeURIComponent(d.unit)}/tracking-book?from=${from}&to=${to}&format=pdf`, type: 'application/pdf' }, t('tracking_book', d.unit, month))));
  }
  return h('section', { class: 'records', 'aria-labelledby': 'records' }, h('h2', { id: 'records' }, t('records')), h('ul', {}, ...links));
}

function replaySection(d) {
  const slider = h('input', { type: 'range', id: 'seq', min: 1, max: total, step: 1, value: total });
  const position = h('output', { for: 'seq', id: 'seq-position' });
  const ui = { dossier: d, slider, position, event: h('div', { id: 'event' }), moment: h('div', { id: 'moment' }),
    diagramBox: h('div', { id: 'diagram' }) };
  const go = (seq) => moveTo(Math.min(total, Math.max(1, seq)), ui);
  const button = (label, id, to) => h('button', { type: 'button', class: 'secondary', id, onclick: () => go(to()) }, label);
  slider.addEventListener('input', () => go(Number(slider.value)));
  ui.section = h('section', { class: 'replay', 'aria-labelledby': 'replay-title' },
    h('h2', { id: 'replay-title' }, t('replay')),
    h('div', { class: 'slider' },
      h('label', { for: 'seq' }, t('event')),
      button(t('first'), 'seq-first', () => 1),
      button(t('prev'), 'seq-prev', () => Number(slider.value) - 1),
      slider,
      button(t('next'), 'seq-next', () => Number(slider.value) + 1),
      button(t('last'), 'seq-last', () => total),
      position),
    ui.diagramBox,
    h('div', { class: 'replay-panes' },
      h('div', {}, h('h3', {}, t('event')), ui.event),
      h('div', {}, h('h3', {}, t('as_it_stood')), ui.moment)));
  return { ui, go };
}

function procedureName(procedures, key) {
  const found = procedures.find((p) => p.process_key === key);
  return found ? found.name || found.code : key;
}

async function load() {
  let d; let procedures;
  try {
    [d, procedures] = await Promise.all([api(`/dossiers/${enc}`), api('/procedures').catch(() => []),
      historyPage(0)]);
  } catch (e) {
    show(h('h1', {}, `${t('dossier')} ${code}`), alertBox(e.message), h('p', {}, h('a', { href: '/audit' }, t('back_to_search'))));
    return;
  }
  const { ui, go } = replaySection(d);
  const verdict = verdictSection(code, (seq) => { go(seq); ui.slider.focus(); });
  show(
    h('div', { class: 'dossier-head' },
      h('div', {},
        h('p', {}, h('a', { href: '/audit' }, t('back_to_search'))),
        h('h1', {}, `${t('dossier')} ${d.code}`),
        h('p', {}, `${procedureName(procedures, d.process_key)} · ${(d.applicant && d.applicant.name) || ''} · `,
          t(`st_${d.status}`), ' ', badge(d.timeliness, t(d.timeliness)))),
      records(d)),
    verdict, ui.section);
  const wanted = Number(new URLSearchParams(location.search).get('seq'));
  go(Number.isInteger(wanted) && wanted >= 1 ? wanted : total);
}

load();
