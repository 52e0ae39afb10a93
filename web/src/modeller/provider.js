// The properties panel's "motcua" group: the extension properties the platform reads
// (engine/bpmn/tasks.py, engine/runtime/*): a task's form, position, unit and step budget,
// the start form, where the statutory clock starts and pauses, working-time timers, and the
// national portal status each procedure running the process maps the element to.
import { createElement as h } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry, Group, SelectEntry, TextFieldEntry, isCheckboxEntryEdited, isSelectEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';
import { t } from '../i18n.js';
import { readProperty, writeProperty } from './extension.js';

const TRUE = ['true', 'yes', '1'];
const WORKING = ['working', 'working_time', 'true', 'yes'];

// Labels are keys of src/text/design.js, looked up when drawn (after the page added them).
function textEntry(name, { label, description, validate }) {
  function Entry({ element, id }) {
    const injector = useService('injector');
    const debounce = useService('debounceInput');
    return h(TextFieldEntry, {
      element, id, label: t(label), description: description && t(description), debounce, validate,
      getValue: (el) => readProperty(el, name),
      setValue: (value) => writeProperty(injector, element, name, (value || '').trim()),
    });
  }
  return (element) => ({ id: `motcua-${name}`, element, component: Entry,
    isEdited: isTextFieldEntryEdited });
}

function flagEntry(name, { label, description, on = 'true', values = TRUE }) {
  function Entry({ element, id }) {
    const injector = useService('injector');
    return h(CheckboxEntry, {
      element, id, label: t(label), description: description && t(description),
      getValue: (el) => values.includes(readProperty(el, name).trim().toLowerCase()),
      setValue: (checked) => writeProperty(injector, element, name, checked ? on : ''),
    });
  }
  return (element) => ({ id: `motcua-${name}`, element, component: Entry,
    isEdited: isCheckboxEntryEdited });
}

// The national portal status each procedure running this process maps the element to: a
// choice per procedure (none running it: said so), saved with the procedures by the page.
const CODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

function portalEntries(element, portal) {
  const procs = portal.procedures();
  if (!procs.length) {
    return [{ id: 'motcua-portal', element, component: ({ id }) => h(TextFieldEntry, {
      element, id, label: t('portal_status'), description: t('portal_no_procedure'),
      getValue: () => '', setValue: () => {}, debounce: (fn) => fn, disabled: true }) }];
  }
  return procs.map((proc) => {
    function Entry({ id }) {
      const elementId = getBusinessObject(element).id;
      return h(SelectEntry, {
        element, id, label: `${t('portal_status')} · ${proc}`, description: t('portal_help'),
        getValue: () => String(portal.code(proc, elementId) || ''),
        setValue: (value) => portal.set(proc, elementId, value),
        getOptions: () => [{ value: '', label: t('portal_none') },
          ...CODES.map((c) => ({ value: String(c), label: `${c} · ${t(`portal_${c}`)}` }))],
      });
    }
    return { id: `motcua-portal-${proc}`, element, component: Entry, isEdited: isSelectEntryEdited };
  });
}

const budgetCheck = (value) => {
  const v = (value || '').trim();
  if (!v) return null;
  const plain = /^\d+(\.\d+)?\s+(working_days|working_hours|calendar_days|hours|months)$/;
  const iso = /^P(?=\d|T\d)(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?)?$/;
  return plain.test(v) || iso.test(v) ? null : t('budget_invalid');
};

const FORM = textEntry('formJsonSchemaFilename', { label: 'prop_form', description: 'prop_form_help' });
const START_FORM = textEntry('formJsonSchemaFilename', { label: 'prop_start_form', description: 'prop_start_form_help' });
const POSITION = textEntry('position', { label: 'prop_position', description: 'prop_position_help' });
const UNIT = textEntry('unit', { label: 'prop_unit', description: 'prop_unit_help' });
const BUDGET = textEntry('stepBudget', { label: 'prop_budget', description: 'prop_budget_help', validate: budgetCheck });
const STARTS = flagEntry('startsClock', { label: 'prop_starts_clock', description: 'prop_starts_clock_help' });
const PAUSES = flagEntry('pausesClock', { label: 'prop_pauses_clock', description: 'prop_pauses_clock_help' });
const REASON = textEntry('pauseReason', { label: 'prop_pause_reason' });
const WORKING_TIMER = flagEntry('timerCalendar', { label: 'prop_working_timer', description: 'prop_working_timer_help', on: 'working', values: WORKING });

const hasTimer = (bo) => (bo.get('eventDefinitions') || []).some((d) => is(d, 'bpmn:TimerEventDefinition'));

export function entriesFor(element, portal) {
  const bo = getBusinessObject(element);
  if (!is(element, 'bpmn:FlowNode') || is(element, 'bpmn:Gateway') || element.type === 'label') return [];
  const entries = [];
  if (isAny(element, ['bpmn:UserTask', 'bpmn:ManualTask'])) entries.push(FORM, POSITION, UNIT, BUDGET);
  if (is(element, 'bpmn:StartEvent') && !is(bo.$parent, 'bpmn:SubProcess')) entries.push(START_FORM);
  if (is(element, 'bpmn:Event') && hasTimer(bo)) entries.push(WORKING_TIMER);
  entries.push(STARTS, PAUSES);
  if (readProperty(element, 'pausesClock') || readProperty(element, 'pauseReason')) entries.push(REASON);
  return [...entries.map((make) => make(element)), ...portalEntries(element, portal)];
}

export default function MotcuaPropertiesProvider(propertiesPanel, portal) {
  this.getGroups = (element) => (groups) => {
    const entries = entriesFor(element, portal);
    if (!entries.length) return groups;
    const group = { id: 'motcua', label: t('motcua_group'), component: Group, entries };
    const at = groups.findIndex((g) => g.id === 'general');
    groups.splice(at < 0 ? 0 : at + 1, 0, group);
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}
MotcuaPropertiesProvider.$inject = ['propertiesPanel', 'motcuaPortal'];
