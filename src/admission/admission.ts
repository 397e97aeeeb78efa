/**
 * Admission: checks and mutations that need more than the object itself (other objects,
 * allocations), run after defaulting and before validation, as kube-apiserver's admission chain.
 */
import type { KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { RequestContext } from '../registry/context.js';
import type { WriteOperation } from '../registry/object-lifecycle.js';

export interface AdmissionRequest {
  readonly operation: WriteOperation;
  readonly def: ResourceDef;
  readonly object: KubeObject;
  /** The stored object on update and delete. */
  readonly old: KubeObject | undefined;
  readonly ctx: RequestContext;
  /** The subresource written (`status`, `scale` …); undefined for the main resource. */
  readonly subresource?: string;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Whether the plugin cares about this resource (checked once per resource at wiring time). */
  handles(def: ResourceDef): boolean;
  /** May mutate `req.object`; throws ApiError to refuse. */
  admit(req: AdmissionRequest): Promise<void> | void;
  /**
   * The validating phase: runs after the object passed validation, just before it is stored
   * (upstream's validating admission); must not change `req.object`; throws ApiError to refuse.
   */
  validate?(req: AdmissionRequest): Promise<void> | void;
  /** Sees committed writes (to release allocations); never throws. */
  committed?(operation: WriteOperation, object: KubeObject, old: KubeObject | undefined): void;
  /** Sees admitted writes that were not carried out (dry run, invalid, conflict); never throws. */
  abandoned?(operation: WriteOperation, object: KubeObject, old: KubeObject | undefined): void;
}
