/**
 * The disruption controller (upstream pkg/controller/disruption): keeps every
 * PodDisruptionBudget's status current so the eviction subresource (src/apiserver/extensions/
 * pods.ts) can decide whether a voluntary disruption is allowed.
 *
 * For a PDB it computes, from the pods its selector matches in its namespace:
 *  - expectedPods: the pods' count for an integer minAvailable; otherwise the summed scale of
 *    the pods' controllers (Deployment through its ReplicaSet, ReplicaSet, StatefulSet,
 *    ReplicationController, or another controller through `scaleFinder`). Pods without a
 *    controller are left out and reported with an UnmanagedPods event; a pod whose controller
 *    cannot be found fails the sync ("found no controllers for pod …");
 *  - desiredHealthy: minAvailable, or expectedPods − maxUnavailable (percentages of expectedPods
 *    rounded up, as intstr.GetScaledValueFromIntOrPercent);
 *  - currentHealthy: Ready pods that are not being deleted and not recently evicted;
 *  - disruptedPods: the evictions the API recorded (pod name → time), kept until the pod shows a
 *    deletionTimestamp or for at most 2 minutes (DeletionTimeout); the PDB is looked at again
 *    when the oldest entry expires;
 *  - disruptionsAllowed = max(0, currentHealthy − desiredHealthy), 0 while expectedPods is 0;
 *  - observedGeneration and the DisruptionAllowed condition (SufficientPods / InsufficientPods).
 * When a sync fails for another reason than a write conflict, the fail-safe status
 * (disruptionsAllowed 0, DisruptionAllowed=False/SyncFailed with the error) is written so that
 * evictions stop, and the key is retried with backoff.
 *
 * It also resets DisruptionTarget pod conditions left True for 2 minutes on pods that were never
 * deleted (a disruption that did not happen), as upstream's stale-pod-disruption worker does.
 *
 * Events are those of upstream, from the component `controllermanager` (upstream's disruption
 * controller records under that name, so `kubectl describe pdb` shows it in "From").
 */
import { ApiError } from '../../api/errors.js';
import { arr, at, int, isNil, obj, objAt, objsAt, str, strAt } from '../../api/json-access.js';
import { isJsonObject, jsonEqual, parseApiVersion, rfc3339, type JsonObject, type KubeObject, type OwnerReference } from '../../api/object.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors/index.js';
import { builtinResources } from '../../api/builtin-resources.js';
import { resources, type ResourceRef } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { objectKey, type SharedInformer } from '../../informer/shared-informer.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, type ReconcileResult, runReconcileLoop } from '../framework/controller.js';

export const PDB_RESOURCE: ResourceRef = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };
const RC_RESOURCE: ResourceRef = { group: '', version: 'v1', resource: 'replicationcontrollers' };
const RS_RESOURCE: ResourceRef = { group: 'apps', version: 'v1', resource: 'replicasets' };
const DEPLOY_RESOURCE: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments' };
const STS_RESOURCE: ResourceRef = { group: 'apps', version: 'v1', resource: 'statefulsets' };

/** How long an eviction recorded in status.disruptedPods waits for the pod's deletion (upstream DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;
/** How long a DisruptionTarget=True condition may stay on a pod that is not being deleted. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60_000;

export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const REASON_SUFFICIENT_PODS = 'SufficientPods';
export const REASON_INSUFFICIENT_PODS = 'InsufficientPods';
export const REASON_SYNC_FAILED = 'SyncFailed';

/** The uid and desired replica count of a pod's controller. */
export interface ControllerScale {
  readonly uid: string;
  readonly replicas: number;
}

/**
 * Finds the scale of a controller that is not a ReplicationController, ReplicaSet, Deployment or
 * StatefulSet (upstream reads its /scale subresource): undefined when it does not exist; throws
 * when its kind cannot have a scale.
 */
export type ScaleFinder = (owner: OwnerReference, namespace: string) => Promise<ControllerScale | undefined>;

export interface DisruptionControllerOptions {
  /** Concurrent PDB syncs (default 2; a PDB is never synced by two workers at once). */
  readonly workers?: number;
  /** Scale of other controllers (custom resources with a scale subresource). Default: none known. */
  readonly scaleFinder?: ScaleFinder;
  readonly deletionTimeoutMs?: number;
  readonly stalePodDisruptionTimeoutMs?: number;
}

