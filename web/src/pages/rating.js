// The rating of the service, once per dossier after its result, with the proof of the
// lookup: one of five levels, the optional sheet of nine criteria (0 not met, 1 met,
// 2 good) and an optional complaint. "Already rated" and "not finished yet" said plainly.
import { alertBox, h, show } from '../dom.js';
import { lang, t, when } from '../i18n.js';
import { keptProof, keepProof, lookUp, politely, proofForm, publicApi } from '../public.js';
import { statusWords } from '../text/public.js';

const CRITERIA = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'];
const MAX_COMPLAINT = 4000;

const radio = (name, value, label, attrs = {}) => h('label', { class: 'check' },
  h('input', { type: 'radio', name, value, ...attrs }), ' ', label);

function sheet(d, proof) {
  const levels = h('fieldset', { class: 'field levels', id: 'field-level', 'aria-describedby': 'level-help' },
    h('legend', {}, t('level'), ' ', h('span', { class: 'req', 'aria-hidden': 'true' }, '*')),
    h('p', { class: 'help', id: 'level-help' }, t('level_help')),
    ...[5, 4, 3, 2, 1].map((n) => radio('level', n, t(`level.${n}`), { required: n === 5 })),
    h('p', { class: 'field-error', id: 'error-level' }));
  const criteria = h('fieldset', { class: 'field group criteria', id: 'field-criteria' },
    h('legend', {}, t('criteria')), h('p', { class: 'help' }, t('criteria_help')),
    h('table', { class: 'sheet' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, t('criterion')),
        ...['score_none', 'score_0', 'score_1', 'score_2'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...CRITERIA.map((c, i) => h('tr', { id: `field-criteria.${c}` },
        h('td', {}, String(i + 1)), h('th', { scope: 'row', id: `crit-${c}` }, t(`crit.${c}`),
          h('span', { class: 'field-error', id: `error-criteria.${c}` })),
        ...['', '0', '1', '2'].map((v) => h('td', {}, h('input', {
          type: 'radio', name: c, value: v, checked: v === '',
          'aria-label': `${t(`crit.${c}`)}: ${t(v === '' ? 'score_none' : `score_${v}`)}` }))))))));
  const complaint = h('div', { class: 'field', id: 'field-complaint' },
    h('label', { for: 'complaint' }, t('complaint')),
    h('textarea', { id: 'complaint', name: 'complaint', rows: 4, maxlength: MAX_COMPLAINT, 'aria-describedby': 'complaint-help' }),
    h('p', { class: 'help', id: 'complaint-help' }, t('complaint_help')),
    h('p', { class: 'field-error', id: 'error-complaint' }));
  const notice = h('div', { id: 'notice', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', id: 'send-rating' }, t('send_rating'));
  const form = h('form', { id: 'rating-form', class: 'card', novalidate: true },
    levels, criteria, complaint, notice, button);
  levels.addEventListener('change', () => {  // a level chosen: its error is answered
    levels.classList.remove('invalid');
    levels.querySelector('#error-level').textContent = '';
    if (!form.querySelector('.invalid')) notice.replaceChildren();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    form.querySelectorAll('.field-error').forEach((el) => { el.textContent = ''; });
    form.querySelectorAll('.invalid').forEach((el) => el.classList.remove('invalid'));
    const chosen = form.querySelector('input[name=level]:checked');
    if (!chosen) {
      mark('level', t('level_help'));
      notice.replaceChildren(alertBox(t('rating_errors')));
      form.querySelector('input[name=level]').focus();
      return;
    }
    const body = { level: Number(chosen.value), [proof.kind === 'secret' ? 'secret' : 'id_number']: proof.value };
    const scores = Object.fromEntries(CRITERIA.map((c) => [c, form.querySelector(`input[name=${c}]:checked`).value])
      .filter(([, v]) => v !== '').map(([c, v]) => [c, Number(v)]));
    if (Object.keys(scores).length) body.criteria = scores;
    const text = form.querySelector('#complaint').value.trim();
    if (text) body.complaint = text;
    button.disabled = true;
    try {
      const rated = await publicApi(`/dossiers/${encodeURIComponent(d.code)}/rating`, { method: 'POST', body });
      form.replaceWith(h('div', { class: 'ok', id: 'rated', role: 'status', tabindex: '-1' },
        h('p', {}, t('rated')),
        h('p', {}, `${t('level')}: ${t(`level.${rated.level}`)} · ${t('rated_at')}: ${when(rated.rated_at)}`)));
      document.getElementById('rated').focus();
    } catch (e) {
      for (const err of e.errors || []) mark(err.field, err.message);
      notice.replaceChildren(alertBox(e.status === 422 ? t('rating_errors') : politely(e)));
      if (e.code === 'already-rated') notice.firstChild.id = 'already-rated';
      button.disabled = false;
    }
  });
  return form;
}

function mark(field, message) {
  const box = document.getElementById(`field-${field}`);
  const error = document.getElementById(`error-${field}`);
  if (box) box.classList.add('invalid');
  if (error) error.textContent = message;
}

function summary(d) {
  return h('dl', { class: 'facts' },
    h('dt', {}, t('code')), h('dd', {}, d.code),
    h('dt', {}, t('procedure_name')), h('dd', {}, d.procedure),
    h('dt', {}, t('status')), h('dd', { id: 'status' }, statusWords(lang, d.status)),
    h('dt', {}, t('finished_at')), h('dd', {}, when(d.finished_at)));
}

const area = h('section', { id: 'rating', 'aria-live': 'polite' });

async function onProof(proof) {
  const form = document.getElementById('proof-form');
  let d;
  try {
    d = await lookUp(proof);
  } catch (e) {
    // The form stays as typed, the reason above it (a kept proof that fails: a fresh form).
    area.replaceChildren(alertBox(politely(e)), form || ask(proof.code));
    return;
  }
  keepProof(proof);
  const again = h('p', {}, h('a', { href: `/public/lookup?code=${encodeURIComponent(d.code)}` }, t('another')));
  if (!d.finished_at) {
    area.replaceChildren(summary(d), h('p', { class: 'alert', id: 'not-finished', role: 'alert' }, t('not_finished')), again);
    return;
  }
  area.replaceChildren(summary(d), sheet(d, proof));
  area.querySelector('input[name=level]').focus();
}

const ask = (code) => proofForm({ code, submitLabel: t('continue'), onProof });

const code = new URLSearchParams(location.search).get('code') || '';
const kept = keptProof(code || null);
show(h('h1', {}, t('rating_title')), area);
if (kept) onProof(kept);
else {
  area.replaceChildren(h('p', { class: 'help' }, t('rating_intro')), ask(code));
  document.getElementById(code ? 'proof' : 'code').focus();
}
