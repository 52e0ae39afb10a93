// The national portal status (codes 1-10) each procedure running this process maps the
// diagram's elements to: its `status_mapping`, configuration of the procedure rather than
// of the diagram (processes/README.md). The properties panel edits a copy; `save` puts the
// changed procedures back (PUT /procedures/{code}, what GET gave with the new mapping).
import { api } from '../api.js';

export default function MotcuaPortal(eventBus) {
  let procedures = []; // as GET /procedures gives them, for this process
  const changed = new Set();

  this.procedures = () => procedures.map((p) => p.code);
  this.code = (proc, elementId) => {
    const found = procedures.find((p) => p.code === proc);
    return found && found.status_mapping ? found.status_mapping[elementId] : undefined;
  };
  this.set = (proc, elementId, code) => {
    const found = procedures.find((p) => p.code === proc);
    const mapping = { ...(found.status_mapping || {}) };
    if (code) mapping[elementId] = Number(code); else delete mapping[elementId];
    found.status_mapping = mapping;
    changed.add(proc);
    eventBus.fire('motcua.portal.changed', { pending: changed.size });
  };
  this.pending = () => changed.size;

  this.load = async (processKey) => {
    changed.clear();
    const all = processKey ? await api('/procedures').catch(() => []) : [];
    procedures = all.filter((p) => p.process_key === processKey);
    eventBus.fire('motcua.portal.changed', { pending: 0 });
  };

  // Put back every changed procedure; the codes of those saved.
  this.save = async () => {
    const saved = [];
    for (const proc of [...changed]) {
      const { code, ...body } = procedures.find((p) => p.code === proc);
      await api(`/procedures/${encodeURIComponent(code)}`, { method: 'PUT', body });
      changed.delete(proc);
      saved.push(code);
    }
    eventBus.fire('motcua.portal.changed', { pending: changed.size });
    return saved;
  };
}
MotcuaPortal.$inject = ['eventBus'];
