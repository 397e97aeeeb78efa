/**
 * ResourceQuota admission (upstream plugin/pkg/admission/resourcequota and its quota evaluator):
 * refuses a write in a namespace when it would take any quota that applies to it past its
 * `status.hard`, and otherwise charges the write's usage to those quotas' `status.used`.
 *
 * What applies: a quota applies to an object when it names a resource the object's evaluator
 * measures (see controllers/resourcequota/quota-evaluators.ts) and the object falls within the
 * quota's scopes. Limits come from `status.hard`, so a quota constrains nothing until the
 * ResourceQuota controller has calculated it; a quota whose status lacks usage for a resource it
 * limits refuses writes ("status unknown for quota"). Creations of every namespaced kind but
 * Events are evaluated; updates only for Services and PersistentVolumeClaims (a type change or a
 * larger claim), charged by their increase.
 *
 * Refusals are upstream's 403 Forbidden texts:
 *   pods "x" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=1, limited: requests.cpu=2
 *   pods "x" is forbidden: failed quota: compute: must specify limits.cpu for: c; requests.cpu for: c
 * (a generateName create is reported under its generated name, as upstream's validating admission
 * sees it.)
 *
 * Consistency under concurrent writes — how usage is reserved:
 *  1. Per namespace, one evaluation runs at a time. Writes that arrive meanwhile wait and are
 *     evaluated together in the next batch, against a running copy of the quotas in which every
 *     admitted write of the batch has already been added (upstream's per-namespace work queue).
 *  2. A batch's charges are written to the quotas' status.used (optimistic concurrency on their
 *     resourceVersion) before any of its writes is admitted; the written quota is kept in memory
 *     and used instead of the informer's copy until the informer has caught up with it (upstream's
 *     "updated quotas" cache). So usage charged by one batch is seen by the next even when the
 *     watch lags, and no two writes can spend the same headroom.
 *  3. On a write conflict (the controller or another server changed the quota) the failed quotas
 *     are read again live and the pending writes re-checked against them, up to 3 times; then the
 *     conflict is returned.
 *  4. A write that was admitted and charged but not carried out (it failed validation — lite runs
 *     admission before validation — or its name was taken) gets its charges refunded; charges of
 *     writes that commit are left to the controller, which recounts on deletions and resyncs.
 *  Dry-run writes are checked but never charged.
 * Known gap, as upstream: the controller recounting from informers between an admitted create's
 * charge and the object reaching its informers can lower usage for a moment.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { obj } from '../api/json-access.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { Client } from '../client/client.js';
import { objectKey, SharedInformer } from '../informer/shared-informer.js';
import type { WriteOperation } from '../registry/object-lifecycle.js';
import type { Clock } from '../util/clock.js';
import { quotaMatches, quotaScopes, QuotaEvaluatorRegistry, RESOURCE_QUOTAS, type QuotaEvaluator, type ScopeRequirement } from '../controllers/resourcequota/quota-evaluators.js';
import {
  add,
  exceeded,
  mask,
  negativeNames,
  parseResourceList,
  prettyPrint,
  removeZeros,
  subtractNonNegative,
  toJson,
  type QuotaQuantity,
  type ResourceList,
} from '../controllers/resourcequota/resource-list.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

export interface ResourceQuotaAdmissionConfig {
  /** Reads quotas and writes their status (the in-process client in the server). */
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A shared ResourceQuota informer; without one the plugin makes its own, run by `run()`. */
  readonly quotas?: SharedInformer;
  /** Field manager of the usage it records (default `kube-apiserver`). */
  readonly fieldManager?: string;
  /** Re-checks after write conflicts before giving up (default 3, as upstream). */
  readonly maxRetries?: number;
}

/** Usage charged to one quota for one admitted write. */
interface Charge {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | undefined;
  readonly delta: ResourceList;
}

interface Waiter {
  readonly kind: 'admit';
  readonly req: AdmissionRequest;
  readonly evaluator: QuotaEvaluator;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
  done: boolean;
  error: unknown;
  /** Charges whose quota write succeeded, by quota key. */
  readonly charged: Map<string, Charge>;
  /** Charges of the current attempt, by quota key. */
  attempt: Map<string, Charge>;
}

interface Refund {
  readonly kind: 'refund';
  readonly charges: readonly Charge[];
}

type Job = Waiter | Refund;

