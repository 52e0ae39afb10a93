// bpmn-js and its properties panel in Vietnamese (the page's language): the labels a
// designer meets most; anything not listed stays in English.
import { lang } from '../i18n.js';

const VI = {
  General: 'Chung', Name: 'Tên', ID: 'Mã (ID)', Documentation: 'Mô tả',
  'Element documentation': 'Mô tả phần tử', 'Process documentation': 'Mô tả quy trình',
  Executable: 'Thực thi được', 'Version tag': 'Nhãn phiên bản', Timer: 'Hẹn giờ',
  Type: 'Loại', Value: 'Giá trị', Date: 'Ngày giờ', Duration: 'Khoảng thời gian',
  Cycle: 'Chu kỳ', '<none>': '<không>', Message: 'Thông điệp',
  'Global message reference': 'Thông điệp dùng chung', Condition: 'Điều kiện',
  'Condition type': 'Loại điều kiện', Expression: 'Biểu thức', Script: 'Mã lệnh',
  Signal: 'Tín hiệu', Error: 'Lỗi', Escalation: 'Chuyển cấp', Link: 'Liên kết',
  'Multi-instance': 'Nhiều lần', Process: 'Quy trình', Participant: 'Bên tham gia',
  'Create start event': 'Tạo sự kiện bắt đầu', 'Create end event': 'Tạo sự kiện kết thúc',
  'Create task': 'Tạo bước', 'Create gateway': 'Tạo cổng rẽ nhánh',
  'Create intermediate/boundary event': 'Tạo sự kiện trung gian/biên',
  'Create pool/participant': 'Tạo bể/bên tham gia', 'Create expanded sub-process': 'Tạo quy trình con',
  'Activate hand tool': 'Công cụ kéo', 'Activate lasso tool': 'Công cụ chọn vùng',
  'Activate create/remove space tool': 'Công cụ thêm/bớt khoảng trống',
  'Activate global connect tool': 'Công cụ nối', 'Change element': 'Đổi loại phần tử',
  'Connect using sequence/message flow or association': 'Nối bằng luồng',
  'Append task': 'Thêm bước', 'Append end event': 'Thêm sự kiện kết thúc',
  'Append gateway': 'Thêm cổng', 'Append intermediate/boundary event': 'Thêm sự kiện trung gian',
  Delete: 'Xoá', 'User task': 'Bước của người dùng',
};

export default {
  translate: ['value', (template, replacements = {}) => {
    const text = lang === 'vi' ? VI[template] || template : template;
    return text.replace(/{([^}]+)}/g, (_, key) => replacements[key] || `{${key}}`);
  }],
};
