// The national portal status codes the procedures running a process map its elements to
// (GET /procedures: each procedure's `status_mapping`), for the properties panel to show.
import { api } from '../api.js';

export default function MotcuaPortal() {
  let mapped = new Map(); // element id -> [[procedure code, portal code, name], …]
  this.of = (elementId) => mapped.get(elementId) || [];
  this.load = async (processKey, names) => {
    mapped = new Map();
    if (!processKey) return;
    const procedures = await api('/procedures').catch(() => []);
    for (const proc of procedures) {
      if (proc.process_key !== processKey) continue;
      for (const [element, code] of Object.entries(proc.status_mapping || {})) {
        if (!mapped.has(element)) mapped.set(element, []);
        mapped.get(element).push([proc.code, code, names[code] || '']);
      }
    }
  };
}
