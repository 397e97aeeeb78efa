/**
 * CustomResourceDefinition semantics: validating and defaulting CRDs, computing their status, and
 * validating, pruning and defaulting the custom resources they define.
 *
 * Typical use by the API server:
 *   - CRD writes: customResourceDefinitionStrategy (defaults + validation), then
 *     prepareCustomResourceDefinitionForCreate/Update, then computeCustomResourceDefinitionStatus.
 *   - Serving: crdResourceDefs(crd) gives one ResourceDef per served version; its strategy prunes,
 *     defaults and validates custom resources. decodeCustomResource returns the pruned paths for
 *     fieldValidation=Warn (unknownFieldWarning) and Strict (strictDecodingMessage).
 *   - Reads from storage: decodeCustomResource again, so later schema defaults apply.
 *
 * Not enforced: x-kubernetes-validations (CEL) rules; conversion webhooks (versions differ only by
 * apiVersion).
 */
export {
  defaultCustomResourceDefinition,
  isProtectedCommunityGroup,
  prepareCustomResourceDefinitionForCreate,
  prepareCustomResourceDefinitionForUpdate,
  readNames,
  storageVersionOf,
  validateCustomResourceDefinition,
  validateCustomResourceDefinitionStatusUpdate,
  validateCustomResourceDefinitionUpdate,
  type CrdNames,
} from './crd-validation.js';
export { computeCustomResourceDefinitionStatus, isEstablished, type CrdCondition } from './crd-status.js';
export { compileSchema, type AdditionalProperties, type SchemaNode } from './structural-schema.js';
export {
  validateCustomResource,
  validateCustomResourceStatus,
  validateCustomResourceUpdate,
  validateScaleFields,
  type ScaleSubresourcePaths,
} from './validate-custom-resource.js';
export { dropNonNullableNulls, pruneUnknownFields, strictDecodingMessage, unknownFieldWarning } from './prune.js';
export { applySchemaDefaults } from './defaulting.js';
export {
  compareKubeAwareVersions,
  crdResourceDef,
  crdResourceDefs,
  crdVersionInfo,
  customResourceDefinitionStrategy,
  customResourceStrategy,
  decodeCustomResource,
  type CrdVersionInfo,
} from './crd-version-info.js';
