// A dossier's record verified (GET /dossiers/{code}/history/verify), said plainly: intact or
// not, then each of the three checks: the hash chain, the daily anchors, the re-execution of
// its inputs, with the first divergence found and a way to replay the event at fault.
import { api } from './api.js';
import { alertBox, h } from './dom.js';
import { t } from './i18n.js';

// A divergence or an anchor problem in the page's language, by its code (else as the API says).
export function why(found) {
  const words = t('why');
  return (typeof words === 'object' && words[found.code]) || found.reason;
}

function check(id, title, intact, ...details) {
  return h('li', { id, class: intact ? 'check-ok' : 'check-failed' },
    h('strong', {}, `${title}: `), intact ? t('intact') : t('not_intact'),
    ...details.filter(Boolean).map((d) => h('div', { class: 'muted' }, d)));
}

function divergence(found, goTo) {
  if (!found) return null;
  return h('span', {}, t('divergence', found.seq, why(found)), ' · ',
    t('expected_found', found.expected, found.found), ' ',
    h('button', { type: 'button', class: 'link', 'data-seq': found.seq, onclick: () => goTo(found.seq) },
      t('go_to_event')));
}

export function verdictSection(code, goTo) {
  const body = h('div', { id: 'verdict', role: 'status' }, h('p', { class: 'muted' }, t('verifying')));
  const section = h('section', { class: 'verification', 'aria-labelledby': 'verification' },
    h('h2', { id: 'verification' }, t('verification')), body);
  api(`/dossiers/${encodeURIComponent(code)}/history/verify`).then((v) => {
    const again = v.reexecution;
    body.replaceChildren(
      h('p', { id: 'verdict-overall', class: v.intact ? 'ok' : 'alert', 'data-intact': String(v.intact) },
        h('strong', {}, v.intact ? t('intact') : t('not_intact')), ` · ${t('events_count', v.events)}`),
      h('ul', { class: 'checks' },
        check('verdict-chain', t('chain'), v.chain.intact, divergence(v.chain.first_divergence, goTo)),
        check('verdict-anchors', t('anchors'), v.anchors.intact,
          ...v.anchors.problems.map((p) => t('anchor_problem', p.day, why(p)))),
        check('verdict-reexecution', t('reexecution'), again.intact,
          t('steps_compared', again.steps_compared, again.digests_compared),
          divergence(again.first_divergence, goTo))));
    body.dataset.done = 'true';
  }).catch((e) => {
    body.replaceChildren(alertBox(e.message));
    body.dataset.done = 'true';
  });
  return section;
}
