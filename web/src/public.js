// What the public pages share: the API without a session (a refusal is shown, never sent to
// the sign-in), the applicant's proof kept for this tab only, and the proof form.
import { h } from './dom.js';
import { t } from './i18n.js';
import './text/public.js';

export class PublicProblem extends Error {
  constructor(status, body, retryAfter) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.code = body.code;
    this.errors = body.errors || [];
    this.retryAfter = retryAfter;
  }
}

export async function publicApi(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let resp;
  try {
    resp = await fetch(`/api/v1${path}`, {
      method, headers, credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new PublicProblem(0, {}, null);
  }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new PublicProblem(resp.status, data, resp.headers.get('Retry-After'));
  return data;
}

// The message an applicant reads for a refusal: a wrong pair and a missing dossier alike.
export function politely(problem) {
  if (problem.status === 404) return t('not_found');
  if (problem.status === 429) return t('too_many', problem.retryAfter || 60);
  if (problem.code === 'already-rated') return t('already_rated');
  if (problem.code === 'not-ratable-yet') return t('not_finished');
  if (problem.status === 0 || problem.status >= 500) return t('unavailable');
  return problem.message;
}

// The proof of the last lookup, for the rating page of the same tab (never in an address).
const KEY = 'motcua.public.proof';
export function keepProof(proof) { sessionStorage.setItem(KEY, JSON.stringify(proof)); }
export function keptProof(code) {
  try {
    const proof = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return proof && (!code || proof.code === code) ? proof : null;
  } catch { return null; }
}

export const proofQuery = (proof) => new URLSearchParams(
  proof.kind === 'secret' ? { secret: proof.value } : { id_number: proof.value }).toString();

export const lookUp = (proof) => publicApi(
  `/public/dossiers/${encodeURIComponent(proof.code)}?${proofQuery(proof)}`);

// The form asking for the code and the applicant's proof; `onProof` gets { code, kind, value }.
export function proofForm({ code = '', submitLabel, onProof }) {
  const codeInput = h('input', { id: 'code', name: 'code', type: 'text', required: true,
    autocomplete: 'off', spellcheck: 'false', maxlength: 100, value: code });
  const value = h('input', { id: 'proof', name: 'proof', type: 'text', required: true,
    autocomplete: 'off', spellcheck: 'false', maxlength: 50 });
  const valueLabel = h('label', { for: 'proof' }, t('id_number'));
  const kinds = ['id_number', 'secret'].map((kind, i) => h('label', { class: 'check' },
    h('input', { type: 'radio', name: 'proof_kind', value: kind, checked: i === 0,
      onchange: () => {  // the API's bounds: an identity number of 50, a secret of 16
        valueLabel.textContent = t(kind);
        value.maxLength = kind === 'secret' ? 16 : 50;
      } }), ' ', t(kind)));
  const button = h('button', { type: 'submit', id: 'look-up' }, submitLabel);
  const form = h('form', { class: 'card proof-form', id: 'proof-form', novalidate: true },
    h('label', { for: 'code' }, t('code')), codeInput,
    h('fieldset', { class: 'field' }, h('legend', {}, t('proof_kind')), ...kinds),
    valueLabel, value, h('p', { class: 'field-error', id: 'proof-error', role: 'alert' }),
    button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = [codeInput, value].find((el) => !el.value.trim());
    if (missing) {
      form.querySelector('#proof-error').textContent = t('required_field');
      missing.setAttribute('aria-invalid', 'true');
      missing.focus();
      return;
    }
    [codeInput, value].forEach((el) => el.removeAttribute('aria-invalid'));
    form.querySelector('#proof-error').textContent = '';
    const kind = form.querySelector('input[name=proof_kind]:checked').value;
    button.disabled = true;
    try {
      await onProof({ code: codeInput.value.trim(), kind, value: value.value.trim() });
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
