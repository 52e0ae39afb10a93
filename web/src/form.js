// A form rendered from the task's JSON Schema, the very schema the server validates.
// The browser checks what HTML can (required, enum, length, pattern, bounds, item counts);
// everything else (if/then rules, formats) the server checks, and its 422 field errors are
// shown beside the field they name (a JSON pointer such as /handling_unit), worded in the
// page's language from the failing keyword (form_errors.js).
import { h } from './dom.js';
import { wordError } from './form_errors.js';
import { lang, t } from './i18n.js';

let seq = 0;

function resolve(root, schema) {
  let s = schema || {};
  for (let i = 0; i < 10 && typeof s.$ref === 'string' && s.$ref.startsWith('#/'); i += 1) {
    const target = s.$ref.slice(2).split('/').reduce((o, k) => (o ? o[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
    const { $ref, ...rest } = s;
    s = { ...(target || {}), ...rest };
  }
  return s;
}

// "accept: receive it; guide: ask for more" in a description names the enum's values.
function enumLabels(schema) {
  const labels = {};
  for (const part of String(schema.description || '').split(';')) {
    const m = part.match(/^\s*([\w-]+)\s*:\s*(.+?)\s*$/);
    if (m && (schema.enum || []).map(String).includes(m[1])) labels[m[1]] = m[2];
  }
  return labels;
}

const typeOf = (s) => (Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type)
  || (s.enum ? typeof s.enum[0] : s.properties ? 'object' : undefined);

// Each field: pointer, wrapper element, error slot, read() → value | undefined, focus target.
function field(root, schema, pointer, name, value, required, fields) {
  const s = resolve(root, schema);
  const id = `f${(seq += 1)}`;
  const title = s.title || name;
  const errId = `${id}-error`;
  const helpId = `${id}-help`;
  const labels = s.enum ? enumLabels(s) : {};
  const help = s.description && !Object.keys(labels).length ? h('p', { class: 'help', id: helpId }, s.description) : null;
  const described = [help ? helpId : null, errId].filter(Boolean).join(' ');
  const errorSlot = h('p', { class: 'field-error', id: errId, 'aria-live': 'polite' });
  const type = typeOf(s);
  let input; let read; let wrapper;

  if (type === 'object' && s.properties) {
    const children = Object.entries(s.properties).map(([k, sub]) => field(
      root, sub, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, k,
      (value || {})[k], (s.required || []).includes(k), fields));
    wrapper = h('fieldset', { class: 'field group' }, h('legend', {}, title), ...children.map((c) => c.wrapper), errorSlot);
    const out = { pointer, wrapper, errorSlot, read: () => {
      const obj = {};
      for (const c of children) { const v = c.read(); if (v !== undefined) obj[c.name] = v; }
      return Object.keys(obj).length || required ? obj : undefined;
    }, focus: () => children[0] && children[0].focus(), name };
    fields.push(out);
    return out;
  }

  const items = s.items ? resolve(root, s.items) : {};
  if (type === 'array' && items.enum) {
    const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
    const itemLabels = enumLabels(items);
    const boxes = items.enum.map((opt, i) => {
      const box = h('input', { type: 'checkbox', id: `${id}-${i}`, value: String(opt), checked: chosen.has(String(opt)), 'aria-describedby': described });
      return { box, el: h('label', { class: 'check', for: `${id}-${i}` }, box, ` ${itemLabels[opt] || opt}`) };
    });
    wrapper = h('fieldset', { class: 'field' }, h('legend', {}, title, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : ''),
      ...boxes.map((b) => b.el), help, errorSlot);
    const min = s.minItems || 0;
    boxes.forEach((b) => b.box.addEventListener('change', () => boxes[0].box.setCustomValidity('')));
    read = () => {
      const picked = boxes.filter((b) => b.box.checked).map((b, i) => items.enum[boxes.indexOf(b)]);
      return picked.length || required ? picked : undefined;
    };
    const out = { pointer, wrapper, errorSlot, read, name, focus: () => boxes[0].box.focus(),
      check: () => {
        const n = boxes.filter((b) => b.box.checked).length;
        boxes[0].box.setCustomValidity(n < min ? `≥ ${min}` : '');
      } };
    fields.push(out);
    return out;
  }

  if (s.enum) {
    input = h('select', { id, name: pointer, required, 'aria-describedby': described },
      h('option', { value: '' }, t('choose')),
      ...s.enum.map((opt) => h('option', { value: String(opt), selected: value !== undefined && String(value) === String(opt) }, labels[opt] ? `${labels[opt]} (${opt})` : String(opt))));
    read = () => (input.value === '' ? undefined : s.enum.find((o) => String(o) === input.value));
  } else if (type === 'boolean') {
    input = h('input', { type: 'checkbox', id, name: pointer, checked: value === true, 'aria-describedby': described });
    read = () => input.checked;
  } else if (type === 'integer' || type === 'number') {
    input = h('input', { type: 'number', id, name: pointer, required, min: s.minimum, max: s.maximum,
      step: type === 'integer' ? 1 : 'any', value: value ?? '', 'aria-describedby': described });
    read = () => (input.value === '' ? undefined : Number(input.value));
  } else if (type === 'array' && (!items.type || items.type === 'string')) {
    input = h('textarea', { id, name: pointer, rows: 3, required: required || s.minItems > 0, 'aria-describedby': described, placeholder: t('one_per_line') });
    input.value = Array.isArray(value) ? value.join('\n') : '';
    read = () => {
      const lines = input.value.split('\n').map((l) => l.trim()).filter(Boolean);
      return lines.length || required ? lines : undefined;
    };
  } else if (type === 'string') {
    const long = (s.maxLength || 0) > 300;
    const kind = s.format === 'date' ? 'date' : s.format === 'date-time' ? 'datetime-local' : s.format === 'email' ? 'email' : 'text';
    input = h(long ? 'textarea' : 'input', { id, name: pointer, required, type: long ? undefined : kind,
      rows: long ? 4 : undefined, minlength: s.minLength, maxlength: s.maxLength,
      pattern: s.pattern && !long ? s.pattern.replace(/^\^/, '').replace(/\$$/, '') : undefined,
      'aria-describedby': described });
    input.value = typeof value === 'string' ? (kind === 'datetime-local' ? value.slice(0, 16) : value) : '';
    // datetime-local has no zone: what the officer types is the province's time (+07:00).
    read = () => (input.value === '' ? undefined : kind === 'datetime-local' ? `${input.value}:00+07:00` : input.value);
  } else {
    input = h('textarea', { id, name: pointer, rows: 3, 'aria-describedby': described, placeholder: t('json_value') });
    input.value = value === undefined ? '' : JSON.stringify(value, null, 2);
    read = () => {
      if (input.value.trim() === '') return undefined;
      try { input.setCustomValidity(''); return JSON.parse(input.value); } catch (e) { input.setCustomValidity(e.message); return undefined; }
    };
  }
  wrapper = h('div', { class: 'field' },
    h('label', { for: id }, title, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : ''),
    input, help, errorSlot);
  const out = { pointer, wrapper, errorSlot, read, name, input, focus: () => input.focus() };
  fields.push(out);
  return out;
}

export function renderForm(schema, data) {
  const fields = [];
  const top = resolve(schema, schema);
  const parts = Object.entries(top.properties || {}).map(([k, sub]) => field(
    schema, sub, `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, k, (data || {})[k],
    (top.required || []).includes(k), fields));
  const general = h('div', { class: 'form-errors', role: 'alert' });
  const element = h('div', { class: 'schema-form' }, general, ...parts.map((p) => p.wrapper));

  const mark = (f, message) => {
    f.errorSlot.textContent = message;
    f.wrapper.classList.add('invalid');
    if (f.input) f.input.setAttribute('aria-invalid', 'true');
  };
  const clear = () => {
    general.replaceChildren();
    for (const f of fields) {
      f.errorSlot.textContent = '';
      f.wrapper.classList.remove('invalid');
      if (f.input) f.input.removeAttribute('aria-invalid');
    }
  };
  return {
    element,
    clear,
    value() {
      const out = {};
      for (const p of parts) { const v = p.read(); if (v !== undefined) out[p.name] = v; }
      return out;
    },
    // Browser-side: the constraints HTML knows; the first field at fault gets the focus.
    check() {
      clear();
      let first = null;
      for (const f of fields) {
        if (f.check) f.check();
        const el = f.input || f.wrapper.querySelector('input');
        if (el && !el.checkValidity()) { mark(f, el.validationMessage); first = first || f; }
      }
      if (first) first.focus();
      return !first;
    },
    // The server's 422: each error beside the field its pointer names (or the nearest
    // enclosing one); what names no field goes above the form.
    showErrors(errors, summary) {
      clear();
      let first = null;
      for (const e of errors) {
        const pointer = String(e.field || '');
        const message = wordError(e, lang);
        const f = fields.filter((x) => pointer === x.pointer || pointer.startsWith(`${x.pointer}/`))
          .sort((a, b) => b.pointer.length - a.pointer.length)[0];
        if (f) {
          // Beside an enclosing field, the part of the pointer below it says which item.
          const below = pointer.slice(f.pointer.length + 1);
          const said = below ? `${below.replace(/~1/g, '/').replace(/~0/g, '~')}: ${message}` : message;
          mark(f, f.errorSlot.textContent ? `${f.errorSlot.textContent} ${said}` : said);
          first = first || f;
        } else general.append(h('p', { class: 'alert' }, `${pointer || '/'}: ${message}`));
      }
      if (summary) general.prepend(h('p', { class: 'alert' }, summary));
      if (first) first.focus();
    },
  };
}
