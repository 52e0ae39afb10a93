// The server's form errors in the page's language: each 422 item of a form-invalid carries
// the JSON Schema keyword that failed and its params (engine/forms.py); its `message` is
// English and is kept only for a keyword worded nowhere here. No DOM: node can test it.
const list = (xs) => (Array.isArray(xs) ? xs.map((x) => (x === null ? 'null' : String(x))).join(', ') : String(xs));

const TYPES = {
  vi: { string: 'văn bản', integer: 'số nguyên', number: 'số', boolean: 'có/không', object: 'nhóm trường', array: 'danh sách', null: 'trống' },
  en: { string: 'text', integer: 'a whole number', number: 'a number', boolean: 'yes/no', object: 'a group of fields', array: 'a list', null: 'empty' },
};
const FORMATS = {
  vi: { date: 'ngày (năm-tháng-ngày)', 'date-time': 'ngày giờ', email: 'địa chỉ email', time: 'giờ', uri: 'địa chỉ web' },
  en: { date: 'a date (year-month-day)', 'date-time': 'a date and time', email: 'an email address', time: 'a time', uri: 'a web address' },
};
const typeName = (code, type) => (Array.isArray(type) ? type : [type]).map((x) => TYPES[code][x] || x).join(code === 'vi' ? ' hoặc ' : ' or ');

const WORDS = {
  vi: {
    required: () => 'Trường này bắt buộc phải điền.',
    minLength: (p) => `Cần ít nhất ${p.limit} ký tự.`,
    maxLength: (p) => `Không quá ${p.limit} ký tự.`,
    minimum: (p) => `Phải lớn hơn hoặc bằng ${p.limit}.`,
    maximum: (p) => `Phải nhỏ hơn hoặc bằng ${p.limit}.`,
    exclusiveMinimum: (p) => `Phải lớn hơn ${p.limit}.`,
    exclusiveMaximum: (p) => `Phải nhỏ hơn ${p.limit}.`,
    multipleOf: (p) => `Phải là bội số của ${p.limit}.`,
    minItems: (p) => `Cần chọn hoặc nhập ít nhất ${p.limit} mục.`,
    maxItems: (p) => `Không quá ${p.limit} mục.`,
    uniqueItems: () => 'Các mục không được trùng nhau.',
    minProperties: (p) => `Cần ít nhất ${p.limit} thông tin.`,
    maxProperties: (p) => `Không quá ${p.limit} thông tin.`,
    enum: (p) => `Giá trị không hợp lệ; chọn một trong: ${list(p.allowed)}.`,
    const: (p) => `Giá trị phải là ${list(p.allowed)}.`,
    type: (p) => `Giá trị phải là ${typeName('vi', p.type)}.`,
    format: (p) => `Không đúng định dạng ${FORMATS.vi[p.format] || p.format}.`,
    pattern: () => 'Không đúng mẫu quy định.',
    additionalProperties: (p) => `Thông tin không có trong biểu mẫu: ${list(p.properties)}.`,
    anyOf: () => 'Giá trị không thỏa mãn lựa chọn nào được phép.',
    oneOf: () => 'Giá trị phải thỏa mãn đúng một lựa chọn được phép.',
    not: () => 'Giá trị này không được phép.',
    dependentRequired: () => 'Thiếu thông tin đi kèm bắt buộc.',
  },
  en: {
    required: () => 'This field is required.',
    minLength: (p) => `At least ${p.limit} characters.`,
    maxLength: (p) => `At most ${p.limit} characters.`,
    minimum: (p) => `Must be ${p.limit} or more.`,
    maximum: (p) => `Must be ${p.limit} or less.`,
    exclusiveMinimum: (p) => `Must be more than ${p.limit}.`,
    exclusiveMaximum: (p) => `Must be less than ${p.limit}.`,
    multipleOf: (p) => `Must be a multiple of ${p.limit}.`,
    minItems: (p) => `Choose or enter at least ${p.limit} items.`,
    maxItems: (p) => `At most ${p.limit} items.`,
    uniqueItems: () => 'Items must not repeat.',
    minProperties: (p) => `At least ${p.limit} entries.`,
    maxProperties: (p) => `At most ${p.limit} entries.`,
    enum: (p) => `Not an allowed value; choose one of: ${list(p.allowed)}.`,
    const: (p) => `Must be ${list(p.allowed)}.`,
    type: (p) => `Must be ${typeName('en', p.type)}.`,
    format: (p) => `Not ${FORMATS.en[p.format] || `in the ${p.format} format`}.`,
    pattern: () => 'Does not match the required pattern.',
    additionalProperties: (p) => `Not part of the form: ${list(p.properties)}.`,
    anyOf: () => 'Matches none of the allowed choices.',
    oneOf: () => 'Must match exactly one of the allowed choices.',
    not: () => 'This value is not allowed.',
    dependentRequired: () => 'A field that goes with it is missing.',
  },
};

// One server error item → the sentence shown beside its field, in `code` ('vi' or 'en').
export function wordError(error, code) {
  const word = (WORDS[code] || WORDS.vi)[error.keyword];
  return word ? word(error.params || {}) : String(error.message || '');
}

// A server error's field as a JSON pointer into the body sent: `reason` and `/reason` alike;
// the errors of a multipart request's JSON part name the part first (`dossier/applicant`).
export function pointer(field, part) {
  let f = String(field || '');
  if (part && (f === part || f.startsWith(`${part}/`))) f = f.slice(part.length);
  return !f || f.startsWith('/') ? f : `/${f}`;
}
