/**
 * apiextensions.k8s.io/v1: CustomResourceDefinition with everything below it, including the recursive
 * JSONSchemaProps, plus ConversionReview (the conversion webhook payload).
 * Field facts follow kubernetes/apiextensions-apiserver v0.32.5 (Kubernetes 1.32); descriptions are lite's own.
 *
 * JSONSchemaPropsOrArray, JSONSchemaPropsOrBool and JSONSchemaPropsOrStringArray are unions in JSON (schema or
 * array, schema or boolean, schema or string list) that the DSL cannot express, so the fields using them are
 * typed `json` (any JSON value), as upstream's OpenAPI leaves them untyped too. Consequences: strict field
 * validation does not descend into those subtrees, and a protobuf decoder must not treat them as raw JSON bytes
 * (on the wire they are messages: OrBool {1: bool allows, 2: schema}, OrArray {1: schema, 2: repeated schemas},
 * OrStringArray {1: schema, 2: repeated string}).
 */
import type { TypeDef } from '../dsl.js';
import { bool, bytes, defineList, defineType, enumOf, f64, i32, i64, json, list, map, meta, rawExtension, ref, str, time } from '../dsl.js';

const ext = (kind: string): string => `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.${kind}`;
const GV = { group: 'apiextensions.k8s.io', version: 'v1' } as const;

