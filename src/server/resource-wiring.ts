/**
 * Builds the served resources from the resource table: one ResourceStore per storage location,
 * one ServedResource per served version, each with an ObjectLifecycle made of the api/ modules
 * (structure checks, defaults, validation, managed fields) and the admission plugins.
 */
import type { Logger } from 'pino';
import type { FieldError } from '../api/errors.js';
import { rfc3339, type KubeObject, type ObjectMeta } from '../api/object.js';
import type { FieldLabelRule, ResourceDef, Strategy } from '../api/resource.js';
import type { AdmissionPlugin } from '../admission/admission.js';
import type { RequestContext } from '../registry/context.js';
import type { ObjectLifecycle, WriteOperation } from '../registry/object-lifecycle.js';
import { Registry } from '../registry/registry.js';
import { ResourceStore, type ResourceStoreConfig, type WatchSource } from '../registry/resource-store.js';
import { ServedResource, type ObjectPatcher, type VersionConverter } from '../registry/served-resource.js';
import type { Backend } from '../storage/backend.js';
import type { Clock } from '../util/clock.js';
import type { SelectorParsers } from '../apiserver/resource-handler.js';

/** What the wiring needs from the api/ modules (see api-modules.ts). */
export interface ApiModules {
  /** Per-kind strategy pieces (defaults, validation, table, selectable fields), by group and kind. */
  strategyFor(group: string, kind: string): Strategy;
  /** `builtin`: built-in kinds also restrict unqualified finalizer names. */
  validateObjectMeta(meta: ObjectMeta, opts: { namespaced: boolean; nameRule: ResourceDef['nameRule']; builtin: boolean }): FieldError[];
  validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, opts: { builtin: boolean }): FieldError[];
  /**
   * Checks a complete object against a schema type: throws ApiError 400 for JSON type errors,
   * and for unknown fields when `mode` is Strict; pushes warnings in Warn mode; removes unknown
   * fields in Warn and Ignore modes (they cannot be stored, as a Go struct could not hold them).
   * `target` names the kind and version in error messages.
   */
  checkStructure(obj: KubeObject, typeName: string, mode: 'Strict' | 'Warn' | 'Ignore', warnings: string[], target: { kind: string; version: string }): void;
  /** How names of a built-in kind are validated (DNS subdomain, DNS label or path segment). */
  nameRuleFor(group: string, kind: string): ResourceDef['nameRule'];
  /** The field-label rule of a custom resource (metadata fields plus its selectableFields). */
  crdFieldLabelRule(clusterScoped: boolean, selectableFields: readonly string[]): FieldLabelRule;
  /** Records managedFields of a non-apply write (mutates obj). */
  trackManagedFields(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined, opts: { manager: string; time: string; subresource?: string }): void;
  readonly patcher: ObjectPatcher;
  readonly selectors: SelectorParsers;
}

export interface ResourceWiringConfig {
  readonly backend: Backend;
  readonly watches: WatchSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly modules: ApiModules;
  readonly admission: readonly AdmissionPlugin[];
  /** Per storage location extras: graceful deletion of pods, namespace finalization … */
  readonly storeOptions?: (def: ResourceDef) => Partial<ResourceStoreConfig>;
  /** Conversion for served versions whose shape differs from the storage version. */
  readonly converterFor?: (served: ResourceDef, storage: ResourceDef) => VersionConverter | undefined;
  /** Extra defaulting run after the kind's own (e.g. namespace finalizers). */
  readonly extraDefaults?: (def: ResourceDef, obj: KubeObject) => void;
}

/** Time as managedFields and conditions record it. */
export function rfc3339Now(clock: Clock): string {
  // rfc3339 formats each second once (every write stamps managedFields).
  return rfc3339(clock.now());
}

