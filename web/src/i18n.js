// Vietnamese first, English selectable (the server's language cookie sets <html lang>).
// Every date is shown in the province's time zone, whatever the browser's.
export const lang = document.documentElement.lang === 'en' ? 'en' : 'vi';
export const ZONE = 'Asia/Ho_Chi_Minh';

const TEXT = {
  vi: {
    inbox: 'Hộp công việc', overdue: 'Quá hạn', approaching: 'Sắp đến hạn',
    within_time: 'Trong hạn', early: 'Sớm hạn', on_time: 'Đúng hạn', late: 'Trễ hạn',
    all: 'Tất cả', claimed: 'Đã nhận', unclaimed: 'Chưa ai nhận', mine: 'Được giao/nhận',
    procedure: 'Thủ tục', timeliness: 'Tiến độ', dossier: 'Hồ sơ', task: 'Bước xử lý',
    unit: 'Đơn vị', due: 'Hạn bước', dossier_due: 'Hạn hồ sơ', holder: 'Người xử lý',
    actions: 'Thao tác', claim: 'Nhận xử lý', unclaim: 'Trả lại', assign: 'Phân công',
    officer_id: 'Mã cán bộ', filter: 'Lọc', none: 'Không có công việc nào.',
    total: 'Tổng số', open_task: 'Mở', submit: 'Hoàn thành bước', saved: 'Đã hoàn thành bước.',
    form_errors: 'Biểu mẫu còn lỗi; xem các trường được đánh dấu.', nobody: '—',
    held_by_you: 'Bạn đang xử lý', current_steps: 'Bước hiện tại', clock: 'Thời hạn giải quyết',
    due_at: 'Hạn trả kết quả', paused: 'Tạm dừng', paused_hours: 'Giờ tạm dừng',
    remaining: 'Thời gian còn lại', status: 'Trạng thái', documents: 'Giấy tờ',
    received_at: 'Ngày tiếp nhận', applicant: 'Người nộp', yes: 'Có', no: 'Không',
    kind: 'Loại', created: 'Ngày tạo', form: 'Biểu mẫu', no_form: 'Bước này không có biểu mẫu.',
    add_item: 'Thêm', remove_item: 'Xoá', one_per_line: 'Mỗi dòng một mục', choose: '— Chọn —',
    json_value: 'Giá trị JSON', page: 'Trang', prev: 'Trước', next: 'Sau',
    hours_left: (h) => `${h} giờ làm việc`, overdue_by: 'đã quá hạn',
  },
  en: {
    inbox: 'Inbox', overdue: 'Overdue', approaching: 'Approaching', within_time: 'Within time',
    early: 'Early', on_time: 'On time', late: 'Late',
    all: 'All', claimed: 'Held', unclaimed: 'Nobody holds', mine: 'Held',
    procedure: 'Procedure', timeliness: 'Timeliness', dossier: 'Dossier', task: 'Step',
    unit: 'Unit', due: 'Step due', dossier_due: 'Dossier due', holder: 'Holder',
    actions: 'Actions', claim: 'Claim', unclaim: 'Release', assign: 'Assign',
    officer_id: 'Officer id', filter: 'Filter', none: 'No tasks.',
    total: 'Total', open_task: 'Open', submit: 'Complete the step', saved: 'Step completed.',
    form_errors: 'The form has errors; see the marked fields.', nobody: '—',
    held_by_you: 'You hold it', current_steps: 'Current steps', clock: 'Statutory clock',
    due_at: 'Due', paused: 'Paused', paused_hours: 'Hours paused',
    remaining: 'Time left', status: 'Status', documents: 'Documents',
    received_at: 'Received', applicant: 'Applicant', yes: 'Yes', no: 'No',
    kind: 'Kind', created: 'Created', form: 'Form', no_form: 'This step has no form.',
    add_item: 'Add', remove_item: 'Remove', one_per_line: 'One item a line', choose: '— Choose —',
    json_value: 'JSON value', page: 'Page', prev: 'Previous', next: 'Next',
    hours_left: (h) => `${h} working hours`, overdue_by: 'overdue',
  },
};

// A page area's own words ({ vi: {...}, en: {...} }, e.g. src/text/design.js) join the
// shared ones; a key already taken keeps its first meaning.
export function words(more) {
  for (const code of Object.keys(TEXT)) TEXT[code] = { ...(more[code] || {}), ...TEXT[code] };
}

export const t = (key, ...args) => {
  const v = TEXT[lang][key];
  if (typeof v === 'function') return v(...args);
  return v === undefined ? key : v;
};

const FORMAT = new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
  timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hour12: false,
});

export const when = (iso) => (iso ? FORMAT.format(new Date(iso)) : '—');
