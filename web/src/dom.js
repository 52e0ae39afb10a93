// A tiny element builder: text is always set as text, never parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const app = () => document.getElementById('app');

export function show(...nodes) {
  const root = app();
  root.replaceChildren(...nodes);
  root.setAttribute('aria-busy', 'false');
  // The first time a page shows its data it is usable: bench/bench_pages.py reads this mark.
  if (!performance.getEntriesByName('motcua:interactive').length) performance.mark('motcua:interactive');
}

export function alertBox(message) {
  return h('p', { class: 'alert', role: 'alert' }, message);
}

export function badge(timeliness, label) {
  return timeliness ? h('span', { class: `badge ${timeliness}` }, label) : '';
}
