/**
 * The per-resource steps a write goes through besides storage, gathered behind one interface so
 * the store stays generic: structural checks, defaulting, validation, managed fields, admission.
 * The composition root builds one ObjectLifecycle per ResourceDef from the api/ modules.
 */
import type { FieldError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { RequestContext } from './context.js';

export type WriteOperation = 'create' | 'update' | 'delete';

export interface ObjectLifecycle {
  /**
   * Structural check of a complete object against its schema (unknown fields and JSON types),
   * honouring `ctx.fieldValidation`: throws ApiError 400 (Strict, or type errors in any mode),
   * or pushes warnings (Warn). May prune unknown fields (custom resources).
   */
  checkStructure(obj: KubeObject, ctx: RequestContext): void;
  /** Server-side defaults (mutating). */
  applyDefaults(obj: KubeObject): void;
  /** Full validation of a new object: metadata plus kind rules. */
  validateCreate(obj: KubeObject): FieldError[];
  /** Full validation of an update (main resource). */
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /** Validation of a /status write. */
  validateStatusUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /** Validation of a pods/ephemeralcontainers write (upstream ValidatePodEphemeralContainersUpdate). */
  validateEphemeralContainersUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * Records managedFields for a non-apply write by `ctx.fieldManager` (mutates `obj`).
   * `old` is undefined on create.
   */
  trackManagedFields(obj: KubeObject, old: KubeObject | undefined, ctx: RequestContext, subresource: string | undefined): void;
  /**
   * Admission: may mutate `obj` or throw ApiError. `old` is the stored object on update/delete;
   * `subresource` the one written (undefined for the main resource).
   */
  admit(op: WriteOperation, obj: KubeObject, old: KubeObject | undefined, ctx: RequestContext, subresource?: string): Promise<void>;
  /**
   * Validating admission, after the object passed validation and before it is stored (also for
   * dry runs); must not change `obj`; throws ApiError to refuse.
   */
  validateAdmission(op: WriteOperation, obj: KubeObject, old: KubeObject | undefined, ctx: RequestContext, subresource?: string): Promise<void>;
  /**
   * Called after a committed write (not for dry runs), e.g. to release allocations of deleted
   * objects. Must not throw.
   */
  afterWrite?(op: WriteOperation, obj: KubeObject, old: KubeObject | undefined): void;
  /**
   * Called when an admitted write is not carried out (dry run, validation failure, conflict),
   * so admission can release what it reserved for it. Must not throw.
   */
  abandoned?(op: WriteOperation, obj: KubeObject, old: KubeObject | undefined): void;
}
