// The server's refusals in the page's language. Every problem+json answer carries a stable
// `code` (api/errors.py) and an English `detail`. A Vietnamese page says what happened in
// Vietnamese; where the detail holds particulars (which right, which element, which limit),
// they follow in brackets. An English page, or a code worded nowhere here, keeps the
// server's own sentence. No DOM: node can test it.
const VI = {
  forbidden: 'Bạn không có quyền thực hiện thao tác này.',
  'not-found': 'Không tìm thấy, hoặc không thuộc phạm vi của bạn.',
  unauthenticated: 'Phiên đăng nhập đã hết; vui lòng đăng nhập lại.',
  'csrf-refused': 'Trang này đã cũ; vui lòng tải lại trang rồi thử lại.',
  'too-many-attempts': 'Quá nhiều lần thử; vui lòng thử lại sau ít phút.',
  'invalid-input': 'Dữ liệu gửi lên không hợp lệ.',
  'form-invalid': 'Biểu mẫu còn lỗi.',
  'data-too-large': 'Dữ liệu của hồ sơ vượt quá giới hạn cho phép.',
  'too-large': 'Tệp hoặc dữ liệu gửi lên vượt quá kích thước cho phép.',
  'file-type-refused': 'Loại tệp này không được chấp nhận.',
  'idempotency-key-reused': 'Mã chống gửi trùng đã được dùng cho một yêu cầu khác.',
  'task-held': 'Bước này đang do một cán bộ khác xử lý.',
  'task-already-completed': 'Bước này đã được hoàn thành.',
  'task-not-ready': 'Bước này chưa sẵn sàng để xử lý.',
  'concurrent-update': 'Hồ sơ vừa được thay đổi bởi một thao tác khác; vui lòng tải lại rồi thử lại.',
  'dossier-ended': 'Hồ sơ đã kết thúc; không thực hiện thêm được thao tác này.',
  'dossier-in-error': 'Hồ sơ đang gặp sự cố quy trình, chờ quản trị viên xử lý.',
  'incident-awaits-command': 'Sự cố này đang chờ một lệnh xử lý khác.',
  'incident-resolved': 'Sự cố này đã được xử lý.',
  'no-supplement-requested': 'Hồ sơ không có yêu cầu bổ sung nào đang chờ.',
  'already-rated': 'Hồ sơ này đã được đánh giá.',
  'not-ratable-yet': 'Hồ sơ chưa có kết quả nên chưa đánh giá được.',
  'unit-exists': 'Mã đơn vị này đã được đăng ký.',
  'no-active-version': 'Quy trình này chưa có phiên bản đang áp dụng.',
  'bpmn-invalid': 'Sơ đồ quy trình không hợp lệ.',
  'too-complex': 'Sơ đồ quy trình vượt quá giới hạn kích thước cho phép.',
  'scenarios-failed': 'Các kịch bản kiểm thử của quy trình không đạt.',
  'form-reference-refused': 'Biểu mẫu tham chiếu đến nội dung không được phép.',
  'script-error': 'Một đoạn mã của quy trình bị lỗi.',
  'process-error': 'Quy trình gặp lỗi khi chạy.',
  'step-limit': 'Quy trình chạy quá số bước cho phép trong một thao tác.',
  'command-time-limit': 'Thao tác chạy quá thời gian cho phép.',
  'webhook-url-refused': 'Địa chỉ nhận thông báo không được phép.',
  'document-corrupt': 'Tệp này không còn khớp với mã kiểm tra đã lưu nên không được cung cấp; vui lòng báo quản trị viên.',
  'database-unavailable': 'Hệ thống tạm thời không truy cập được cơ sở dữ liệu; vui lòng thử lại sau ít phút.',
  'commit-unknown': 'Mất kết nối khi đang lưu: thao tác có thể đã hoặc chưa được ghi nhận; vui lòng tải lại trang để kiểm tra trước khi thử lại.',
  'file-store-unavailable': 'Kho lưu trữ tệp tạm thời không truy cập được; vui lòng thử lại sau ít phút.',
  'identity-provider-unavailable': 'Chưa kết nối được với hệ thống định danh của tỉnh; vui lòng thử lại sau ít phút.',
  'internal-error': 'Hệ thống gặp lỗi; vui lòng thử lại hoặc báo quản trị viên.',
  'apology-not-allowed': 'Không được gửi thêm thư xin lỗi, hẹn lại ngày trả kết quả cho hồ sơ này.',
  'guidance-already-given': 'Hồ sơ đã được hướng dẫn bổ sung bằng văn bản một lần.',
  'calendar-unusable': 'Lịch làm việc không dùng được để tính thời hạn.',
  'bad-request': 'Yêu cầu không hợp lệ.',
  'method-not-allowed': 'Thao tác này không được hỗ trợ.',
  'unsupported-media-type': 'Kiểu dữ liệu gửi lên không được hỗ trợ.',
};
// Codes whose detail says something the sentence does not: it follows in brackets.
const PARTICULAR = new Set(['forbidden', 'invalid-input', 'data-too-large', 'too-large',
  'file-type-refused', 'bpmn-invalid', 'too-complex', 'scenarios-failed',
  'form-reference-refused', 'script-error', 'process-error', 'step-limit',
  'command-time-limit', 'webhook-url-refused', 'no-active-version', 'apology-not-allowed',
  'calendar-unusable', 'bad-request']);

// The sentence a page shows for a problem with `code` and the server's `detail`, in `lang`.
export function problemMessage(code, detail, lang) {
  const said = lang === 'vi' ? VI[code] : undefined;
  if (!said) return detail;
  return PARTICULAR.has(code) && detail ? `${said} (${detail})` : said;
}
