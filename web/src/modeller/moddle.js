// The moddle descriptor of SpiffWorkflow's extension elements: the properties our diagrams
// carry (<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name
// value/>…) and the elements SpiffArena writes with a text body (scripts, instructions,
// message payloads), so that a diagram from there is saved again with them.
export const SPIFF_URI = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

export default {
  name: 'SpiffWorkflow',
  prefix: 'spiffworkflow',
  uri: SPIFF_URI,
  xml: { tagAlias: 'lowerCase' },
  associations: [],
  types: [
    {
      name: 'Properties',
      superClass: ['Element'],
      properties: [{ name: 'properties', type: 'Property', isMany: true }],
    },
    {
      name: 'Property',
      superClass: ['Element'],
      properties: [
        { name: 'name', type: 'String', isAttr: true },
        { name: 'value', type: 'String', isAttr: true },
      ],
    },
    ...['PreScript', 'PostScript', 'InstructionsForEndUser', 'MessagePayload', 'MessageVariable',
      'CalledDecisionId'].map((name) => ({
      name, superClass: ['Element'], properties: [{ name: 'text', type: 'String', isBody: true }],
    })),
  ],
};