export function createLifecycle(def: ResourceDef, config: ResourceWiringConfig): ObjectLifecycle {
  const { modules, clock } = config;
  const plugins = config.admission.filter((p) => p.handles(def));
  const validators = plugins.filter((p) => p.validate !== undefined);
  const strategy = def.strategy;
  const meta = (obj: KubeObject) => obj.metadata;
  const withMeta = (errors: FieldError[], more: FieldError[] | undefined) => (more && more.length ? errors.concat(more) : errors);
  // Core's ValidateObjectMeta (used by every built-in group except apiextensions, which uses
  // apimachinery's generic one) also requires unqualified finalizers to be standard ones.
  const builtin = def.schema !== undefined && def.group !== 'apiextensions.k8s.io';
  const metaOpts = { namespaced: def.namespaced, nameRule: def.nameRule, builtin };
  return {
    checkStructure(obj: KubeObject, ctx: RequestContext): void {
      if (!def.schema) return; // custom resources: checked by their own lifecycle
      modules.checkStructure(obj, def.schema, ctx.fieldValidation ?? 'Warn', ctx.warnings ?? [], { kind: def.kind, version: def.version });
    },
    applyDefaults(obj: KubeObject): void {
      strategy.defaults?.(obj);
      config.extraDefaults?.(def, obj);
    },
    validateCreate(obj: KubeObject): FieldError[] {
      return withMeta(modules.validateObjectMeta(meta(obj), metaOpts), strategy.validate?.(obj));
    },
    validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
      const errors = modules.validateObjectMetaUpdate(meta(obj), meta(old), { builtin }).concat(modules.validateObjectMeta(meta(obj), metaOpts));
      return withMeta(errors, strategy.validateUpdate ? strategy.validateUpdate(obj, old) : strategy.validate?.(obj));
    },
    validateStatusUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
      const errors = modules.validateObjectMetaUpdate(meta(obj), meta(old), { builtin });
      return withMeta(errors, strategy.validateStatusUpdate?.(obj, old));
    },
    validateEphemeralContainersUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
      const errors = modules.validateObjectMetaUpdate(meta(obj), meta(old), { builtin });
      return withMeta(errors, strategy.validateEphemeralContainersUpdate?.(obj, old));
    },
    trackManagedFields(obj: KubeObject, old: KubeObject | undefined, ctx: RequestContext, subresource: string | undefined): void {
      if (!ctx.fieldManager) return;
      modules.trackManagedFields(def, obj, old, { manager: ctx.fieldManager, time: rfc3339Now(clock), subresource });
    },
    async admit(op: WriteOperation, obj: KubeObject, old: KubeObject | undefined, ctx: RequestContext, subresource?: string): Promise<void> {
      for (const p of plugins) await p.admit({ operation: op, def, object: obj, old, ctx, subresource });
    },
    async validateAdmission(op: WriteOperation, obj: KubeObject, old: KubeObject | undefined, ctx: RequestContext, subresource?: string): Promise<void> {
      for (const p of validators) await p.validate?.({ operation: op, def, object: obj, old, ctx, subresource });
    },
    afterWrite(op: WriteOperation, obj: KubeObject, old: KubeObject | undefined): void {
      for (const p of plugins) {
        try {
          p.committed?.(op, obj, old);
        } catch (e) {
          config.logger.error({ err: e, plugin: p.name }, 'admission plugin failed after a write');
        }
      }
    },
    abandoned(op: WriteOperation, obj: KubeObject, old: KubeObject | undefined): void {
      for (const p of plugins) {
        try {
          p.abandoned?.(op, obj, old);
        } catch (e) {
          config.logger.error({ err: e, plugin: p.name }, 'admission plugin failed on an abandoned write');
        }
      }
    },
  };
}

/**
 * Creates the served resources for a set of definitions sharing storage locations. `defs` must
 * contain, for every storage location, the definition of the storage version.
 */
export function serveResources(registry: Registry, defs: readonly ResourceDef[], config: ResourceWiringConfig): ServedResource[] {
  const stores = new Map<string, ResourceStore>();
  const storageDefs = new Map<string, ResourceDef>();
  for (const d of defs) {
    if (d.group === d.storage.group && d.version === d.storage.version && d.plural === d.storage.resource) storageDefs.set(`${d.storage.group}/${d.storage.resource}`, d);
  }
  const served: ServedResource[] = [];
  for (const d of defs) {
    const key = `${d.storage.group}/${d.storage.resource}`;
    const storageDef = storageDefs.get(key);
    if (!storageDef) throw new Error(`wiring: no storage version definition for ${key}`);
    let store = stores.get(key);
    if (!store) {
      store = new ResourceStore({
        def: storageDef,
        backend: config.backend,
        watches: config.watches,
        lifecycle: createLifecycle(storageDef, config),
        clock: config.clock,
        logger: config.logger.child({ component: 'registry', resource: storageDef.plural }),
        ...(config.storeOptions?.(storageDef) ?? {}),
      });
      stores.set(key, store);
    }
    const converter = d === storageDef ? undefined : config.converterFor?.(d, storageDef);
    const resource = new ServedResource({ def: d, store, patcher: config.modules.patcher, converter, now: () => rfc3339Now(config.clock) });
    registry.add(resource);
    served.push(resource);
  }
  return served;
}
