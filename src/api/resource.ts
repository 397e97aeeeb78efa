/**
 * The resource table is data: one ResourceDef per served group/version/resource. Built-in types
 * and CustomResourceDefinitions go through the same registry path; only the strategy differs.
 */
import type { FieldError } from './errors.js';
import type { JsonObject, KubeObject } from './object.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface SubresourceDef {
  /** e.g. 'status', 'scale', 'log', 'exec', 'binding', 'eviction'. */
  readonly name: string;
  /** The kind the subresource speaks (defaults to the parent's group/version/kind). */
  readonly kind?: { readonly group: string; readonly version: string; readonly kind: string };
  readonly verbs: readonly string[];
}

/** Where `/scale` finds replicas and the selector (JSON paths without the leading dot). */
export interface ScalePaths {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

export type CellValue = string | number | boolean | null;

export interface TableColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

/** Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`). */
export interface TablePrinter {
  readonly columns: readonly TableColumn[];
  /** One row's cells, in column order; `now` = clock time in ms for AGE columns. */
  row(obj: KubeObject, now: number): CellValue[];
}

/** Per-kind behaviour, the equivalent of upstream's registry strategies. Everything optional. */
export interface Strategy {
  /** Fill server-side defaults (after decoding, before validation), mutating `obj`. */
  defaults?(obj: KubeObject): void;
  /** Semantic validation of a new object (metadata is validated generically). */
  validate?(obj: KubeObject): FieldError[];
  /** Semantic validation of an update (immutable fields etc.). `old` is the stored object. */
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Validation of a /status update, if it needs more than `validate`. */
  validateStatusUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Validation of a pods/ephemeralcontainers update. */
  validateEphemeralContainersUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * Field-selector values of an object (besides metadata.name / metadata.namespace, which are
   * added generically). Keys are the upstream field labels, e.g. `spec.nodeName`.
   */
  selectableFields?(obj: KubeObject): Record<string, string>;
  /**
   * Which field labels a field selector may use on this kind, how request labels map onto
   * `selectableFields` names (pods: `spec.host` → `spec.nodeName`), and the kind's own error text
   * for an unsupported label. Absent: only metadata.name and metadata.namespace.
   */
  fieldLabelRule?: FieldLabelRule;
  /** Table columns; absent → the generic NAME/AGE table. */
  table?: TablePrinter;
}

export interface FieldLabelRule {
  /** Labels a request may use, in the request's own terms. */
  readonly accepted: ReadonlySet<string>;
  /** Request label → label in the selectable-field set (absent = unchanged). */
  readonly aliases: Readonly<Record<string, string>>;
  /** The error text for a label that is not accepted. */
  unsupported(label: string): string;
}

export interface ResourceDef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** Plural resource name (the URL segment). */
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly Verb[];
  readonly subresources: readonly SubresourceDef[];
  /** Name of the TypeDef in the schema registry (built-ins), or undefined for CRDs. */
  readonly schema?: string;
  /** For CRDs: the structural OpenAPI v3 schema of this version. */
  readonly crdSchema?: JsonObject;
  /** Name validation: DNS-1123 subdomain (most), DNS-1123 label (namespaces …), DNS-1035 label, or path segment (RBAC, events …). */
  readonly nameRule: 'subdomain' | 'label' | 'dns1035-label' | 'path-segment';
  /** metadata.generation is maintained (bumped on spec changes). */
  readonly tracksGeneration: boolean;
  /**
   * Parts of the object that are *not* spec for generation purposes and, when a status
   * subresource exists, are owned by /status. Usually ['status'].
   */
  readonly statusFields: readonly string[];
  readonly hasStatusSubresource: boolean;
  readonly scale?: ScalePaths;
  /**
   * The storage identity: resources served in several versions (HPA autoscaling/v1 and v2, CRD
   * versions) or groups (core/v1 and events.k8s.io/v1 Events) share one storage location and one
   * stored version, converted on the way in and out.
   */
  readonly storage: { readonly group: string; readonly resource: string; readonly version: string };
  readonly strategy: Strategy;
  /** True for resources that exist only as create-only review endpoints (SSAR, TokenReview …). */
  readonly virtual?: boolean;
}

export function groupVersion(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