export const apiextensionsV1Types: readonly TypeDef[] = [
  defineType(ext('CustomResourceDefinition'), 'Adds a new resource type to the API, served by the API server itself under the given group and names.', {
    metadata: [1, ref(meta('ObjectMeta')), { doc: 'The name must be <plural>.<group>.' }],
    spec: [2, ref(ext('CustomResourceDefinitionSpec')), {
      required: true, noOmitEmpty: true,
      doc: 'Group, names, scope and versions (with schemas) of the new resource.',
    }],
    status: [3, ref(ext('CustomResourceDefinitionStatus')), { doc: 'Acceptance conditions, accepted names and stored versions.' }],
  }, { gvk: { ...GV, kind: 'CustomResourceDefinition' } }),
  defineList(ext('CustomResourceDefinition'), { ...GV, kind: 'CustomResourceDefinition' }),
  defineType(ext('CustomResourceDefinitionSpec'), 'Describes how a custom resource is served.', {
    group: [1, str, { required: true, noOmitEmpty: true, doc: 'API group of the resource, e.g. example.com; served under /apis/<group>/...' }],
    names: [3, ref(ext('CustomResourceDefinitionNames')), {
      required: true, noOmitEmpty: true,
      doc: 'Plural, singular, kind and other names of the resource.',
    }],
    scope: [4, str, { required: true, noOmitEmpty: true, doc: 'Namespaced or Cluster.' }],
    versions: [7, list(ref(ext('CustomResourceDefinitionVersion'))), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: 'Versions served; exactly one must be the storage version.',
    }],
    conversion: [9, ref(ext('CustomResourceConversion')), {
      pointer: true,
      doc: 'How objects are converted between versions: None (the default) or Webhook.',
    }],
    preserveUnknownFields: [10, bool, { doc: 'Legacy flag; must be false in v1, where unknown fields are pruned unless a schema preserves them.' }],
  }),
  defineType(ext('CustomResourceConversion'), 'Strategy for converting custom objects between versions.', {
    strategy: [1, str, { required: true, noOmitEmpty: true, doc: 'None (only apiVersion is rewritten) or Webhook (an external service converts).' }],
    webhook: [2, ref(ext('WebhookConversion')), { pointer: true, doc: 'Webhook settings; required when strategy is Webhook.' }],
  }),
  defineType(ext('WebhookConversion'), 'Settings of a conversion webhook.', {
    clientConfig: [2, ref(ext('WebhookClientConfig')), { pointer: true, doc: 'How to reach the webhook.' }],
    conversionReviewVersions: [3, list(str), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: 'ConversionReview versions the webhook understands, in order of preference.',
    }],
  }),
  defineType(ext('WebhookClientConfig'), 'How the API server connects to a webhook: by URL or through a Service (exactly one).', {
    url: [3, str, { pointer: true, doc: 'HTTPS URL of the webhook, without user info, fragment or query.' }],
    service: [1, ref(ext('ServiceReference')), { pointer: true, doc: 'In-cluster Service that serves the webhook.' }],
    caBundle: [2, bytes, { doc: "PEM CA bundle used to verify the webhook's certificate; the system roots when unset." }],
  }),
  defineType(ext('ServiceReference'), 'Points to a Service that serves a webhook.', {
    namespace: [1, str, { required: true, noOmitEmpty: true, doc: 'Namespace of the Service.' }],
    name: [2, str, { required: true, noOmitEmpty: true, doc: 'Name of the Service.' }],
    path: [3, str, { pointer: true, doc: 'URL path to send requests to.' }],
    port: [4, i32, { pointer: true, doc: 'Service port; 443 when unset.' }],
  }),
  defineType(ext('CustomResourceDefinitionNames'), 'Names by which a custom resource is served and referred to.', {
    plural: [1, str, { required: true, noOmitEmpty: true, doc: 'Plural resource name used in URLs, lowercase, e.g. crontabs.' }],
    singular: [2, str, { doc: 'Singular name, lowercase; the lowercased kind when unset.' }],
    shortNames: [3, list(str), { listType: 'atomic', doc: 'Short aliases for kubectl, e.g. ct.' }],
    kind: [4, str, { required: true, noOmitEmpty: true, doc: 'CamelCase kind of the objects, e.g. CronTab.' }],
    listKind: [5, str, { doc: 'Kind of lists; <kind>List when unset.' }],
    categories: [6, list(str), { listType: 'atomic', doc: 'Groups of resources this one belongs to, e.g. all (used by kubectl get all).' }],
  }),
  defineType(ext('CustomResourceDefinitionVersion'), 'One served version of a custom resource.', {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Version name, e.g. v1 or v1beta1; served at /apis/<group>/<name>/...' }],
    served: [2, bool, { required: true, noOmitEmpty: true, doc: 'Whether this version is served over REST.' }],
    storage: [3, bool, { required: true, noOmitEmpty: true, doc: 'Whether objects are persisted in this version; exactly one version has it.' }],
    deprecated: [7, bool, { doc: 'Whether requests to this version get a deprecation warning.' }],
    deprecationWarning: [8, str, { pointer: true, doc: 'Custom warning text returned for a deprecated version.' }],
    schema: [4, ref(ext('CustomResourceValidation')), { pointer: true, doc: 'OpenAPI v3 schema used for validation, pruning and defaulting.' }],
    subresources: [5, ref(ext('CustomResourceSubresources')), { pointer: true, doc: 'Status and scale subresources served for this version.' }],
    additionalPrinterColumns: [6, list(ref(ext('CustomResourceColumnDefinition'))), {
      listType: 'atomic',
      doc: 'Extra columns shown by kubectl get; only an age column when unset.',
    }],
    selectableFields: [9, list(ref(ext('SelectableField'))), { listType: 'atomic', doc: 'Fields usable in field selectors, by JSON path.' }],
  }),
  defineType(ext('CustomResourceColumnDefinition'), 'A column of the server-side table for a custom resource.', {
    name: [1, str, { required: true, noOmitEmpty: true, doc: 'Column header.' }],
    type: [2, str, { required: true, noOmitEmpty: true, doc: 'OpenAPI type of the value: integer, number, string, boolean or date.' }],
    format: [3, str, { doc: 'Optional OpenAPI format refining type, e.g. int32 or date-time.' }],
    description: [4, str, { doc: 'Human-readable description of the column.' }],
    priority: [5, i32, { doc: '0 shows the column by default; higher values only in wide output.' }],
    jsonPath: [6, str, { required: true, noOmitEmpty: true, doc: 'Simple JSONPath, evaluated against each object, producing the value.' }],
  }),
  defineType(ext('CustomResourceSubresources'), 'Subresources served for a custom resource version.', {
    status: [1, ref(ext('CustomResourceSubresourceStatus')), {
      pointer: true,
      doc: 'When set, /status is served and status changes are ignored on the main resource.',
    }],
    scale: [2, ref(ext('CustomResourceSubresourceScale')), { pointer: true, doc: 'When set, /scale is served with an autoscaling/v1 Scale view.' }],
  }),
  defineType(ext('CustomResourceSubresourceScale'), 'Where the /scale subresource finds replica counts and the selector.', {
    specReplicasPath: [1, str, { required: true, noOmitEmpty: true, doc: 'JSON path (e.g. .spec.replicas) holding the desired replicas.' }],
    statusReplicasPath: [2, str, { required: true, noOmitEmpty: true, doc: 'JSON path (e.g. .status.replicas) holding the observed replicas.' }],
    labelSelectorPath: [3, str, { pointer: true, doc: 'JSON path holding the pod selector in string form, used by autoscalers.' }],
  }),
  defineType(ext('CustomResourceSubresourceStatus'), 'Enables the /status subresource; it has no settings.', {}),
  defineType(ext('CustomResourceValidation'), 'Validation schema of a custom resource version.', {
    openAPIV3Schema: [1, ref(ext('JSONSchemaProps')), { pointer: true, doc: 'Structural OpenAPI v3 schema of the objects.' }],
  }),
  defineType(ext('JSONSchemaProps'), 'A node of a structural OpenAPI v3 (JSON Schema) schema with Kubernetes extensions.', {
    id: [1, str, { doc: 'Schema identifier.' }],
    '$schema': [2, str, { doc: 'URI of the JSON Schema dialect.' }],
    '$ref': [3, str, { pointer: true, doc: 'Reference to another schema; not allowed in CRD schemas.' }],
    description: [4, str, { doc: 'Human-readable description, shown by kubectl explain.' }],
    type: [5, str, { doc: 'JSON type: object, array, string, integer, number or boolean.' }],
    format: [6, str, { doc: 'Format refining type, e.g. int32, date-time, byte, uuid.' }],
    title: [7, str, { doc: 'Short title.' }],
    default: [8, json, { pointer: true, doc: 'Value filled in when the field is absent.' }],
    maximum: [9, f64, { pointer: true, doc: 'Largest allowed number.' }],
    exclusiveMaximum: [10, bool, { doc: 'Whether maximum itself is excluded.' }],
    minimum: [11, f64, { pointer: true, doc: 'Smallest allowed number.' }],
    exclusiveMinimum: [12, bool, { doc: 'Whether minimum itself is excluded.' }],
    maxLength: [13, i64, { pointer: true, doc: 'Longest allowed string.' }],
    minLength: [14, i64, { pointer: true, doc: 'Shortest allowed string.' }],
    pattern: [15, str, { doc: 'Regular expression strings must match.' }],
    maxItems: [16, i64, { pointer: true, doc: 'Most items allowed in an array.' }],
    minItems: [17, i64, { pointer: true, doc: 'Fewest items allowed in an array.' }],
    uniqueItems: [18, bool, { doc: 'Whether array items must be distinct.' }],
    multipleOf: [19, f64, { pointer: true, doc: 'Numbers must be a multiple of this.' }],
    enum: [20, list(json), { listType: 'atomic', doc: 'The only values allowed.' }],
    maxProperties: [21, i64, { pointer: true, doc: 'Most properties allowed in an object.' }],
    minProperties: [22, i64, { pointer: true, doc: 'Fewest properties allowed in an object.' }],
    required: [23, list(str), { listType: 'atomic', doc: 'Property names an object must have.' }],
    // JSONSchemaPropsOrArray: one schema object or an array of them (see the file header).
    items: [24, json, { pointer: true, doc: 'Schema of array items: one schema, or a list of schemas by position.' }],
    allOf: [25, list(ref(ext('JSONSchemaProps'))), { listType: 'atomic', doc: 'Schemas the value must all satisfy.' }],
    oneOf: [26, list(ref(ext('JSONSchemaProps'))), { listType: 'atomic', doc: 'Schemas of which the value must satisfy exactly one.' }],
    anyOf: [27, list(ref(ext('JSONSchemaProps'))), { listType: 'atomic', doc: 'Schemas of which the value must satisfy at least one.' }],
    not: [28, ref(ext('JSONSchemaProps')), { pointer: true, doc: 'Schema the value must not satisfy.' }],
    properties: [29, map(ref(ext('JSONSchemaProps'))), { doc: 'Schemas of the named properties of an object.' }],
    // JSONSchemaPropsOrBool: a schema object or a boolean (see the file header).
    additionalProperties: [30, json, { pointer: true, doc: 'Schema of properties not listed in properties, or false to forbid them.' }],
    patternProperties: [31, map(ref(ext('JSONSchemaProps'))), { doc: 'Schemas of properties whose names match the given regular expressions.' }],
    // Values are JSONSchemaPropsOrStringArray: a schema object or a list of property names.
    dependencies: [32, map(json), { doc: 'Per property name: a schema, or a list of properties required when that property is present.' }],
    // JSONSchemaPropsOrBool: a schema object or a boolean (see the file header).
    additionalItems: [33, json, { pointer: true, doc: 'Schema of array items beyond those given by position, or false to forbid them.' }],
    definitions: [34, map(ref(ext('JSONSchemaProps'))), { doc: 'Named schemas that $ref may point to.' }],
    externalDocs: [35, ref(ext('ExternalDocumentation')), { pointer: true, doc: 'Link to further documentation.' }],
    example: [36, json, { pointer: true, doc: 'Example value.' }],
    nullable: [37, bool, { doc: 'Whether null is accepted (and kept) as a value.' }],
    'x-kubernetes-preserve-unknown-fields': [38, bool, { pointer: true, doc: 'Keep fields the schema does not declare instead of pruning them.' }],
    'x-kubernetes-embedded-resource': [39, bool, { doc: 'The value is a full Kubernetes object with apiVersion, kind and metadata.' }],
    'x-kubernetes-int-or-string': [40, bool, { doc: 'The value may be an integer or a string.' }],
    'x-kubernetes-list-map-keys': [41, list(str), { listType: 'atomic', doc: 'Key fields identifying items when x-kubernetes-list-type is map.' }],
    'x-kubernetes-list-type': [42, str, { pointer: true, doc: 'How apply merges the array: atomic, set or map.' }],
    'x-kubernetes-map-type': [43, str, { pointer: true, doc: 'How apply merges the object: granular (the default) or atomic.' }],
    'x-kubernetes-validations': [44, list(ref(ext('ValidationRule'))), {
      patchStrategy: 'merge', patchMergeKey: 'rule', listType: 'map', listMapKeys: ['rule'],
      doc: 'CEL rules the value must satisfy.',
    }],
  }),
  defineType(ext('ExternalDocumentation'), 'A link to documentation outside the schema.', {
    description: [1, str, { doc: 'What the linked document covers.' }],
    url: [2, str, { doc: 'Address of the document.' }],
  }),
  defineType(ext('ValidationRule'), "A CEL expression a schema node's value must satisfy.", {
    rule: [1, str, { required: true, noOmitEmpty: true, doc: 'CEL expression; self is the value, oldSelf the previous value on update.' }],
    message: [2, str, { doc: 'Fixed error message when the rule fails.' }],
    messageExpression: [3, str, { doc: 'CEL expression producing the error message; wins over message.' }],
    reason: [4, enumOf('FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'), {
      pointer: true,
      doc: 'Error reason reported on failure: FieldValueInvalid (the default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.',
    }],
    fieldPath: [5, str, { doc: 'Path, relative to the node, reported as the failing field.' }],
    optionalOldSelf: [6, bool, { pointer: true, doc: 'Evaluate the transition rule on create too, with oldSelf as an optional value.' }],
  }),
  defineType(ext('SelectableField'), 'A field of a custom resource that field selectors may use.', {
    jsonPath: [1, str, { required: true, noOmitEmpty: true, doc: 'Simple JSON path to a string, integer or boolean field, e.g. .spec.color.' }],
  }),
  defineType(ext('CustomResourceDefinitionStatus'), 'Observed state of a CustomResourceDefinition.', {
    conditions: [1, list(ref(ext('CustomResourceDefinitionCondition'))), {
      listType: 'map', listMapKeys: ['type'], noOmitEmpty: true,
      doc: 'Latest observations, e.g. Established and NamesAccepted.',
    }],
    acceptedNames: [2, ref(ext('CustomResourceDefinitionNames')), {
      noOmitEmpty: true,
      doc: 'Names actually being served; may differ from spec.names while conflicts exist.',
    }],
    storedVersions: [3, list(str), {
      listType: 'atomic', noOmitEmpty: true,
      doc: 'Every version objects have ever been persisted in; versions are removed only by migrations.',
    }],
  }),
  defineType(ext('CustomResourceDefinitionCondition'), 'One observation about a CustomResourceDefinition.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Kind of condition, e.g. Established, NamesAccepted or Terminating.' }],
    status: [2, str, { required: true, noOmitEmpty: true, doc: 'True, False or Unknown.' }],
    lastTransitionTime: [3, time, { doc: 'When status last changed value.' }],
    reason: [4, str, { doc: 'Machine-readable CamelCase cause of the last transition.' }],
    message: [5, str, { doc: 'Human-readable explanation of the last transition.' }],
  }),
  defineType(ext('ConversionReview'), 'Request and response exchanged with a conversion webhook.', {
    request: [1, ref(ext('ConversionRequest')), { pointer: true, doc: 'Objects to convert; sent by the API server.' }],
    response: [2, ref(ext('ConversionResponse')), { pointer: true, doc: 'Converted objects; filled in by the webhook.' }],
  }, { gvk: { ...GV, kind: 'ConversionReview' } }),
  defineType(ext('ConversionRequest'), 'Objects the API server asks a webhook to convert.', {
    uid: [1, str, { required: true, noOmitEmpty: true, doc: 'Identifier of this conversion call, echoed in the response.' }],
    desiredAPIVersion: [2, str, { required: true, noOmitEmpty: true, doc: 'apiVersion the objects must be converted to.' }],
    objects: [3, list(rawExtension), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: 'Objects to convert; possibly in different versions.',
    }],
  }),
  defineType(ext('ConversionResponse'), "A webhook's answer to a conversion request.", {
    uid: [1, str, { required: true, noOmitEmpty: true, doc: 'The uid of the request.' }],
    convertedObjects: [2, list(rawExtension), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: 'Converted objects in request order; in metadata only labels and annotations may differ from the input.',
    }],
    result: [3, ref(meta('Status')), { required: true, noOmitEmpty: true, doc: 'Success or failure of the conversion as a Status.' }],
  }),
];
