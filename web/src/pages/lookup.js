// The public dossier lookup: the code and the applicant's proof (identity number or the
// receipt's secret) give the status in words, the portal status, the appointment, a pause
// and its reason, and the notices addressed to the applicant as PDF downloads.
import { alertBox, h, show } from '../dom.js';
import { lang, t, when } from '../i18n.js';
import { keepProof, lookUp, politely, proofForm, proofQuery } from '../public.js';
import { portalWords, statusWords } from '../text/public.js';

const result = h('section', { id: 'result', 'aria-live': 'polite' });

function facts(d) {
  const rows = [
    ['procedure_name', d.procedure, 'procedure'],
    ['status', statusWords(lang, d.status), 'status'],
    ['portal_status', d.portal_status ? `${d.portal_status.code} · ${portalWords(lang, d.portal_status)}` : '—', 'portal-status'],
    ['received_at', when(d.received_at), 'received'],
    ['appointment', when(d.appointment), 'appointment'],
    ['paused', d.paused ? `${t('paused_now')}${d.paused_reason ? ` · ${t('paused_reason')}: ${d.paused_reason}` : ''}` : t('not_paused'), 'paused'],
  ];
  if (d.finished_at) rows.push(['finished_at', when(d.finished_at), 'finished']);
  return h('dl', { class: 'facts' }, ...rows.flatMap(([label, value, id]) => [
    h('dt', {}, t(label)), h('dd', { id }, value)]));
}

function notices(d, proof) {
  if (!d.documents.length) return h('p', {}, t('no_notices'));
  const base = `/api/v1/public/dossiers/${encodeURIComponent(d.code)}/documents`;
  return h('table', { class: 'documents' },
    h('thead', {}, h('tr', {}, ...['kind', 'form', 'created'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, ...d.documents.map((doc) => h('tr', {},
      h('td', {}, h('a', { href: `${base}/${doc.id}?${proofQuery(proof)}`, 'data-kind': doc.kind,
        download: doc.file_name, type: 'application/pdf' }, t(`doc.${doc.kind}`)),
        h('span', { class: 'muted' }, ` · ${t('download')}`)),
      h('td', {}, doc.form ? `${t('form')} ${doc.form}` : ''), h('td', {}, when(doc.created_at))))));
}

function found(d, proof) {
  keepProof(proof);
  const rate = d.finished_at
    ? h('p', {}, h('a', { class: 'button', id: 'rate', href: `/public/rating?code=${encodeURIComponent(d.code)}` }, t('rate_now')))
    : h('p', { class: 'muted', id: 'rate-later' }, t('rate_later'));
  result.replaceChildren(h('h2', { id: 'found' }, `${t('dossier')} ${d.code}`), facts(d),
    h('h2', {}, t('notices')), notices(d, proof), rate);
  result.querySelector('h2').setAttribute('tabindex', '-1');
  result.querySelector('h2').focus();
}

async function onProof(proof) {
  result.replaceChildren(h('p', {}, t('loading')));
  try {
    found(await lookUp(proof), proof);
  } catch (e) {
    result.replaceChildren(alertBox(politely(e)));
  }
}

const code = new URLSearchParams(location.search).get('code') || '';
show(h('h1', {}, t('lookup_title')), h('p', { class: 'help' }, t('lookup_intro')),
  h('div', { class: 'public-columns' }, proofForm({ code, submitLabel: t('look_up'), onProof }), result));
document.getElementById(code ? 'proof' : 'code').focus();
