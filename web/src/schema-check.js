// What the form editor can tell before asking the server: where JSON text stops being JSON
// (line and column, in every browser: JSON.parse's messages differ between engines), and
// the mistakes a JSON Schema form most often has (a misspelt type, `required` naming no
// field, a pattern that is no regular expression, a local $ref leading nowhere). The server's
// check (the meta-schema, references between forms) remains the one that decides.

const TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];

// `text` scanned as JSON: `error`, its first syntax error ({ offset, line, column, code,
// args }, codes being words of text/versions.js) or null; `duplicates`, the keys given twice
// in one object ({ offset, line, column, key }): JSON.parse and the server keep the last.
export function scanJson(text) {
  let i = 0;
  const duplicates = [];
  const fail = (code, ...args) => { throw { jsonAt: i, code, args }; };
  const ch = () => (i < text.length ? JSON.stringify(text[i]) : null);
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i += 1; };
  function string() {
    i += 1;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail('je_control');
      if (text[i] === '\\') {
        i += 1;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('je_escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] || 'x')) fail('je_escape');
      }
      i += 1;
    }
    if (i >= text.length) fail('je_unclosed');
    i += 1;
  }
  function number() {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || !m[0] || m[0] === '-') fail('je_number');
    i += m[0].length;
  }
  function value() {
    ws();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) { i += word.length; return undefined; }
    if (c === undefined) fail('je_end');
    return fail('je_value', ch());
  }
  function object() {
    i += 1; ws();
    if (text[i] === '}') { i += 1; return; }
    const keys = new Set();
    for (;;) {
      ws();
      if (text[i] === '}') fail('je_trailing_comma');
      if (text[i] === undefined) fail('je_end');
      if (text[i] !== '"') fail('je_key', ch());
      const at = i;
      string();
      const key = JSON.parse(text.slice(at, i));
      if (keys.has(key)) duplicates.push({ offset: at, ...lineColumn(text, at), key });
      keys.add(key);
      ws();
      if (text[i] !== ':') fail(text[i] === undefined ? 'je_end' : 'je_colon', ch());
      i += 1; value(); ws();
      if (text[i] === ',') { i += 1; continue; }
      if (text[i] === '}') { i += 1; return; }
      fail(text[i] === undefined ? 'je_end' : 'je_object', ch());
    }
  }
  function array() {
    i += 1; ws();
    if (text[i] === ']') { i += 1; return; }
    for (;;) {
      value(); ws();
      if (text[i] === ',') { i += 1; ws(); if (text[i] === ']') fail('je_trailing_comma'); continue; }
      if (text[i] === ']') { i += 1; return; }
      fail(text[i] === undefined ? 'je_end' : 'je_array', ch());
    }
  }
  try {
    value(); ws();
    if (i < text.length) fail('je_after');
    return { error: null, duplicates };
  } catch (e) {
    if (e.jsonAt === undefined) throw e;
    return { error: { offset: e.jsonAt, ...lineColumn(text, e.jsonAt), code: e.code, args: e.args }, duplicates };
  }
}

export function lineColumn(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const esc = (k) => String(k).replace(/~/g, '~0').replace(/\//g, '~1');

// The schema's likely mistakes: [{ pointer, code, args }] (codes are words of text/versions.js).
export function schemaProblems(root) {
  const out = [];
  const add = (pointer, code, ...args) => out.push({ pointer: pointer || '/', code, args });
  if (!isObject(root)) { add('/', 'sp_not_object'); return out; }
  const seen = new Set();
  // `whole`: a schema that lists its own fields (not a part combined by allOf, if/then…,
  // whose `required` may name fields of the schema around it).
  function walk(s, at, depth, whole = true) {
    if (typeof s === 'boolean' || depth > 64) return;
    if (!isObject(s)) { add(at, 'sp_not_schema'); return; }
    if (seen.has(s)) return;
    seen.add(s);
    const types = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
    for (const ty of types) if (!TYPES.includes(ty)) add(`${at}/type`, 'sp_type', String(ty));
    if (s.properties !== undefined && !isObject(s.properties)) add(`${at}/properties`, 'sp_properties');
    const props = isObject(s.properties) ? s.properties : {};
    if (s.required !== undefined) {
      if (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string')) add(`${at}/required`, 'sp_required');
      else {
        for (const r of s.required) if (whole && isObject(s.properties) && !(r in props)) add(`${at}/required`, 'sp_required_unknown', r);
        if (new Set(s.required).size !== s.required.length) add(`${at}/required`, 'sp_required_twice');
      }
    }
    if (s.enum !== undefined && (!Array.isArray(s.enum) || !s.enum.length)) add(`${at}/enum`, 'sp_enum');
    for (const k of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
      if (s[k] !== undefined && !(Number.isInteger(s[k]) && s[k] >= 0)) add(`${at}/${k}`, 'sp_count', k);
    }
    for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']) {
      if (s[k] !== undefined && typeof s[k] !== 'number') add(`${at}/${k}`, 'sp_number', k);
    }
    if (s.pattern !== undefined) {
      try { new RegExp(s.pattern, 'u'); } catch (e) { add(`${at}/pattern`, 'sp_pattern', e.message); }
    }
    if (typeof s.$ref === 'string' && s.$ref.startsWith('#')) {
      const target = s.$ref.slice(1).split('/').slice(1).reduce((o, k) => (isObject(o) || Array.isArray(o) ? o[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
      if (s.$ref !== '#' && target === undefined) add(`${at}/$ref`, 'sp_ref', s.$ref);
    }
    for (const [k, sub] of Object.entries(props)) walk(sub, `${at}/properties/${esc(k)}`, depth + 1);
    if (isObject(s.items)) walk(s.items, `${at}/items`, depth + 1);
    for (const k of ['$defs', 'definitions']) {
      if (isObject(s[k])) for (const [n, sub] of Object.entries(s[k])) walk(sub, `${at}/${k}/${esc(n)}`, depth + 1);
    }
    for (const k of ['allOf', 'anyOf', 'oneOf']) {
      if (Array.isArray(s[k])) s[k].forEach((sub, n) => walk(sub, `${at}/${k}/${n}`, depth + 1, false));
    }
    for (const k of ['if', 'then', 'else', 'not']) if (isObject(s[k])) walk(s[k], `${at}/${k}`, depth + 1, false);
  }
  walk(root, '', 0);
  return out;
}