/** A quota as one evaluation sees it, with the usage of the batch added so far. */
interface RunningQuota {
  readonly quota: KubeObject;
  readonly key: string;
  readonly name: string;
  readonly hard: ResourceList;
  readonly hardNames: readonly string[];
  readonly scopes: readonly ScopeRequirement[];
  used: ResourceList;
  changed: boolean;
}

function revision(o: KubeObject): number {
  const n = Number(o.metadata.resourceVersion);
  return Number.isFinite(n) ? n : 0;
}

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  readonly #c: ResourceQuotaAdmissionConfig;
  readonly #informer: SharedInformer;
  readonly #ownInformer: boolean;
  readonly #fieldManager: string;
  readonly #maxRetries: number;
  readonly #registry = new QuotaEvaluatorRegistry();
  /** Quotas as this plugin last wrote them, until the informer shows that version or newer. */
  readonly #written = new Map<string, KubeObject>();
  readonly #jobs = new Map<string, Job[]>();
  readonly #busy = new Set<string>();
  /** Charges of admitted writes not yet committed or abandoned (keyed by the admitted object). */
  readonly #charges = new WeakMap<KubeObject, Charge[]>();

  constructor(config: ResourceQuotaAdmissionConfig) {
    this.#c = config;
    this.#fieldManager = config.fieldManager ?? 'kube-apiserver';
    this.#maxRetries = config.maxRetries ?? 3;
    this.#ownInformer = config.quotas === undefined;
    this.#informer = config.quotas ?? new SharedInformer({ client: config.client, resource: RESOURCE_QUOTAS, clock: config.clock, logger: config.logger });
    this.#informer.addEventHandler({
      onUpdate: (_old, q) => this.#forgetIfSeen(q),
      onAdd: (q) => this.#forgetIfSeen(q),
      onDelete: (q) => this.#written.delete(objectKey(q)),
    });
  }

  /** Runs the plugin's own quota informer until the signal aborts (no-op with a shared one). */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#ownInformer) await this.#informer.run(signal);
  }

  handles(def: ResourceDef): boolean {
    // Upstream ignores events; cluster-scoped objects are never under a quota.
    return def.namespaced && !(def.group === '' && def.plural === 'events');
  }

  admit(req: AdmissionRequest): Promise<void> | void {
    const namespace = req.object.metadata.namespace;
    if (!namespace) return;
    const evaluator = this.#registry.forResource({ group: req.def.group, resource: req.def.plural });
    if (!evaluator.handles(req.operation)) return;
    // The common case costs one index lookup: no quota in the namespace.
    if (this.#informer.hasSynced() && this.#informer.lister.list(namespace).length === 0) return;
    return new Promise<void>((resolve, reject) => {
      this.#enqueue(namespace, { kind: 'admit', req, evaluator, resolve, reject, done: false, error: undefined, charged: new Map(), attempt: new Map() });
    });
  }

  committed(_operation: WriteOperation, object: KubeObject, _old?: KubeObject): void {
    this.#charges.delete(object);
  }

  abandoned(_operation: WriteOperation, object: KubeObject, _old?: KubeObject): void {
    const charges = this.#charges.get(object);
    if (!charges) return;
    this.#charges.delete(object);
    this.#enqueue(charges[0].namespace, { kind: 'refund', charges });
  }

  // ---- per-namespace serialisation ---------------------------------------------------------------

  #enqueue(namespace: string, job: Job): void {
    let jobs = this.#jobs.get(namespace);
    if (!jobs) this.#jobs.set(namespace, (jobs = []));
    jobs.push(job);
    if (this.#busy.has(namespace)) return;
    this.#busy.add(namespace);
    void this.#drain(namespace);
  }

  async #drain(namespace: string): Promise<void> {
    try {
      for (;;) {
        const jobs = this.#jobs.get(namespace);
        if (!jobs || jobs.length === 0) break;
        this.#jobs.delete(namespace);
        for (const job of jobs) if (job.kind === 'refund') await this.#refund(job.charges);
        const waiters = jobs.filter((j): j is Waiter => j.kind === 'admit');
        if (waiters.length > 0) await this.#evaluate(namespace, waiters);
      }
    } finally {
      this.#jobs.delete(namespace);
      this.#busy.delete(namespace);
    }
  }

  // ---- evaluation --------------------------------------------------------------------------------

  /** Checks and charges a batch; settles every waiter, never throws. */
  async #evaluate(namespace: string, waiters: Waiter[]): Promise<void> {
    try {
      let quotas = await this.#currentQuotas(namespace);
      let lastError: unknown;
      for (let attempt = 0; ; attempt++) {
        const running = quotas.map(toRunning);
        for (const w of waiters) {
          if (w.done) continue;
          w.attempt = new Map();
          let result: Map<number, { used: ResourceList; delta: ResourceList }>;
          try {
            result = this.#checkRequest(running, w);
          } catch (e) {
            w.done = true;
            w.error = e;
            continue;
          }
          if (w.req.ctx.dryRun) {
            w.done = true;
            continue;
          }
          for (const [i, { used, delta }] of result) {
            const r = running[i];
            r.used = used;
            r.changed = true;
            w.attempt.set(r.key, { namespace, name: r.name, uid: r.quota.metadata.uid, delta });
          }
          if (result.size === 0) w.done = true;
        }

        const failed = new Set<string>();
        for (const r of running) {
          if (!r.changed) continue;
          try {
            const status = { ...(obj(r.quota.status) ?? {}), used: toJson(r.used) };
            const written = await this.#c.client.update(RESOURCE_QUOTAS, namespace, { ...r.quota, status }, { subresource: 'status', fieldManager: this.#fieldManager });
            this.#remember(written);
          } catch (e) {
            // A quota deleted meanwhile no longer limits anything.
            if (e instanceof ApiError && e.code === 404) continue;
            lastError = e;
            failed.add(r.key);
          }
        }
        for (const w of waiters) {
          if (w.done) continue;
          for (const [k, charge] of w.attempt) if (!failed.has(k)) w.charged.set(k, charge);
          if (![...w.attempt.keys()].some((k) => failed.has(k))) w.done = true;
        }
        if (failed.size === 0) break;
        if (attempt >= this.#maxRetries) {
          for (const w of waiters) {
            if (w.done) continue;
            w.done = true;
            w.error = lastError;
          }
          break;
        }
        // Re-check the writes still pending against fresh copies of the quotas that failed.
        quotas = await this.#liveQuotas(namespace, [...failed]);
      }
    } catch (e) {
      for (const w of waiters) {
        if (w.done) continue;
        w.done = true;
        w.error = e;
      }
    }
    for (const w of waiters) {
      if (w.error !== undefined) {
        if (w.charged.size > 0) this.#enqueue(namespace, { kind: 'refund', charges: [...w.charged.values()] });
        w.reject(w.error);
      } else {
        if (w.charged.size > 0) this.#charges.set(w.req.object, [...w.charged.values()]);
        w.resolve();
      }
    }
  }

  /**
   * The quotas' usage with this write added, by index of the quotas that change; throws the
   * Forbidden error when the write may not be admitted (upstream CheckRequest).
   */
  #checkRequest(running: readonly RunningQuota[], w: Waiter): Map<number, { used: ResourceList; delta: ResourceList }> {
    const { req, evaluator } = w;
    const o = req.object;
    const forbidden = (reason: string) => ApiError.forbidden({ group: req.def.group, resource: req.def.plural }, o.metadata.name || o.metadata.generateName || '', reason);
    const interesting: number[] = [];
    running.forEach((r, i) => {
      if (!quotaMatches(evaluator, r.hardNames, r.scopes, o)) return;
      const restricted = evaluator.matchingResources(r.hardNames);
      const constraint = evaluator.constraints(restricted, o);
      if (constraint) throw forbidden(`failed quota: ${r.name}: ${constraint}`);
      const used = r.used;
      if (restricted.some((n) => r.hard.has(n) && !used.has(n))) throw forbidden(`status unknown for quota: ${r.name}, resources: ${[...restricted].sort().join(',')}`);
      interesting.push(i);
    });
    const out = new Map<number, { used: ResourceList; delta: ResourceList }>();
    if (interesting.length === 0) return out;

    const now = this.#c.clock.now();
    const input = evaluator.usage(o, now);
    const negative = negativeNames(input);
    if (negative.length > 0) throw forbidden(`quota usage is negative for resource(s): ${negative.join(',')}`);
    const deltas = new Map<number, ResourceList>(interesting.map((i) => [i, input]));
    if (req.operation === 'update' && req.old) {
      // Charge the increase, when the old object was charged to the same quota.
      const delta = subtractNonNegative(input, evaluator.usage(req.old, now));
      for (const i of interesting) if (quotaMatches(evaluator, running[i].hardNames, running[i].scopes, req.old)) deltas.set(i, delta);
    }
    for (const [i, d] of deltas) {
      const delta = removeZeros(d);
      if (delta.size === 0) continue;
      const r = running[i];
      const requested = mask(delta, r.hardNames);
      if (requested.size === 0) continue;
      const newUsed = add(r.used, requested);
      const over = exceeded(mask(newUsed, requested.keys()), r.hard);
      if (over.length > 0) {
        throw forbidden(`exceeded quota: ${r.name}, requested: ${prettyPrint(mask(requested, over))}, used: ${prettyPrint(mask(r.used, over))}, limited: ${prettyPrint(mask(r.hard, over))}`);
      }
      out.set(i, { used: newUsed, delta: requested });
    }
    return out;
  }

  /** Gives back charges of a write that was admitted but not carried out. */
  async #refund(charges: readonly Charge[]): Promise<void> {
    for (const c of charges) {
      let quota = (await this.#currentQuotas(c.namespace)).find((q) => q.metadata.name === c.name);
      for (let attempt = 0; quota && quota.metadata.uid === c.uid && attempt <= this.#maxRetries; attempt++) {
        const used = new Map<string, QuotaQuantity>(parseResourceList(obj(quota.status)?.used));
        for (const [k, d] of c.delta) {
          const cur = used.get(k);
          if (cur) used.set(k, cur.nanos > d.nanos ? { nanos: cur.nanos - d.nanos, format: cur.format } : { nanos: 0n, format: 'DecimalSI' });
        }
        try {
          const written = await this.#c.client.update(RESOURCE_QUOTAS, c.namespace, { ...quota, status: { ...(obj(quota.status) ?? {}), used: toJson(used) } }, { subresource: 'status', fieldManager: this.#fieldManager });
          this.#remember(written);
          break;
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 409)) {
            this.#c.logger.debug({ quota: `${c.namespace}/${c.name}`, err: e instanceof Error ? e.message : String(e) }, 'quota refund failed; the controller will recount');
            break;
          }
          quota = (await this.#liveQuotas(c.namespace, [`${c.namespace}/${c.name}`]))[0];
        }
      }
    }
  }

  // ---- quota views -------------------------------------------------------------------------------

  /** The namespace's quotas, by name, each at the newest version this process knows. */
  async #currentQuotas(namespace: string): Promise<KubeObject[]> {
    const listed = this.#informer.hasSynced() ? this.#informer.lister.list(namespace) : (await this.#c.client.list(RESOURCE_QUOTAS, namespace)).items;
    return listed.map((q) => this.#newest(q)).sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  }

  async #liveQuotas(namespace: string, keys: readonly string[]): Promise<KubeObject[]> {
    const out: KubeObject[] = [];
    for (const k of keys) {
      try {
        const q = await this.#c.client.get(RESOURCE_QUOTAS, namespace, k.slice(namespace.length + 1));
        this.#remember(q);
        out.push(q);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return out;
  }

  #newest(q: KubeObject): KubeObject {
    const written = this.#written.get(objectKey(q));
    if (!written || written.metadata.uid !== q.metadata.uid || revision(q) >= revision(written)) return q;
    return written;
  }

  #remember(q: KubeObject): void {
    const k = objectKey(q);
    const cached = this.#informer.lister.getByKey(k);
    if (cached && cached.metadata.uid === q.metadata.uid && revision(cached) >= revision(q)) return;
    this.#written.set(k, q);
  }

  #forgetIfSeen(q: KubeObject): void {
    const k = objectKey(q);
    const written = this.#written.get(k);
    if (written && (written.metadata.uid !== q.metadata.uid || revision(q) >= revision(written))) this.#written.delete(k);
  }
}

function toRunning(quota: KubeObject): RunningQuota {
  const status = obj(quota.status);
  const hard = parseResourceList(status?.hard);
  return {
    quota,
    key: objectKey(quota),
    name: quota.metadata.name ?? '',
    hard,
    hardNames: [...hard.keys()],
    scopes: quotaScopes(quota),
    used: parseResourceList(status?.used),
    changed: false,
  };
}
