// A form rendered from the task's JSON Schema, the very schema the server validates, by
// @json-editor/json-editor (npm) with a theme of ours: no <style> element, no style
// attribute (the pages' CSP allows neither; desk.css styles it). The renderer checks the
// whole schema in the browser (if/then rules included); the server's 422 field errors are
// shown beside the field they name (a JSON pointer such as /handling_unit → the editor at
// root.handling_unit), worded in the page's language from the failing keyword.
import { JSONEditor } from '@json-editor/json-editor/src/core.js';
import { Validator } from '@json-editor/json-editor/src/validator.js';
import { wordError } from './form_errors.js';
import { h } from './dom.js';
import { lang, t, ZONE } from './i18n.js';
import LANGUAGES from './text/jsoneditor.js';

const { defaults } = JSONEditor;
let seq = 0;
defaults.languages.vi = { ...defaults.languages.en, ...LANGUAGES.vi };
Object.assign(defaults.languages.en, LANGUAGES.en);
defaults.language = lang;

// The renderer's plain HTML theme, with classes instead of inline styles and the desk's
// field, help and error classes; an error is tied to its input for screen readers.
class DeskTheme extends defaults.themes.html {
  getHiddenLabel(text) { return h('label', { class: 'sr-only' }, text); }

  getHiddenText(text) { return h('span', { class: 'sr-only' }, text); }

  visuallyHidden(el) { if (el) el.classList.add('sr-only'); }

  // Made for every field, shown for none (show_opt_in is off): the base styles it inline.
  getOptInCheckbox(formname) {
    const checkbox = h('input', { type: 'checkbox', id: `${formname}-opt-in`, class: 'json-editor-opt-in' });
    const label = h('label', { class: 'sr-only', for: `${formname}-opt-in` }, `${formname}-opt-in`);
    return { label, checkbox, container: h('span', {}, checkbox, label) };
  }

  getFormControl(label, input, ...rest) {
    const el = super.getFormControl(label, input, ...rest);
    el.classList.add('field');
    if (label && label.classList.contains('required')) input.setAttribute('aria-required', 'true');
    return el;
  }

  // A list of check boxes is a fieldset named by its legend (the base: a <b> above them).
  getMultiCheckboxHolder(controls, label, description, infoText) {
    const el = h('fieldset', { class: 'control-group' });
    if (label) el.append(h('legend', {}, label, infoText || ''));
    el.append(...Object.values(controls), description || '');
    return el;
  }

  getFormInputDescription(text) { return h('p', { class: 'help' }, text); }

  getDescription(text) { return h('p', { class: 'help' }, text); }

  getErrorMessage(text) { return h('p', { class: 'field-error', role: 'alert' }, /\.$/.test(text) ? text : `${text}.`); }

  addInputError(input, text) {
    const group = this.closest(input, '.form-control') || input.controlgroup || input;
    if (!input.errmsg) {
      seq += 1;
      input.errmsg = h('p', { class: 'field-error', 'aria-live': 'polite', id: `form-error-${seq}` });
      group.append(input.errmsg);
      if (input.setAttribute) input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), input.errmsg.id].filter(Boolean).join(' '));
    }
    input.errmsg.textContent = text;
    group.classList.add('invalid');
    if (input.setAttribute) input.setAttribute('aria-invalid', 'true');
  }

  removeInputError(input) {
    if (!input.errmsg) return;
    input.errmsg.textContent = '';
    (this.closest(input, '.form-control') || input.controlgroup || input).classList.remove('invalid');
    if (input.removeAttribute) input.removeAttribute('aria-invalid');
  }
}
defaults.themes.motcua = DeskTheme;

// What nobody gave stays ungiven: the renderer would put 0 in a required number and the
// first value in a choice, sent as if the officer had chosen them.
for (const kind of ['select', 'number', 'integer']) {
  defaults.editors[kind] = class extends defaults.editors[kind] {
    getDefault() { return this.schema.default; }
  };
}

const STAMP = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const toLocal = (iso) => (/T.*(Z|[+-]\d\d:?\d\d)$/i.test(iso) && !Number.isNaN(Date.parse(iso))
  ? STAMP.format(new Date(iso)).replace(' ', 'T') : iso);
