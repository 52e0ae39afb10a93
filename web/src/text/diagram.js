// The words of the read-only diagram (web/src/diagram.js) and its marks.
import { words } from '../i18n.js';

words({
  vi: {
    diagram: 'Sơ đồ quy trình', diagram_loading: 'Đang tải sơ đồ…', diagram_failed: 'Không tải được sơ đồ',
    legend_done: 'Đã qua', legend_active: 'Đang chờ', legend_loops: 'số lần đi qua', legend_focus: 'phần tử của sự kiện đang xem',
    passed_times: (n) => `đã qua ${n} lần`, path: 'Các bước đã qua và đang chờ', version: 'Phiên bản',
  },
  en: {
    diagram: 'Process diagram', diagram_loading: 'Loading the diagram…', diagram_failed: 'The diagram could not be loaded',
    legend_done: 'Passed', legend_active: 'Waiting', legend_loops: 'passes (a loop)', legend_focus: 'the element of the event shown',
    passed_times: (n) => `passed ${n} times`, path: 'Steps passed and waiting', version: 'Version',
  },
});
