/**
 * upstream's Priority admission plugin (plugin/pkg/admission/priority) and the PriorityClass
 * rules of its REST storage:
 *  - a new pod gets spec.priority (and spec.preemptionPolicy) from its spec.priorityClassName,
 *    or from the globalDefault class (the lowest-valued one if several), or 0 and
 *    PreemptLowerPriority when there is none; an unknown class is 403 Forbidden; a priority or
 *    preemptionPolicy written by the client must equal the computed one;
 *  - updates keep the priority fields the pod already has;
 *  - only one PriorityClass may be globalDefault;
 *  - the system classes cannot be deleted.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { Client, ResourceRef } from '../client/client.js';
import type { Clock } from '../util/clock.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

export const priorityClassesResource: ResourceRef = { group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses' };

/** The built-in classes, with upstream's values and descriptions. */
export const SYSTEM_PRIORITY_CLASSES: readonly { name: string; value: number; description: string }[] = [
  { name: 'system-node-critical', value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

export interface PriorityClassInfo {
  readonly name: string;
  readonly value: number;
  readonly globalDefault: boolean;
  /** undefined when the class does not set one. */
  readonly preemptionPolicy: string | undefined;
}

export interface PriorityClassLookup {
  get(name: string): Promise<PriorityClassInfo | undefined>;
  /** The globalDefault class (the lowest-valued one if there are several), if any. */
  defaultClass(): Promise<PriorityClassInfo | undefined>;
}

export function priorityClassInfo(pc: KubeObject): PriorityClassInfo {
  return {
    name: pc.metadata.name ?? '',
    value: typeof pc.value === 'number' ? pc.value : 0,
    globalDefault: pc.globalDefault === true,
    preemptionPolicy: typeof pc.preemptionPolicy === 'string' ? pc.preemptionPolicy : undefined,
  };
}

function lowestDefault(classes: Iterable<PriorityClassInfo>): PriorityClassInfo | undefined {
  let best: PriorityClassInfo | undefined;
  for (const c of classes) if (c.globalDefault && (!best || c.value < best.value)) best = c;
  return best;
}

/**
 * PriorityClasses kept in memory from a watch (as upstream's lister), so admitting a pod costs
 * a map lookup. Until the first list arrives, and on a miss, it reads through the client: a
 * class created a moment ago may not have reached the cache yet.
 */
export class PriorityClassCache implements PriorityClassLookup {
  readonly #client: Client;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #classes = new Map<string, PriorityClassInfo>();
  #synced = false;

  constructor(config: { client: Client; clock: Clock; logger: Logger }) {
    this.#client = config.client;
    this.#clock = config.clock;
    this.#log = config.logger;
  }

  async get(name: string): Promise<PriorityClassInfo | undefined> {
    const cached = this.#classes.get(name);
    if (cached) return cached;
    try {
      return priorityClassInfo(await this.#client.get(priorityClassesResource, undefined, name));
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  async defaultClass(): Promise<PriorityClassInfo | undefined> {
    if (this.#synced) return lowestDefault(this.#classes.values());
    const list = await this.#client.list(priorityClassesResource, undefined);
    return lowestDefault(list.items.map(priorityClassInfo));
  }

  /** Lists, then follows changes until the signal aborts; re-lists after a broken watch. */
  async run(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    while (!signal.aborted) {
      try {
        const list = await this.#client.list(priorityClassesResource, undefined);
        this.#classes.clear();
        for (const pc of list.items) this.#classes.set(pc.metadata.name ?? '', priorityClassInfo(pc));
        this.#synced = true;
        for await (const ev of this.#client.watch(priorityClassesResource, undefined, { resourceVersion: list.metadata.resourceVersion, signal })) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.#classes.set(ev.object.metadata.name ?? '', priorityClassInfo(ev.object));
          else if (ev.type === 'DELETED') this.#classes.delete(ev.object.metadata.name ?? '');
          else if (ev.type === 'ERROR') break;
        }
        backoff = 100;
      } catch (e) {
        if (signal.aborted) return;
        this.#synced = false;
        this.#log.warn({ err: e }, 'priority class cache watch failed; re-listing');
        await this.#clock.sleep(backoff, signal).catch(() => undefined);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}

const PODS = { group: '', resource: 'pods' };
const PRIORITY_CLASSES = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };

export class PriorityPlugin implements AdmissionPlugin {
  readonly name = 'Priority';
  readonly #classes: PriorityClassLookup;

  constructor(classes: PriorityClassLookup) {
    this.#classes = classes;
  }

  handles(def: ResourceDef): boolean {
    return (def.group === '' && def.kind === 'Pod') || (def.group === 'scheduling.k8s.io' && def.kind === 'PriorityClass');
  }

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.def.kind === 'Pod') await this.#admitPod(req);
    else await this.#admitPriorityClass(req);
  }

  async #admitPod(req: AdmissionRequest): Promise<void> {
    const pod = req.object;
    const spec = (isJsonObject(pod.spec) ? pod.spec : (pod.spec = {})) as JsonObject;
    if (req.operation === 'update') {
      // The priority fields were set at creation; validation keeps them immutable.
      const old = req.old && isJsonObject(req.old.spec) ? req.old.spec : undefined;
      if (old && spec.priority === undefined && old.priority !== undefined) spec.priority = old.priority;
      if (old && spec.preemptionPolicy === undefined && old.preemptionPolicy !== undefined) spec.preemptionPolicy = old.preemptionPolicy;
      return;
    }
    if (req.operation !== 'create') return;
    const name = pod.metadata.name || pod.metadata.generateName || '';
    const className = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
    let priority: number;
    let policy: string | undefined;
    if (className === '') {
      const dflt = await this.#classes.defaultClass();
      if (dflt) {
        spec.priorityClassName = dflt.name;
        priority = dflt.value;
        policy = dflt.preemptionPolicy;
      } else {
        priority = 0;
        policy = 'PreemptLowerPriority';
      }
    } else {
      const pc = await this.#classes.get(className);
      if (!pc) throw ApiError.forbidden(PODS, name, `no PriorityClass with name ${className} was found`);
      priority = pc.value;
      policy = pc.preemptionPolicy;
    }
    if (typeof spec.priority === 'number' && spec.priority !== priority) {
      throw ApiError.forbidden(PODS, name, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
    }
    spec.priority = priority;
    if (policy !== undefined) {
      if (typeof spec.preemptionPolicy === 'string' && spec.preemptionPolicy !== policy) {
        throw ApiError.forbidden(PODS, name, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
      }
      spec.preemptionPolicy = policy;
    }
  }

  async #admitPriorityClass(req: AdmissionRequest): Promise<void> {
    const pc = req.object;
    const name = pc.metadata.name ?? '';
    if (req.operation === 'delete') {
      if (SYSTEM_PRIORITY_CLASSES.some((s) => s.name === name)) throw ApiError.forbidden(PRIORITY_CLASSES, name, 'this is a system priority class and cannot be deleted');
      return;
    }
    if (pc.globalDefault !== true) return;
    const dflt = await this.#classes.defaultClass();
    if (dflt && (req.operation === 'create' || dflt.name !== name)) {
      throw ApiError.forbidden(PRIORITY_CLASSES, name, `PriorityClass ${dflt.name} is already marked as default. Only one default can exist`);
    }
  }
}
