// The JSON API with the page's session: the cookie goes along, and every change carries
// the session's CSRF token (the API refuses a change by cookie without it).
import { lang } from './i18n.js';
import { problemMessage } from './problem_text.js';

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

// A refusal of the API: `message` in the page's language (problem_text.js), `detail` the
// server's own words.
export class Problem extends Error {
  constructor(status, body) {
    const detail = body.detail || body.title || `HTTP ${status}`;
    super(problemMessage(body.code, detail, lang));
    this.detail = detail;
    this.status = status;
    this.code = body.code;
    this.errors = body.errors || [];
  }
}

// One request to the API: the response once it is a success, else a Problem (a 401 first
// sends the browser to sign in and back).
async function request(path, { method = 'GET', headers = {}, body } = {}) {
  const all = { Accept: 'application/json', ...headers };
  if (method !== 'GET') all['X-CSRF-Token'] = csrf();
  const resp = await fetch(`/api/v1${path}`, { method, headers: all, credentials: 'same-origin', body });
  if (resp.status === 401) {
    window.location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  if (!resp.ok) throw new Problem(resp.status, await resp.json().catch(() => ({})));
  return resp;
}

export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const resp = await request(path, {
    method,
    headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return resp.json().catch(() => ({}));
}

// POST a multipart form (a FormData): the answer's status and JSON.
export async function apiForm(path, form, headers = {}) {
  const resp = await request(path, { method: 'POST', body: form, headers });
  return { status: resp.status, data: await resp.json().catch(() => ({})) };
}

// A version's diagram, as BPMN XML text.
export async function diagramXml(key, version) {
  const path = `/process-definitions/${encodeURIComponent(key)}/versions/${version}/bpmn`;
  return (await request(path, { headers: { Accept: 'application/xml' } })).text();
}
