// The moddle descriptor of SpiffWorkflow's extension elements, as our diagrams carry them:
// <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name value/>…
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
  ],
};