const fromLocal = (v) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+07:00` : v);

// A date-time is typed in the province's time (datetime-local has no zone) and sent with
// its offset; one the server gave in another offset is shown in the province's time.
class ZonedEditor extends defaults.editors.string {
  setValue(value, ...rest) { return super.setValue(typeof value === 'string' ? toLocal(value) : value, ...rest); }

  getValue() {
    const v = super.getValue();
    return typeof v === 'string' ? fromLocal(v) : v;
  }
}
defaults.editors.zoned = ZonedEditor;
defaults.resolvers.unshift((s) => s.type === 'string' && s.format === 'date-time' && 'zoned');

// "accept: receive it; guide: ask for more" in a description names the enum's values.
function enumLabels(schema) {
  const labels = {};
  for (const part of String(schema.description || '').split(';')) {
    const m = part.match(/^\s*([\w-]+)\s*:\s*(.+?)\s*$/);
    if (m && schema.enum.map(String).includes(m[1])) labels[m[1]] = m[2];
  }
  return labels;
}

// The schema as the renderer is to show it (a copy; the server's stays as it is): enum
// labels, a "choose" placeholder, check boxes for yes/no, long texts in text areas, and
// date-times typed in the province's time. Shown, if/then/else rules are left out (the
// renderer would draw the form once per branch); checked, they are kept.
const CONDITIONAL = ['if', 'then', 'else'];
const DATA = ['enum', 'const', 'required', 'default', 'examples']; // values, not schemas
function prepare(node, shown, top = true) {
  if (Array.isArray(node)) return node.map((x) => prepare(x, shown, false));
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (shown && CONDITIONAL.includes(k)) continue;
    out[k] = DATA.includes(k) ? v : prepare(v, shown, false);
  }
  if (shown && out.allOf) {
    out.allOf = out.allOf.filter((x) => Object.keys(x).length);
    if (!out.allOf.length) delete out.allOf;
  }
  const options = { ...(out.options || {}) };
  if (Array.isArray(out.enum)) {
    const labels = enumLabels(out);
    if (Object.keys(labels).length) {
      options.enum_titles = out.enum.map((v) => labels[v] || String(v));
      delete out.description;
    }
    if (out.type !== 'array') Object.assign(options, { has_placeholder_option: true, placeholder_option_text: t('choose') });
  }
  if (out.type === 'boolean') out.format = 'checkbox';
  if ((out.type === 'integer' || out.type === 'number') && !out.format) {
    out.format = 'number';
    options.inputAttributes = { step: out.type === 'integer' ? '1' : 'any', ...(options.inputAttributes || {}) };
  }
  if (out.type === 'string' && !out.format && (out.maxLength || 0) > 300) out.format = 'textarea';
  if (out.format === 'date-time') options.format = 'datetime-local';
  if (top) {
    options.compact = true; // the page shows the form's title itself; its description is
    delete out.description; // the designers' note
  }
  if (Object.keys(options).length) out.options = options;
  return out;
}

const pathOf = (pointer) => ['root', ...String(pointer).split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))].join('.');
const REQUIRED = '\u0001';

export function renderForm(schema, data) {
  const general = h('div', { class: 'form-errors', role: 'alert' });
  const holder = h('div', { class: 'schema-form-fields' });
  const element = h('div', { class: 'schema-form' }, general, holder);
  let checked = false;
  let checker = null;
  const validate = () => beside(checker.validate(value()));
  let server = [];
  const je = new JSONEditor(holder, {
    schema: prepare(schema, true),
    theme: 'motcua',
    iconlib: null,
    disable_theme_rules: true,
    disable_edit_json: true,
    disable_properties: true,
    disable_collapse: true,
    disable_array_delete_all_rows: true,
    disable_array_delete_last_row: true,
    disable_array_reorder: true,
    prompt_before_delete: false,
    remove_empty_properties: true,
    use_default_values: false,
    show_errors: 'never',
  });
  const editors = () => Object.entries(je.editors).filter(([, ed]) => ed);

  const beside = (errors) => errors.map((e) => {
    if (!e.message.startsWith(REQUIRED)) return e;
    const name = e.message.slice(1);
    const parent = je.getEditor(e.path);
    const props = (parent && parent.schema.properties) || {};
    const value = (parent && parent.getValue()) || {};
    const key = name in props ? name : Object.keys(props).find((k) => props[k].title === name && value[k] === undefined) || name;
    const path = je.getEditor(`${e.path}.${key}`) ? `${e.path}.${key}` : e.path;
    return { ...e, path, message: path === e.path ? `${name}: ${defaults.translate('error_required')}` : defaults.translate('error_required') };
  }).filter((e, i, all) => all.findIndex((x) => x.path === e.path && x.message === e.message) === i);

  const valueAt = (path) => JSON.stringify((je.getEditor(path) || { getValue: () => null }).getValue());
  const show = (errors) => {
    const still = server.filter((s) => valueAt(s.path) === s.was);
    je.showValidationErrors([...errors, ...still]);
  };
  const focusFirst = (errors) => {
    const ed = errors.map((e) => je.getEditor(e.path)).find((x) => x && x.path !== 'root');
    const target = ed && (ed.input && ed.input.focus ? ed.input : ed.container.querySelector('input, select, textarea, button'));
    if (target) target.focus();
  };

  // What the data says of the form's own fields (the rest of the dossier's data stays
  // out), set as the first value: a field it leaves out stays on the form.
  const known = Object.keys(schema.properties || {});
  const start = Object.fromEntries(Object.entries(data || {}).filter(([k]) => known.includes(k)));
  const ready = new Promise((resolve, reject) => {
    je.on('ready', () => {
      je.root.setValue(start, true);
      // The checks, with the schema's rules whole. "Required" is said by the object lacking
      // a property: the marker keeps its name, to move the error beside the missing field.
      const marking = Object.assign(Object.create(je), {
        translate: (key, vars, s) => (key === 'error_required' ? `${REQUIRED}${vars[0]}` : defaults.translate(key, vars, s)),
      });
      checker = new Validator(marking, prepare(schema, false), {}, defaults);
      for (const [, ed] of editors()) {
        // The check boxes of a choice list carry their value, as a plain form's would.
        if (ed.input_type === 'checkboxes') for (const [k, box] of Object.entries(ed.select_options)) box.value = k;
      }
      resolve();
    });
    je.promise.catch(reject);
  });
  // Once the officer has tried to send, each change is checked again as it is made.
  je.on('change', () => show(checked && checker ? validate() : []));

  const value = () => {
    if (!je.ready) return { ...(data || {}) };
    const out = je.getValue();
    for (const [path, ed] of editors()) {
      const keys = path.split('.').slice(1);
      const last = keys.pop();
      const parent = keys.reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), out);
      if (!parent || typeof parent !== 'object' || !(last in parent)) continue;
      // A list left empty is not sent unless the schema requires it.
      if (Array.isArray(parent[last]) && !parent[last].length && !ed.isRequired()) delete parent[last];
    }
    return out;
  };

  return {
    element,
    ready,
    value,
    destroy() { if (je.ready) je.destroy(); },
    // Browser-side: the whole schema; the first field at fault gets the focus.
    check() {
      if (!checker) return false;
      checked = true;
      server = [];
      general.replaceChildren();
      const errors = validate();
      show(errors);
      focusFirst(errors);
      return !errors.length;
    },
    // The server's 422: each error beside the field its pointer names (or the nearest
    // enclosing one); what names no field goes above the form.
    showErrors(errors, summary) {
      general.replaceChildren();
      server = [];
      for (const e of errors) {
        const message = wordError(e, lang).replace(/\.$/, '');
        let path = pathOf(e.field || '');
        while (path !== 'root' && !je.getEditor(path)) path = path.slice(0, path.lastIndexOf('.'));
        const below = pathOf(e.field || '').slice(path.length + 1);
        if (path === 'root' || !je.ready) general.append(h('p', { class: 'alert' }, `${e.field || '/'}: ${message}.`));
        else server.push({ path, property: e.keyword, message: below ? `${below}: ${message}` : message, was: valueAt(path) });
      }
      if (summary) general.prepend(h('p', { class: 'alert' }, summary));
      if (checker) show(checked ? validate() : []);
      focusFirst(server);
    },
  };
}
