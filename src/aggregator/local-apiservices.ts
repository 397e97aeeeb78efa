/**
 * The APIServices of the group versions this server serves itself, as kube-apiserver's
 * autoregister and crdregistration controllers keep them: one per group version, named
 * `<version>.<group>` (`v1.` for the core group), without a service ("Local"), with upstream's
 * group and version priorities, labelled `kube-aggregator.kubernetes.io/automanaged`:
 *  - `onstart` for built-in groups: created when missing, brought back to the wanted spec, or
 *    deleted when no longer served, only at start (a user's later edits and deletions stay);
 *  - `true` for CustomResourceDefinition groups: kept in line continuously, deleted with the CRD.
 * APIServices without the label belong to their users and are never touched.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { isJsonObject, jsonEqual, type JsonObject, type KubeObject } from '../api/object.js';
import { apiServiceName, apiServicePriority } from '../api/apiservice-priorities.js';
import type { Client } from '../client/client.js';
import { newQueue, runReconcileLoop } from '../controllers/framework/controller.js';
import type { InformerFactory } from '../informer/informer-factory.js';
import type { SharedInformer } from '../informer/shared-informer.js';
import type { Registry } from '../registry/registry.js';
import type { Clock } from '../util/clock.js';
import { APISERVICES, AUTOMANAGED_LABEL } from './apiservice.js';

export interface LocalApiServicesConfig {
  /** Writes as the API server does (field manager kube-apiserver). */
  readonly client: Client;
  readonly registry: Registry;
  readonly informers: InformerFactory;
  /** Groups built into the server (their APIServices are `onstart`); every other served group comes from a CRD. */
  readonly builtinGroups: ReadonlySet<string>;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Wanted {
  readonly name: string;
  readonly mode: 'onstart' | 'true';
  readonly spec: JsonObject;
}

const SYNC_KEY = 'local-apiservices';

export class LocalApiServiceRegistration {
  readonly name = 'apiservice-autoregistration';
  readonly #config: LocalApiServicesConfig;
  readonly #apiServices: SharedInformer;
  readonly #queue;
  #startSyncDone = false;
  readonly #synced: Promise<void>;
  #markSynced: () => void = () => undefined;

  constructor(config: LocalApiServicesConfig) {
    this.#config = config;
    this.#queue = newQueue(config.clock);
    this.#synced = new Promise((resolve) => (this.#markSynced = resolve));
    this.#apiServices = config.informers.informer(APISERVICES);
    // A deleted or edited CRD group APIService is put back (built-in ones only at the next start).
    this.#apiServices.addEventHandler({
      onUpdate: (_o, n) => {
        if (n.metadata.labels?.[AUTOMANAGED_LABEL] === 'true') this.#queue.add(SYNC_KEY);
      },
      onDelete: () => this.#queue.add(SYNC_KEY),
    });
  }

  /** Whether every served group version has had its APIService written once (upstream's `autoregister-completion`). */
  get synced(): boolean {
    return this.#startSyncDone;
  }

  /** Resolves once `synced` is true. */
  whenSynced(): Promise<void> {
    return this.#synced;
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.#apiServices.waitForSync(signal);
    const unsubscribe = this.#config.registry.onChange(() => this.#queue.add(SYNC_KEY));
    this.#queue.add(SYNC_KEY);
    try {
      await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: () => this.#sync(), logger: this.#config.logger }, signal);
    } finally {
      unsubscribe();
    }
  }

  #wanted(): Map<string, Wanted> {
    const wanted = new Map<string, Wanted>();
    for (const group of this.#config.registry.groups()) {
      // The aggregator serves its own group; upstream lists no APIService for it.
      if (group.name === 'apiregistration.k8s.io') continue;
      const builtin = this.#config.builtinGroups.has(group.name);
      for (const version of group.versions) {
        const name = apiServiceName(group.name, version);
        const priority = apiServicePriority(group.name, version, builtin ? 'builtin' : 'crd');
        wanted.set(name, {
          name,
          mode: builtin ? 'onstart' : 'true',
          spec: { group: group.name, version, groupPriorityMinimum: priority.groupPriorityMinimum, versionPriority: priority.versionPriority },
        });
      }
    }
    return wanted;
  }

  async #sync(): Promise<void> {
    const atStart = !this.#startSyncDone;
    const wanted = this.#wanted();
    const { client } = this.#config;
    // Independent writes, sent together so that the store commits them in one group.
    const writes: Promise<unknown>[] = [];
    for (const want of wanted.values()) {
      const current = this.#apiServices.lister.get(undefined, want.name);
      if (!current) {
        // A built-in group's APIService deleted after the start stays deleted until the next start.
        if (want.mode === 'onstart' && !atStart) continue;
        const obj: KubeObject = { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: want.name, labels: { [AUTOMANAGED_LABEL]: want.mode } }, spec: want.spec };
        writes.push(ignoring(409, client.create(APISERVICES, undefined, obj)));
        continue;
      }
      const mode = current.metadata.labels?.[AUTOMANAGED_LABEL];
      if (mode !== 'true' && !(mode === 'onstart' && atStart)) continue;
      // A built-in group a user sent to a Service (metrics.k8s.io to a metrics-server, say) stays so.
      if (mode === 'onstart' && isJsonObject(current.spec) && isJsonObject(current.spec.service)) continue;
      if (specMatches(current, want.spec) && mode === want.mode) continue;
      const updated: KubeObject = { ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, [AUTOMANAGED_LABEL]: want.mode } }, spec: want.spec };
      writes.push(ignoring(409, client.update(APISERVICES, undefined, updated)));
    }
    for (const current of this.#apiServices.lister.list()) {
      const name = current.metadata.name ?? '';
      if (wanted.has(name)) continue;
      const mode = current.metadata.labels?.[AUTOMANAGED_LABEL];
      if (mode === 'true' || (mode === 'onstart' && atStart)) writes.push(ignoring(404, client.delete(APISERVICES, undefined, name)));
    }
    await Promise.all(writes);
    this.#startSyncDone = true;
    this.#markSynced();
  }
}

/** A local APIService's spec as wanted: no service, the same group, version and priorities. */
function specMatches(current: KubeObject, spec: JsonObject): boolean {
  const have = isJsonObject(current.spec) ? current.spec : {};
  if (have.service !== undefined && have.service !== null) return false;
  return jsonEqual({ group: have.group ?? '', version: have.version, groupPriorityMinimum: have.groupPriorityMinimum, versionPriority: have.versionPriority }, spec);
}

async function ignoring<T>(code: number, write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (e) {
    if (e instanceof ApiError && e.code === code) return undefined;
    throw e;
  }
}
