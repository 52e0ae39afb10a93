// The public dashboard of a province's figures (GET /stats, /stats/indicators; its units
// and procedures named by /stats/choices): for the chosen unit, procedure and period, the
// dossiers finished early, on time and late per month (bars) and the on-time and online
// shares per month (lines), each beside its table; the figures per receiving unit; the
// Decision 766 indicator groups with their points; the API's CSV and XLSX of the same
// choice. The choice lives in the address, so a view can be shared and printed as it is.
import { alertBox, h, show } from '../dom.js';
import { lang, t } from '../i18n.js';
import { politely, publicApi } from '../public.js';
import { bars, lines } from '../charts.js';

const root = document.getElementById('app');
const provinces = (root.dataset.provinces || '').split(',').filter(Boolean);
const asked = new URLSearchParams(location.search);
const choice = {
  province: asked.get('province') || provinces[0] || '',
  unit: asked.get('unit') || '', procedure: asked.get('procedure') || '',
  from: asked.get('from') || '', to: asked.get('to') || '',
};
const locale = lang === 'vi' ? 'vi-VN' : 'en-GB';
const count = (n) => new Intl.NumberFormat(locale).format(n ?? 0);
const percent = (v) => (v === null || v === undefined ? '—'
  : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(v));
const decimal = (v) => (v === null || v === undefined ? '—'
  : new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(v));