interface ExpectedCount {
  readonly expected: number;
  readonly desiredHealthy: number;
  readonly unmanaged: readonly string[];
}

export class DisruptionController implements Controller {
  readonly name = 'disruption-controller';
  readonly #ctx: ControllerContext;
  readonly #recorder: EventRecorder;
  readonly #workers: number;
  readonly #scaleFinder: ScaleFinder;
  readonly #deletionTimeout: number;
  readonly #staleTimeout: number;
  readonly #pods: SharedInformer;
  readonly #pdbs: SharedInformer;
  readonly #rcs: SharedInformer;
  readonly #rss: SharedInformer;
  readonly #deployments: SharedInformer;
  readonly #statefulSets: SharedInformer;
  readonly #queue;
  readonly #staleQueue;
  /** Parsed PDB selectors by PDB key, reused while the PDB's resourceVersion is unchanged. */
  readonly #selectors = new Map<string, { rv: string | undefined; selector: LabelSelector | ApiError }>();

  constructor(ctx: ControllerContext, options: DisruptionControllerOptions = {}) {
    this.#ctx = ctx;
    this.#recorder = ctx.recorder('controllermanager');
    this.#workers = options.workers ?? 2;
    this.#scaleFinder = options.scaleFinder ?? defaultScaleFinder;
    this.#deletionTimeout = options.deletionTimeoutMs ?? DELETION_TIMEOUT_MS;
    this.#staleTimeout = options.stalePodDisruptionTimeoutMs ?? STALE_POD_DISRUPTION_TIMEOUT_MS;
    this.#queue = newQueue(ctx.clock);
    this.#staleQueue = newQueue(ctx.clock);
    this.#pods = ctx.informers.informer(resources.pods);
    this.#pdbs = ctx.informers.informer(PDB_RESOURCE);
    this.#rcs = ctx.informers.informer(RC_RESOURCE);
    this.#rss = ctx.informers.informer(RS_RESOURCE);
    this.#deployments = ctx.informers.informer(DEPLOY_RESOURCE);
    this.#statefulSets = ctx.informers.informer(STS_RESOURCE);

    this.#pdbs.addEventHandler({
      onAdd: (pdb) => this.#queue.add(objectKey(pdb)),
      onUpdate: (_old, pdb) => this.#queue.add(objectKey(pdb)),
      onDelete: (pdb) => {
        this.#selectors.delete(objectKey(pdb));
        this.#queue.add(objectKey(pdb));
      },
    });
    this.#pods.addEventHandler({
      onAdd: (pod) => {
        this.#enqueuePdbsOf(pod, true);
        this.#checkStaleDisruption(pod);
      },
      onUpdate: (old, pod) => {
        this.#enqueuePdbsOf(pod, true);
        // A pod that changed labels may have left a budget: that one must recount too.
        if (!jsonEqual(old.metadata.labels, pod.metadata.labels)) this.#enqueuePdbsOf(old, false);
        this.#checkStaleDisruption(pod);
      },
      onDelete: (pod) => this.#enqueuePdbsOf(pod, false),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#pods, this.#pdbs, this.#rcs, this.#rss, this.#deployments, this.#statefulSets].map((i) => i.waitForSync(signal)));
    const logger = this.#ctx.logger;
    await Promise.all([
      runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#sync(key), workers: this.#workers, logger }, signal),
      runReconcileLoop({ name: `${this.name}-stale-pod-disruption`, queue: this.#staleQueue, reconcile: (key) => this.#syncStalePodDisruption(key), logger }, signal),
    ]);
  }

  // ---- event handlers --------------------------------------------------------------------------

  /** PDBs of the pod's namespace whose selector matches the pod, by name. */
  #pdbsFor(pod: KubeObject): KubeObject[] {
    const ns = pod.metadata.namespace;
    if (!ns) return [];
    const out: KubeObject[] = [];
    for (const pdb of this.#pdbs.lister.list(ns)) {
      const sel = this.#selectorOf(pdb);
      // An invalid selector matches no pod (upstream GetPodPodDisruptionBudgets).
      if (!(sel instanceof ApiError) && sel.matches(pod.metadata.labels)) out.push(pdb);
    }
    return out.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  }

  #enqueuePdbsOf(pod: KubeObject, warnMultiple: boolean): void {
    const pdbs = this.#pdbsFor(pod);
    if (pdbs.length === 0) return;
    if (warnMultiple && pdbs.length > 1) {
      const q = JSON.stringify;
      this.#recorder.event(pod, 'Warning', 'MultiplePodDisruptionBudgets', `Pod ${q(pod.metadata.namespace ?? '')}/${q(pod.metadata.name ?? '')} matches multiple PodDisruptionBudgets.  Chose ${q(pdbs[0].metadata.name ?? '')} arbitrarily.`);
    }
    // Upstream syncs only the first; every matching budget counts the pod, so all of them recount.
    for (const pdb of pdbs) this.#queue.add(objectKey(pdb));
  }

  #selectorOf(pdb: KubeObject): LabelSelector | ApiError {
    const key = objectKey(pdb);
    const cached = this.#selectors.get(key);
    if (cached && cached.rv === pdb.metadata.resourceVersion) return cached.selector;
    let selector: LabelSelector | ApiError;
    try {
      selector = labelSelectorFromObject(at(pdb.spec, 'selector'));
    } catch (e) {
      selector = e instanceof ApiError ? e : ApiError.badRequest(String(e));
    }
    this.#selectors.set(key, { rv: pdb.metadata.resourceVersion, selector });
    return selector;
  }

  // ---- PDB sync --------------------------------------------------------------------------------

  async #sync(key: string): Promise<ReconcileResult> {
    const pdb = this.#pdbs.lister.getByKey(key);
    if (!pdb) {
      this.#selectors.delete(key);
      return;
    }
    try {
      return await this.#trySync(pdb);
    } catch (e) {
      // Conflicts are retried as they are; a PDB deleted meanwhile needs nothing.
      if (e instanceof ApiError && (e.code === 409 || e.code === 404)) {
        if (e.code === 409) throw e;
        return;
      }
      const message = e instanceof Error ? e.message : String(e);
      this.#ctx.logger.warn({ controller: this.name, pdb: key, err: message }, 'failed to sync PodDisruptionBudget');
      await this.#failSafe(pdb, message);
      throw e;
    }
  }

  async #trySync(pdb: KubeObject): Promise<ReconcileResult> {
    const selector = this.#selectorOf(pdb);
    if (selector instanceof ApiError) {
      this.#recorder.event(pdb, 'Warning', 'NoPods', `Failed to get pods: ${selector.message}`);
      throw selector;
    }
    const namespace = pdb.metadata.namespace ?? '';
    const pods = this.#pods.lister.list(namespace).filter((p) => selector.matches(p.metadata.labels));
    if (pods.length === 0) this.#recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');

    let expected: ExpectedCount;
    try {
      expected = await this.#expectedPodCount(pdb, pods);
    } catch (e) {
      this.#recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    if (expected.unmanaged.length > 0) {
      this.#recorder.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelectorString(at(pdb.spec, 'selector'))}) were found to be unmanaged. ` +
          'As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ' +
          'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
      );
    }

    const now = this.#ctx.clock.now();
    const { disrupted, recheckAt } = this.#buildDisruptedPodMap(pods, pdb, now);
    const currentHealthy = this.#countHealthyPods(pods, disrupted, now);
    await this.#updateStatus(pdb, currentHealthy, expected.desiredHealthy, expected.expected, disrupted);
    if (recheckAt !== undefined) return { requeueAfterMs: Math.max(1, recheckAt - now) };
  }

  async #expectedPodCount(pdb: KubeObject, pods: readonly KubeObject[]): Promise<ExpectedCount> {
    const spec = obj(pdb.spec);
    const maxUnavailable = spec?.maxUnavailable;
    const minAvailable = spec?.minAvailable;
    if (!isNil(maxUnavailable)) {
      const { expected, unmanaged } = await this.#expectedScale(pods, pdb.metadata.namespace ?? '');
      const value = scaledValue(maxUnavailable, expected);
      return { expected, desiredHealthy: Math.max(0, expected - value), unmanaged };
    }
    if (typeof minAvailable === 'number') return { expected: pods.length, desiredHealthy: minAvailable, unmanaged: [] };
    if (typeof minAvailable === 'string') {
      const { expected, unmanaged } = await this.#expectedScale(pods, pdb.metadata.namespace ?? '');
      return { expected, desiredHealthy: scaledValue(minAvailable, expected), unmanaged };
    }
    return { expected: 0, desiredHealthy: 0, unmanaged: [] };
  }

  /** The summed scale of the pods' controllers (each counted once), and the pods without one. */
  async #expectedScale(pods: readonly KubeObject[], namespace: string): Promise<{ expected: number; unmanaged: string[] }> {
    const scaleByController = new Map<string, number>();
    const seenRefs = new Set<string>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true);
      if (!ref) {
        unmanaged.push(pod.metadata.name ?? '');
        continue;
      }
      if (seenRefs.has(ref.uid)) continue;
      const found = await this.#findController(ref, namespace);
      if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata.name ?? '')}`);
      scaleByController.set(found.uid, found.replicas);
      seenRefs.add(ref.uid);
    }
    let expected = 0;
    for (const n of scaleByController.values()) expected += n;
    return { expected, unmanaged };
  }

  /** Upstream's finder order: ReplicationController, Deployment (via its ReplicaSet), ReplicaSet, StatefulSet, then /scale. */
  async #findController(ref: OwnerReference, namespace: string): Promise<ControllerScale | undefined> {
    const group = parseApiVersion(ref.apiVersion).group;
    if (ref.kind === 'ReplicationController' && group === '') return this.#scaleOf(this.#rcs.lister.get(namespace, ref.name), ref.uid);
    if (ref.kind === 'ReplicaSet' && (group === 'apps' || group === 'extensions')) {
      const rs = this.#rss.lister.get(namespace, ref.name);
      if (!rs || rs.metadata.uid !== ref.uid) return this.#scaleFinder(ref, namespace);
      const owner = rs.metadata.ownerReferences?.find((r) => r.controller === true);
      if (!owner) return this.#scaleOf(rs, ref.uid);
      if (owner.kind === 'Deployment') {
        const ownerGroup = parseApiVersion(owner.apiVersion).group;
        if (ownerGroup === 'apps' || ownerGroup === 'extensions') {
          const found = this.#scaleOf(this.#deployments.lister.get(namespace, owner.name), owner.uid);
          if (found) return found;
        }
        // A ReplicaSet whose Deployment is gone: upstream falls through to the RS's own /scale.
        return this.#scaleOf(rs, ref.uid);
      }
      return this.#scaleOf(rs, ref.uid);
    }
    if (ref.kind === 'StatefulSet' && group === 'apps') {
      const found = this.#scaleOf(this.#statefulSets.lister.get(namespace, ref.name), ref.uid);
      if (found) return found;
    }
    return this.#scaleFinder(ref, namespace);
  }

  #scaleOf(controller: KubeObject | undefined, uid: string): ControllerScale | undefined {
    if (!controller || controller.metadata.uid !== uid) return undefined;
    const replicas = at(controller.spec, 'replicas');
    return { uid, replicas: typeof replicas === 'number' ? replicas : 1 };
  }

  /**
   * The evictions still pending: entries of pods that exist, are not yet being deleted and were
   * evicted less than DeletionTimeout ago; also when to look again (the earliest expiry).
   */
  #buildDisruptedPodMap(pods: readonly KubeObject[], pdb: KubeObject, now: number): { disrupted: Record<string, string>; recheckAt: number | undefined } {
    const recorded = objAt(obj(pdb.status), 'disruptedPods');
    const disrupted: Record<string, string> = {};
    let recheckAt: number | undefined;
    if (!recorded) return { disrupted, recheckAt };
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const name = pod.metadata.name ?? '';
      const at = recorded[name];
      if (typeof at !== 'string') continue;
      const expectedDeletion = Date.parse(at) + this.#deletionTimeout;
      if (!(expectedDeletion > now)) {
        // Upstream's text, which names the PDB's namespace twice.
        this.#recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace ?? ''}/${pdb.metadata.namespace ?? ''} to be deleted but it wasn't`);
        continue;
      }
      if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
      disrupted[name] = at;
    }
    return { disrupted, recheckAt };
  }

  #countHealthyPods(pods: readonly KubeObject[], disrupted: Readonly<Record<string, string>>, now: number): number {
    let healthy = 0;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const at = disrupted[pod.metadata.name ?? ''];
      if (at !== undefined && Date.parse(at) + this.#deletionTimeout > now) continue;
      if (isPodReady(pod)) healthy++;
    }
    return healthy;
  }

  async #updateStatus(pdb: KubeObject, currentHealthy: number, desiredHealthy: number, expectedPods: number, disrupted: Record<string, string>): Promise<void> {
    let disruptionsAllowed = currentHealthy - desiredHealthy;
    // No budget while no pods are expected: PDBs whose first pods just appeared stay safe.
    if (expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
    const status = obj(pdb.status) ?? {};
    const generation = pdb.metadata.generation ?? 0;
    const recorded = objAt(status, 'disruptedPods') ?? {};
    if (
      int(status.currentHealthy) === currentHealthy &&
      int(status.desiredHealthy) === desiredHealthy &&
      int(status.expectedPods) === expectedPods &&
      int(status.disruptionsAllowed) === disruptionsAllowed &&
      jsonEqual(recorded, disrupted) &&
      int(status.observedGeneration) === generation &&
      conditionsUpToDate(status, generation)
    ) {
      return;
    }
    const next: JsonObject = {
      observedGeneration: generation,
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy,
      expectedPods,
      conditions: objsAt(status, 'conditions'),
    };
    if (Object.keys(disrupted).length > 0) next.disruptedPods = disrupted;
    const sufficient = disruptionsAllowed > 0;
    next.conditions = setCondition(
      objsAt(status, 'conditions'),
      { type: DISRUPTION_ALLOWED_CONDITION, status: sufficient ? 'True' : 'False', reason: sufficient ? REASON_SUFFICIENT_PODS : REASON_INSUFFICIENT_PODS, message: '', observedGeneration: generation },
      this.#ctx.clock.now(),
    );
    await this.#writeStatus(pdb, next);
  }

  /** Stops evictions when the budget cannot be computed: disruptionsAllowed 0 and SyncFailed. */
  async #failSafe(pdb: KubeObject, message: string): Promise<void> {
    const status = { ...(obj(pdb.status) ?? {}) };
    status.disruptionsAllowed = 0;
    status.conditions = setCondition(
      objsAt(status, 'conditions'),
      { type: DISRUPTION_ALLOWED_CONDITION, status: 'False', reason: REASON_SYNC_FAILED, message, observedGeneration: int(status.observedGeneration) },
      this.#ctx.clock.now(),
    );
    await this.#writeStatus(pdb, status);
  }

  async #writeStatus(pdb: KubeObject, status: JsonObject): Promise<void> {
    // The informer's object is shared: a shallow copy with a new status; its resourceVersion
    // makes the write conditional (a conflict is retried with fresh state).
    await this.#ctx.client.update(PDB_RESOURCE, pdb.metadata.namespace, { ...pdb, status }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
  }

  // ---- stale DisruptionTarget conditions -------------------------------------------------------

  /** Milliseconds until a DisruptionTarget=True condition on a live pod counts as stale, or undefined. */
  #staleDisruptionWait(pod: KubeObject): number | undefined {
    if (pod.metadata.deletionTimestamp) return undefined;
    const status = obj(pod.status);
    const phase = strAt(status, 'phase');
    if (phase === 'Succeeded' || phase === 'Failed') return undefined;
    const cond = objsAt(status, 'conditions').find((c) => c.type === 'DisruptionTarget');
    // Conditions the kubelet sets are never stale: the pod may take long to terminate.
    if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet') return undefined;
    const since = Date.parse(strAt(cond, 'lastTransitionTime'));
    const waited = Number.isNaN(since) ? this.#staleTimeout : this.#ctx.clock.now() - since;
    return Math.max(0, this.#staleTimeout - waited);
  }

  #checkStaleDisruption(pod: KubeObject): void {
    const wait = this.#staleDisruptionWait(pod);
    if (wait !== undefined) this.#staleQueue.addAfter(objectKey(pod), wait);
  }

  async #syncStalePodDisruption(key: string): Promise<ReconcileResult> {
    const pod = this.#pods.lister.getByKey(key);
    if (!pod) return;
    const wait = this.#staleDisruptionWait(pod);
    if (wait === undefined) return;
    if (wait > 0) return { requeueAfterMs: wait };
    const status = obj(pod.status) ?? {};
    const conditions = objsAt(status, 'conditions').map((c) =>
      c.type === 'DisruptionTarget' ? { type: 'DisruptionTarget', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(this.#ctx.clock.now()) } : c,
    );
    try {
      await this.#ctx.client.update(resources.pods, pod.metadata.namespace, { ...pod, status: { ...status, conditions } }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function isPodReady(pod: KubeObject): boolean {
  return objsAt(obj(pod.status), 'conditions').some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * intstr.GetScaledValueFromIntOrPercent with rounding up: an integer as is, "N%" of total
 * rounded up; any other string is an error (validation lets none through).
 */
export function scaledValue(v: unknown, total: number): number {
  if (typeof v === 'number') return Math.trunc(v);
  const s = str(v);
  if (!s.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const n = Number(s.slice(0, -1));
  if (!/^[+-]?\d+%$/.test(s) || !Number.isSafeInteger(n)) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(s)}: strconv.Atoi: parsing ${JSON.stringify(s.slice(0, -1))}: invalid syntax`);
  return Math.ceil((n * total) / 100);
}

function conditionsUpToDate(status: JsonObject, generation: number): boolean {
  const cond = objsAt(status, 'conditions').find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (!cond || int(status.observedGeneration) !== generation) return false;
  if (int(status.disruptionsAllowed) > 0) return cond.status === 'True' && cond.reason === REASON_SUFFICIENT_PODS;
  return cond.status === 'False' && cond.reason === REASON_INSUFFICIENT_PODS;
}

interface ConditionInput {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
}

/**
 * apimeta.SetStatusCondition: replaces the condition of the same type, keeping its
 * lastTransitionTime unless the status changes; appends it otherwise.
 */
export function setCondition(conditions: readonly JsonObject[], c: ConditionInput, now: number): JsonObject[] {
  const out: JsonObject[] = [];
  let found = false;
  for (const existing of conditions) {
    if (existing.type !== c.type) {
      out.push(existing);
      continue;
    }
    found = true;
    const changed = existing.status !== c.status;
    out.push({
      type: c.type,
      status: c.status,
      observedGeneration: c.observedGeneration,
      lastTransitionTime: changed || typeof existing.lastTransitionTime !== 'string' ? rfc3339(now) : existing.lastTransitionTime,
      reason: c.reason,
      message: c.message,
    });
  }
  if (!found) out.push({ type: c.type, status: c.status, observedGeneration: c.observedGeneration, lastTransitionTime: rfc3339(now), reason: c.reason, message: c.message });
  return out;
}

/** The String() of a *metav1.LabelSelector as Go's %v prints it in upstream's event text. */
export function goLabelSelectorString(selector: unknown): string {
  if (!isJsonObject(selector)) return 'nil';
  const labels = obj(selector.matchLabels) ?? {};
  const keys = Object.keys(labels).sort();
  const matchLabels = `map[string]string{${keys.map((k) => `${k}: ${str(labels[k])},`).join('')}}`;
  const exprs = objsAt(selector, 'matchExpressions')
    .map((e) => `LabelSelectorRequirement{Key:${strAt(e, 'key')},Operator:${strAt(e, 'operator')},Values:[${arr(e.values).map(str).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:${matchLabels},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

/**
 * Without a /scale reader: a kind lite serves without a scale subresource gets upstream's
 * "does not implement the scale subresource"; an unknown kind upstream's RESTMapper error.
 */
const defaultScaleFinder: ScaleFinder = (owner) => {
  const { group, version } = parseApiVersion(owner.apiVersion);
  const def = builtinResources.find((r) => r.group === group && r.kind === owner.kind);
  if (!def) return Promise.reject(new Error(`no matches for kind ${JSON.stringify(owner.kind)} in version ${JSON.stringify(group ? `${group}/${version}` : version)}`));
  const scalable = def.subresources?.some((s) => s.name === 'scale') ?? false;
  if (!scalable) return Promise.reject(new Error(`${group ? `${def.plural}.${group}` : def.plural} does not implement the scale subresource`));
  // Scalable built-ins are read from informers above; one not found there does not exist.
  return Promise.resolve(undefined);
};
