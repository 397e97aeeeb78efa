/**
 * Serving CustomResourceDefinitions (upstream: apiextensions-apiserver's CRD handler plus its
 * naming, establishing and finalizer controllers), in one component:
 *  - a CRD starts being served the moment its create/update commits (it is an admission plugin
 *    that sees committed writes), so `kubectl apply` of a CRD followed by its objects works;
 *  - status (acceptedNames, NamesAccepted/Established conditions, storedVersions) is maintained
 *    by a level-based loop over CRDs;
 *  - a deleted CRD keeps the `customresourcecleanup.apiextensions.k8s.io` finalizer until every
 *    object of it is deleted; then it stops being served and the finalizer is removed.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { isJsonObject, jsonEqual, type JsonObject, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import {
  compileSchema,
  computeCustomResourceDefinitionStatus,
  crdResourceDef,
  crdVersionInfo,
  decodeCustomResource,
  storageVersionOf,
  strictDecodingMessage,
  unknownFieldWarning,
} from '../api/crd/index.js';
import type { AdmissionPlugin, AdmissionRequest } from '../admission/admission.js';
import { resources, type Client } from '../client/client.js';
import type { RequestContext } from '../registry/context.js';
import type { WriteOperation } from '../registry/object-lifecycle.js';
import type { Registry } from '../registry/registry.js';
import { ResourceStore } from '../registry/resource-store.js';
import { ServedResource } from '../registry/served-resource.js';
import type { Clock } from '../util/clock.js';
import type { ApiModules } from './resource-wiring.js';
import { createLifecycle, rfc3339Now, type ResourceWiringConfig } from './resource-wiring.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export interface CrdServingConfig {
  readonly registry: Registry;
  readonly client: Client;
  readonly wiring: ResourceWiringConfig;
  readonly modules: ApiModules;
  readonly logger: Logger;
  readonly clock: Clock;
}

interface Served {
  /** What the served set was built from (spec + accepted names): rebuild only when it changes. */
  readonly basis: string;
  readonly group: string;
  readonly plural: string;
}

export class CrdServing implements AdmissionPlugin {
  readonly name = 'CustomResourceDefinitionServing';
  readonly #c: CrdServingConfig;
  /** CRD name → what is served for it. */
  readonly #served = new Map<string, Served>();
  readonly #pending = new Set<string>();
  #wake: (() => void) | undefined;

  constructor(config: CrdServingConfig) {
    this.#c = config;
  }

  // ---- admission hooks on the CRD resource itself ----------------------------------------------

  handles(def: ResourceDef): boolean {
    return def.group === 'apiextensions.k8s.io' && def.kind === 'CustomResourceDefinition';
  }