const monthLabel = (m) => (lang === 'vi' ? `${m.slice(5)}/${m.slice(0, 4)}`
  : new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${m}-01T00:00:00Z`)));
const dayLabel = (d) => d.split('-').reverse().join('/');

function query(extra = {}) {
  const q = new URLSearchParams({ province: choice.province });
  for (const k of ['unit', 'procedure', 'from', 'to']) if (choice[k]) q.set(k, choice[k]);
  for (const [k, v] of Object.entries(extra)) if (v === null) q.delete(k); else q.set(k, v);
  return q.toString();
}

// Every month of the period, those without figures too (a gap in the lines, zero bars).
function monthsOf(from, to) {
  const out = [];
  let [y, m] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1; if (m > 12) { m = 1; y += 1; }
  }
  return out;
}

// Units and procedures by name where the province names them (GET /stats/choices).
const names = { unit: {}, procedure: {} };
const named = (kind, code) => (names[kind][code] ? `${names[kind][code]} (${code})` : code);

function select(id, label, all, codes, chosen) {
  const options = [...new Set([...codes, ...(chosen ? [chosen] : [])])]
    .sort((a, b) => named(id, a).localeCompare(named(id, b), locale));
  return h('div', {}, h('label', { for: id }, label), h('select', { id, name: id },
    h('option', { value: '' }, all),
    ...options.map((c) => h('option', { value: c, selected: c === chosen }, named(id, c)))));
}

function controls(unitCodes, procedureCodes) {
  const province = provinces.length
    ? h('select', { id: 'province', name: 'province' }, ...[...new Set([...provinces, choice.province])].filter(Boolean)
      .map((p) => h('option', { value: p, selected: p === choice.province }, p)))
    : h('input', { id: 'province', name: 'province', type: 'text', required: true, value: choice.province });
  const form = h('form', { class: 'controls', id: 'choice', method: 'get', action: '/public/figures' },
    h('div', {}, h('label', { for: 'province' }, t('province')), province),
    select('unit', t('receiving_unit'), t('all_units'), unitCodes, choice.unit),
    select('procedure', t('procedure'), t('all_procedures'), procedureCodes, choice.procedure),
    h('div', {}, h('label', { for: 'from' }, t('from')), h('input', { id: 'from', name: 'from', type: 'date', value: choice.from })),
    h('div', {}, h('label', { for: 'to' }, t('to')), h('input', { id: 'to', name: 'to', type: 'date', value: choice.to })),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'show' }, t('show_figures')),
      h('button', { type: 'button', class: 'secondary', id: 'print', onclick: () => window.print() }, t('print'))));
  // Empty choices are left out of the address (the API's defaults apply).
  form.addEventListener('submit', () => form.querySelectorAll('select, input').forEach((el) => {
    if (!el.value) el.disabled = true;
  }));
  return form;
}

function tile(id, label, value) {
  return h('div', { class: 'tile', id }, h('span', { class: 'tile-label' }, label), h('strong', {}, value));
}

function tiles(total) {
  const f = total.finished;
  return h('section', { class: 'tiles', 'aria-label': t('figures_title') },
    tile('tile-received', t('received_new'), count(total.received.new)),
    tile('tile-carried', t('carried_over'), count(total.received.carried_over)),
    tile('tile-finished', t('finished'), count(f.total)),
    tile('tile-on-time', t('on_time_share'), percent(f.on_time_rate)),
    tile('tile-online', t('online_share'), percent(total.received.online_share)),
    tile('tile-pending', t('pending_at_end'), count(total.pending_at_end)),
    tile('tile-days', t('average_days'), decimal(total.average_processing?.working_days)),
    tile('tile-rating', t('rating_average'), total.ratings.average === null ? '—' : `${decimal(total.ratings.average)} / 5`));
}

const cell = (value, shown, key) => h('td', { 'data-key': key, 'data-value': value === null ? '' : String(value), class: 'num' }, shown);

function panel(id, title, table) {
  const canvas = h('canvas', { id: `chart-${id}`, role: 'img', 'aria-label': t('chart_of', title), 'aria-describedby': `table-${id}` });
  return [h('section', { class: 'panel', 'aria-labelledby': `title-${id}` },
    h('h2', { id: `title-${id}` }, title),
    h('div', { class: 'panel-body' }, h('div', { class: 'chart-box' }, canvas), h('div', { class: 'table-box' }, table))), canvas];
}

function monthTables(months, byMonth) {
  const row = (m, cells) => h('tr', { 'data-month': m }, h('th', { scope: 'row' }, monthLabel(m)), ...cells);
  const head = (...keys) => h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('month')), ...keys.map((k) => h('th', { scope: 'col', class: 'num' }, t(k)))));
  const timeliness = h('table', { id: 'table-timeliness' }, head('early', 'on_time', 'late', 'finished'),
    h('tbody', {}, ...months.map((m) => {
      const f = byMonth[m]?.finished;
      return row(m, ['early', 'on_time', 'late', 'total'].map((k) => cell(f ? f[k] : 0, count(f ? f[k] : 0), k)));
    })));
  const shares = h('table', { id: 'table-shares' }, head('on_time_share', 'online_share'),
    h('tbody', {}, ...months.map((m) => {
      const g = byMonth[m];
      const onTime = g ? g.finished.on_time_rate : null;
      const online = g ? g.received.online_share : null;
      return row(m, [cell(onTime, percent(onTime), 'on_time_rate'), cell(online, percent(online), 'online_share')]);
    })));
  return [timeliness, shares];
}

function unitTable(groups) {
  const keys = [['received_new', (g) => g.received.new, count], ['finished', (g) => g.finished.total, count],
    ['early', (g) => g.finished.early, count], ['on_time', (g) => g.finished.on_time, count],
    ['late', (g) => g.finished.late, count], ['on_time_share', (g) => g.finished.on_time_rate, percent],
    ['online_share', (g) => g.received.online_share, percent], ['pending_at_end', (g) => g.pending_at_end, count]];
  return h('table', { id: 'table-units' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('receiving_unit')), ...keys.map(([k]) => h('th', { scope: 'col', class: 'num' }, t(k))))),
    h('tbody', {}, ...groups.map((g) => h('tr', { 'data-unit': g.group },
      h('th', { scope: 'row' }, named('unit', g.group)), ...keys.map(([k, get, fmt]) => cell(get(g), fmt(get(g)), k))))));
}

function indicatorTable(found) {
  const heads = [['group', ''], ['max_points', 'num'], ['rate', 'num'], ['points', 'num'], ['note', '']];
  return h('div', {}, h('p', { class: 'help' }, t('indicators_scope')),
    h('table', { id: 'table-indicators' },
      h('thead', {}, h('tr', {}, ...heads.map(([k, c]) => h('th', { scope: 'col', class: c }, t(k))))),
      h('tbody', {}, ...found.groups.map((g) => h('tr', { 'data-group': g.group, class: g.computed ? '' : 'not-computed' },
        h('th', { scope: 'row' }, t(`ind.${g.group}`)), cell(g.max_points, count(g.max_points), 'max_points'),
        cell(g.rate, percent(g.rate), 'rate'), cell(g.points, decimal(g.points), 'points'),
        h('td', { class: 'muted' }, g.computed ? '' : `${t('not_computed')}: ${t(`why.${g.group}`)}`)))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, t('computed_points')),
        cell(found.computable_max_points, count(found.computable_max_points), 'computable_max_points'), h('td', {}),
        h('td', { class: 'num', id: 'computed-points', 'data-value': String(found.computed_points ?? '') }, decimal(found.computed_points)),
        h('td', {})))));
}

function downloads() {
  const link = (label, extra) => h('a', { href: `/api/v1/stats?${query(extra)}`, download: '', class: 'chip', 'data-format': extra.format }, label);
  return h('section', { class: 'downloads', 'aria-labelledby': 'title-downloads' },
    h('h2', { id: 'title-downloads' }, t('downloads')),
    h('p', {}, link(t('csv_month'), { group_by: 'month', format: 'csv' }), ' ',
      link(t('xlsx_month'), { group_by: 'month', format: 'xlsx' }), ' ',
      link(t('csv_unit'), { group_by: 'unit', unit: null, format: 'csv' }), ' ',
      link(t('xlsx_unit'), { group_by: 'unit', unit: null, format: 'xlsx' })));
}

async function load() {
  const title = h('h1', {}, t('figures_title'));
  if (!choice.province) {
    show(title, controls([], []), h('p', { class: 'help' }, t('province_needed')));
    return;
  }
  let month; let units; let choices; let found;
  try {
    [month, units, choices, found] = await Promise.all([
      publicApi(`/stats?${query({ group_by: 'month' })}`),
      publicApi(`/stats?${query({ group_by: 'unit', unit: null })}`),
      publicApi(`/stats/choices?${new URLSearchParams({ province: choice.province })}`),
      publicApi(`/stats/indicators?${query({ unit: null, procedure: null })}`),
    ]);
  } catch (e) {
    const period = (e.errors || []).some((x) => x.field === 'from' || x.field === 'to');
    show(title, controls([], []), alertBox(period ? t('bad_period')
      : e.errors?.length ? `${politely(e)}: ${e.errors.map((x) => `${x.field}: ${x.message}`).join('; ')}` : politely(e)));
    return;
  }
  choice.from = month.from; choice.to = month.to;  // the API's defaults, shown as chosen
  const months = monthsOf(month.from, month.to);
  const byMonth = Object.fromEntries(month.groups.map((g) => [g.group, g]));
  const [timeliness, shares] = monthTables(months, byMonth);
  const [barPanel, barCanvas] = panel('timeliness', t('by_month_bar'), timeliness);
  const [linePanel, lineCanvas] = panel('shares', t('by_month_line'), shares);
  for (const u of choices.units) if (u.name) names.unit[u.code] = u.name;
  for (const p of choices.procedures) if (p.name) names.procedure[p.code] = p.name;
  const scope = [choice.province, choice.unit && named('unit', choice.unit),
    choice.procedure && named('procedure', choice.procedure)].filter(Boolean).join(' · ');
  show(title, controls([...choices.units.map((u) => u.code), ...units.groups.map((g) => g.group)],
    choices.procedures.map((p) => p.code)),
    h('p', { class: 'period', id: 'period' }, `${scope} · ${t('period_of', dayLabel(month.from), dayLabel(month.to))}`),
    tiles(month.total), barPanel, linePanel,
    h('section', { class: 'panel', 'aria-labelledby': 'title-units' }, h('h2', { id: 'title-units' }, t('by_unit')),
      units.groups.length ? unitTable(units.groups) : h('p', {}, t('no_figures'))),
    h('section', { class: 'panel', 'aria-labelledby': 'title-indicators' }, h('h2', { id: 'title-indicators' }, t('indicators')), indicatorTable(found)),
    downloads());
  const labels = months.map(monthLabel);
  const finished = (k) => months.map((m) => byMonth[m]?.finished[k] ?? 0);
  bars(barCanvas, labels, ['early', 'on_time', 'late'].map((k) => ({ key: k, label: t(k), values: finished(k) })));
  lines(lineCanvas, labels, [
    { key: 'on_time', label: t('on_time_share'), values: months.map((m) => byMonth[m]?.finished.on_time_rate ?? null) },
    { key: 'online', label: t('online_share'), values: months.map((m) => byMonth[m]?.received.online_share ?? null) },
  ], percent);
  root.dataset.ready = 'true';
}

load();
