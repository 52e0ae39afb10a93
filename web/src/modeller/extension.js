// Reading and writing one `spiffworkflow:property` of an element, as one undoable command
// (the properties panel's multi-command executor): the extensionElements and properties
// containers are created when the first property is set, and a property set to nothing is
// removed rather than left empty.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

function container(bo) {
  const ext = bo.get('extensionElements');
  const values = ext ? ext.get('values') : [];
  return { ext, props: values.find((v) => is(v, 'spiffworkflow:Properties')) };
}

export function readProperty(element, name) {
  const { props } = container(getBusinessObject(element));
  const found = props && props.get('properties').find((p) => p.name === name);
  return found ? found.value || '' : '';
}

export function allProperties(element) {
  const { props } = container(getBusinessObject(element));
  return props ? props.get('properties').map((p) => [p.name, p.value || '']) : [];
}

const update = (element, moddleElement, properties) => ({
  cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties },
});

// The commands that set `name` to `value` ('' removes it) on `element`.
export function propertyCommands(element, name, value, bpmnFactory) {
  const bo = getBusinessObject(element);
  const commands = [];
  let { ext, props } = container(bo);
  const text = value === undefined || value === null ? '' : String(value);
  const existing = props && props.get('properties').find((p) => p.name === name);
  if (!text) {
    if (existing) {
      commands.push(update(element, props, {
        properties: props.get('properties').filter((p) => p !== existing),
      }));
    }
    return commands;
  }
  if (existing) return [update(element, existing, { value: text })];
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    commands.push(update(element, bo, { extensionElements: ext }));
  }
  if (!props) {
    props = bpmnFactory.create('spiffworkflow:Properties', { properties: [] });
    props.$parent = ext;
    commands.push(update(element, ext, { values: [...ext.get('values'), props] }));
  }
  const prop = bpmnFactory.create('spiffworkflow:Property', { name, value: text });
  prop.$parent = props;
  commands.push(update(element, props, { properties: [...props.get('properties'), prop] }));
  return commands;
}

export function writeProperty(injector, element, name, value) {
  const commands = propertyCommands(element, name, value, injector.get('bpmnFactory'));
  if (commands.length) {
    injector.get('commandStack').execute('properties-panel.multi-command-executor', commands);
  }
}
