export {
  LabelSelector,
  formatLabelSelector,
  formatLabels,
  labelRequirement,
  labelSelectorFromObject,
  labelSelectorFromSet,
  parseLabelSelector,
} from './label-selector.js';
export type { LabelOperator, LabelRequirement, LabelSelectorObject, Labels } from './label-selector.js';
export { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../validation/names.js';
export { FieldSelector, escapeFieldValue, parseFieldSelector, unescapeFieldValue } from './field-selector.js';
export type { FieldOperator, FieldRequirement, Fields } from './field-selector.js';
export {
  builtinFieldLabelRules,
  convertFieldSelector,
  crdFieldLabelRule,
  defaultFieldLabelRule,
  fieldLabelAliases,
  fieldLabelRuleFor,
} from './field-labels.js';
export type { FieldLabelRule } from '../resource.js';
export { builtinSelectableFields, crdSelectableFields, objectFieldSet } from './selectable-fields.js';
export type { SelectableFieldsFn } from './selectable-fields.js';