  admit(req: AdmissionRequest): void {
    if (req.operation !== 'create') return;
    // Deleting a CRD must first delete its objects: hold it with the cleanup finalizer.
    const finalizers = req.object.metadata.finalizers ?? [];
    if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) req.object.metadata.finalizers = [...finalizers, CRD_CLEANUP_FINALIZER];
    const storage = storageVersionOf(req.object);
    req.object.status = { storedVersions: storage ? [storage] : [] };
  }

  committed(op: WriteOperation, crd: KubeObject): void {
    const name = crd.metadata.name ?? '';
    if (op === 'delete') this.#unserve(name);
    else if (!crd.metadata.deletionTimestamp) this.#serve(crd);
    this.enqueue(name);
  }

  // ---- serving ------------------------------------------------------------------------------------

  /** Serves every existing CRD (at start, before the API server reports ready). */
  async start(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const list = await this.#c.client.list(resources.customresourcedefinitions, undefined);
    for (const crd of list.items) {
      if (!crd.metadata.deletionTimestamp) this.#serve(crd);
      this.enqueue(crd.metadata.name ?? '');
    }
  }

  #serve(crd: KubeObject): void {
    const name = crd.metadata.name ?? '';
    const spec = isJsonObject(crd.spec) ? crd.spec : {};
    const accepted = isJsonObject(crd.status) ? crd.status.acceptedNames : undefined;
    const basis = JSON.stringify([spec, accepted ?? null]);
    const current = this.#served.get(name);
    if (current?.basis === basis) return;
    if (current) this.#unserve(name);
    const storageVersion = storageVersionOf(crd);
    const versions = (Array.isArray(spec.versions) ? spec.versions : []).filter(isJsonObject);
    const infos = versions.map((v) => crdVersionInfo(crd, String(v.name))).filter((i) => i !== undefined);
    const storageInfo = infos.find((i) => i.version === storageVersion);
    if (!storageInfo || !storageInfo.plural || !storageInfo.kind) return;
    const { registry } = this.#c;
    if (registry.get(storageInfo.group, storageInfo.version, storageInfo.plural) && !current) {
      this.#c.logger.warn({ crd: name }, 'the resource is already served by something else; not serving this CRD');
      return;
    }
    const storageDef = this.#withFieldRules(crdResourceDef(storageInfo), storageInfo.selectableFields);
    const store = new ResourceStore({
      def: storageDef,
      backend: this.#c.wiring.backend,
      watches: this.#c.wiring.watches,
      lifecycle: this.#lifecycle(storageDef, compileSchema(storageInfo.openAPIV3Schema), storageInfo.kind, storageInfo.version),
      clock: this.#c.clock,
      logger: this.#c.logger.child({ resource: storageDef.plural }),
    });
    try {
      for (const info of infos) {
        if (!info.served) continue;
        const def = this.#withFieldRules(crdResourceDef(info), info.selectableFields);
        registry.add(new ServedResource({ def, store, patcher: this.#c.modules.patcher, now: () => rfc3339Now(this.#c.clock) }));
      }
      registry.setVersionOrder(storageInfo.group, registry.groups().find((g) => g.name === storageInfo.group)?.versions ?? []);
    } catch (e) {
      registry.removeResource(storageInfo.group, storageInfo.plural);
      this.#c.logger.warn({ err: e, crd: name }, 'could not serve CRD');
      return;
    }
    this.#served.set(name, { basis, group: storageInfo.group, plural: storageInfo.plural });
    this.#c.logger.info({ crd: name }, 'serving custom resources');
  }

  #withFieldRules(def: ResourceDef, selectable: readonly string[]): ResourceDef {
    const rule = this.#c.modules.crdFieldLabelRule(!def.namespaced, selectable);
    return { ...def, strategy: { ...def.strategy, fieldLabelRule: rule } };
  }

  /**
   * Custom resources are pruned and defaulted by their schema; unknown fields are refused
   * (Strict), reported (Warn) or dropped silently (Ignore), as kube-apiserver does for CRs.
   */
  #lifecycle(def: ResourceDef, schema: ReturnType<typeof compileSchema>, kind: string, version: string) {
    const base = createLifecycle(def, this.#c.wiring);
    return {
      ...base,
      checkStructure(obj: KubeObject, ctx: RequestContext): void {
        const unknown = decodeCustomResource(obj as unknown as JsonObject, schema);
        if (unknown.length === 0) return;
        if (ctx.fieldValidation === 'Strict') throw ApiError.badRequest(strictDecodingMessage(kind, version, unknown));
        if (ctx.fieldValidation !== 'Ignore') for (const p of unknown) ctx.warnings?.push(unknownFieldWarning(p));
      },
    };
  }

  #unserve(name: string): void {
    const served = this.#served.get(name);
    if (!served) return;
    this.#served.delete(name);
    this.#c.registry.removeResource(served.group, served.plural);
  }

  // ---- status and cleanup loop -----------------------------------------------------------------

  enqueue(name: string): void {
    if (!name) return;
    this.#pending.add(name);
    this.#wake?.();
  }

  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.#wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const next = this.#pending.values().next();
        if (next.done) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
          continue;
        }
        this.#pending.delete(next.value);
        try {
          await this.#sync(next.value);
        } catch (e) {
          if (signal.aborted) return;
          this.#c.logger.warn({ err: e, crd: next.value }, 'CRD sync failed; retrying');
          const name = next.value;
          this.#c.clock.setTimer(1000, () => this.enqueue(name));
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async #sync(name: string): Promise<void> {
    const { client } = this.#c;
    let crd: KubeObject;
    try {
      crd = await client.get(resources.customresourcedefinitions, undefined, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) {
        this.#unserve(name);
        return;
      }
      throw e;
    }
    if (crd.metadata.deletionTimestamp) {
      await this.#cleanup(crd);
      return;
    }
    const others = (await client.list(resources.customresourcedefinitions, undefined)).items.filter((c) => c.metadata.name !== name);
    const status = computeCustomResourceDefinitionStatus(crd, others, rfc3339Now(this.#c.clock));
    const stored = isJsonObject(crd.status) && Array.isArray(crd.status.storedVersions) ? crd.status.storedVersions : [];
    const storage = storageVersionOf(crd);
    if (storage && !stored.includes(storage)) status.storedVersions = [...stored, storage];
    if (!jsonEqual(stripTimes(status), stripTimes(crd.status))) {
      const updated = await client.update(resources.customresourcedefinitions, undefined, { ...crd, status }, { subresource: 'status', fieldManager: 'kube-apiserver' });
      this.#serve(updated);
    } else this.#serve(crd);
  }

  /** Deletes every object of a CRD being deleted, then releases its finalizer. */
  async #cleanup(crd: KubeObject): Promise<void> {
    const name = crd.metadata.name ?? '';
    const served = this.#served.get(name);
    if (served) {
      const resource = this.#c.registry.all().find((r) => r.def.group === served.group && r.def.plural === served.plural);
      if (resource) {
        const list = await resource.list(undefined, {});
        for (const item of list.items) {
          try {
            await resource.delete(item.metadata.namespace, item.metadata.name ?? '', { propagationPolicy: 'Background' }, { user: { username: 'system:apiserver', groups: ['system:masters'] }, fieldManager: 'kube-apiserver' });
          } catch (e) {
            if (!(e instanceof ApiError && e.code === 404)) throw e;
          }
        }
        const rest = await resource.list(undefined, { limit: 1 });
        if (rest.items.length > 0) {
          this.#c.clock.setTimer(1000, () => this.enqueue(name));
          return;
        }
      }
    }
    this.#unserve(name);
    const finalizers = (crd.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    if (finalizers.length !== (crd.metadata.finalizers ?? []).length) {
      await this.#c.client.update(resources.customresourcedefinitions, undefined, { ...crd, metadata: { ...crd.metadata, finalizers } }, { fieldManager: 'kube-apiserver' });
    }
  }
}

/** Condition timestamps change on every computation; compare without them. */
function stripTimes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripTimes);
  if (!isJsonObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'lastTransitionTime') out[k] = stripTimes(x);
  return out;
}
