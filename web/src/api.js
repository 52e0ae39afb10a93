// The JSON API with the page's session: the cookie goes along, and every change carries
// the session's CSRF token (the API refuses a change by cookie without it).
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

export class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.code = body.code;
    this.errors = body.errors || [];
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const resp = await fetch(`/api/v1${path}`, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (resp.status === 401) {
    window.location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Problem(resp.status, data);
  return data;
}
