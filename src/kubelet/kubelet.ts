/**
 * The kubelet's pod side (upstream pkg/kubelet: syncLoop, pod workers, status manager, prober
 * manager, PLEG, housekeeping), composed from one config object (kubelet-api.ts):
 *
 *  - pods bound to this node come from an informer (fieldSelector spec.nodeName=<node>); each pod
 *    has one worker (pods/pod-workers.ts) whose syncs never overlap and always read the current
 *    pod and the runtime afresh (level-based);
 *  - a sync runs the pod's containers to its spec (sync/pod-sync.ts), then writes the status the
 *    kubelet reports (status/) when it changed; it runs again on any change of the pod, of a
 *    ConfigMap/Secret it uses, of a probe result, of its containers in the runtime (PLEG, 1 s),
 *    when a back-off ends, and every minute;
 *  - a pod being deleted, or one that has run to completion, is terminated: containers stopped
 *    within the grace period, sandbox stopped, final status written, volumes torn down; a deleted
 *    pod is then removed from the API (grace 0) and its containers from the runtime;
 *  - containers found in the runtime are adopted by their labels (a restarted kubelet starts
 *    nothing twice); those of pods the API no longer has are stopped and removed; dead containers
 *    beyond the newest of each name and dead sandboxes are garbage-collected;
 *  - static pods from `staticPodDir` run without the API and are mirrored there (static-pods.ts).
 *
 * Stopping the kubelet leaves containers running, as a stopped kubelet process does.
 */
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { strAt, type JsonObject } from '../api/json-access.js';
import { isJsonObject, jsonEqual, rfc3339, type KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { ClientEventRecorder, type EventType } from '../events/event-recorder.js';
import { InformerFactory } from '../informer/informer-factory.js';
import { LocalPathCleaner } from './volumes/local-path-cleaner.js';
import type { SharedInformer } from '../informer/shared-informer.js';
import { ApiError } from '../api/errors.js';
import { innerSignal } from '../util/abort.js';
import type { Allocatable } from './container/downward.js';
import { parseResolvConf } from './container/hosts-dns.js';
import { podGracePeriod, podSpec } from './container/container-config.js';
import { ImageManager } from './images/image-manager.js';
import type { KubeletConfig, RunningKubelet, StartKubelet } from './kubelet-api.js';
import { ObjectCache } from './object-cache.js';
import { Pleg } from './pleg.js';
import { PodWorkers, type SyncResult } from './pods/pod-workers.js';
import { hostNetwork as hostProbeNetwork, type ProbeNetwork } from './prober/probe-network.js';
import { ProberManager } from './prober/prober-manager.js';
import { emptyRuntimePod, RuntimePodReader, type RuntimePod } from './runtime-pod.js';
import type { StreamingPod, StreamingPodLookup } from './server/pod-lookup.js';
import type { SyncFailure } from './status/container-statuses.js';
import { generatePodStatus } from './status/generate-pod-status.js';
import { StatusManager } from './status/status-manager.js';
import { CONFIG_MIRROR, isMirrorPod, mirrorPodFor, readStaticPods, STATIC_POD_CHECK_MS } from './static-pods.js';
import { streamingPod } from './streaming-pod.js';
import { Backoff } from './sync/backoff.js';
import { podSandboxChanged } from './sync/pod-actions.js';
import { MINIMUM_GRACE_PERIOD_SECONDS, PodSyncer } from './sync/pod-sync.js';
import { TokenManager } from './token/token-manager.js';
import { systemMounter, VolumeManager, type Mounter } from './volumes/volume-manager.js';

/** Knobs that are not part of the seam: tests and benchmarks set them; the agent never needs to. */
export interface KubeletInternals {
  /** How HTTP/TCP probes and hooks reach pods (default: the host's network). */
  readonly probeNetwork?: ProbeNetwork;
  /** tmpfs for memory-backed emptyDirs (default: mount(8) when root on Linux; null: plain directories). */
  readonly mounter?: Mounter | null;
  /** Contents of the node's /etc/hosts and /etc/resolv.conf (default: read from the host). */
  readonly nodeHostsFile?: string;
  readonly nodeResolvConf?: string;
  /** Node allocatable when the Node object has none yet (default: the host's CPUs and memory). */
  readonly allocatable?: Allocatable;
  /** Periodic resync of every pod (upstream SyncFrequency, 1 min). */
  readonly resyncMs?: number;
  /** PLEG relist period (1 s). */
  readonly relistMs?: number;
  /** Retry of a pod whose sync failed (upstream backOffPeriod, 10 s). */
  readonly errorBackoffMs?: number;
}

/** A running kubelet, with a few views for tests. */
export interface Kubelet extends RunningKubelet {
  /** Pod status writes so far. */
  readonly statusWrites: () => number;
  /** Runs one PLEG relist now (tests on a FakeClock). */
  readonly relist: () => Promise<void>;
  /** Resolves when no relist and no pod sync is running. */
  readonly idle: () => Promise<void>;
  /** Resolves when the relist a timer started (if any) is done. */
  readonly relisted: () => Promise<void>;
  /** Resolves when every event recorded so far has been written. */
  readonly flushEvents: () => Promise<void>;
}

type WorkerPhase = 'syncing' | 'terminating' | 'terminated';

interface PodRecord {
  readonly uid: string;
  /** The API's pod (latest from the informer), or one rebuilt from runtime labels for an orphan. */
  pod: KubeObject;
  /** The API no longer has the pod. */
  removed: boolean;
  /** Known only from the runtime (not bound here, or deleted while the kubelet was down). */
  readonly orphan: boolean;
  /** Where the pod comes from: the API, or a static pod manifest (then `mirror` is its API twin). */
  readonly source: 'api' | 'file';
  mirror: KubeObject | undefined;
  phase: WorkerPhase;
  /** Why containers could not be started (upstream reasonCache). */
  readonly failures: Map<string, SyncFailure>;
  startTime: string | undefined;
  /** The IPs of the pod's sandbox while it was ready (reported after it stopped). */
  podIPs: string[];
  /** Why the kubelet failed the pod itself (activeDeadlineSeconds exceeded). */
  evicted: { reason: string; message: string } | undefined;
  /** The grace period the running termination uses (a shorter one stops containers sooner). */
  killGrace: number | undefined;
  runtime: RuntimePod;
  status: JsonObject | undefined;
  readonly firstSync: Promise<void>;
  resolveFirstSync: () => void;
}

const MIN_SYNC_GAP_MS = 1;

function hostAllocatable(): Allocatable {
  return { cpu: String(cpus().length || 1), memory: String(totalmem()), 'ephemeral-storage': String(100 * 1024 ** 3), pods: '110' };
}

function statusOf(pod: KubeObject): JsonObject {
  return isJsonObject(pod.status) ? pod.status : {};
}

function podRef(pod: KubeObject): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion } };
}

/** What changes of a pod's API object a sync must see (its own status writes are not among them). */
function relevantChange(oldPod: KubeObject, newPod: KubeObject, lastWritten: JsonObject | undefined): boolean {
  if (!jsonEqual(oldPod.spec, newPod.spec)) return true;
  const a = oldPod.metadata;
  const b = newPod.metadata;
  if (a.deletionTimestamp !== b.deletionTimestamp || a.deletionGracePeriodSeconds !== b.deletionGracePeriodSeconds) return true;
  if (!jsonEqual(a.labels, b.labels) || !jsonEqual(a.annotations, b.annotations)) return true;
  // Someone else wrote the status (readiness gates, the node controller): re-derive ours.
  return !jsonEqual(oldPod.status, newPod.status) && !jsonEqual(newPod.status, lastWritten);
}

class KubeletImpl implements Kubelet, StreamingPodLookup {
  readonly #c: KubeletConfig;
  readonly #log: Logger;
  readonly #signal: AbortSignal;
  readonly #release: () => void;
  readonly #abort: AbortController;
  readonly #informers: InformerFactory;
  readonly #podInformer: SharedInformer;
  readonly #nodeInformer: SharedInformer;
  readonly #objects: ObjectCache;
  readonly #recorder: ClientEventRecorder;
  readonly #reader: RuntimePodReader;
  readonly #volumes: VolumeManager;
  readonly #tokens: TokenManager;
  readonly #syncer: PodSyncer;
  readonly #status: StatusManager;
  readonly #prober: ProberManager;
  readonly #workers: PodWorkers;
  readonly #pleg: Pleg;
  readonly #records = new Map<string, PodRecord>();
  readonly #internals: KubeletInternals;
  readonly #runtimeName: string;
  #stopped: Promise<void> | undefined;
  #staticLoaded = false;
  #cancelStatic: (() => void) | undefined;

  readonly streaming: StreamingPodLookup = this;

  constructor(config: KubeletConfig, signal: AbortSignal, internals: KubeletInternals, env: { runtimeName: string; nodeHostsFile: string; nodeResolvConf: string }) {
    this.#c = config;
    this.#internals = internals;
    this.#runtimeName = env.runtimeName;
    this.#log = config.logger.child({ component: 'kubelet', node: config.nodeName });
    this.#abort = new AbortController();
    const inner = innerSignal(AbortSignal.any([signal, this.#abort.signal]));
    this.#signal = inner.signal;
    // The caller's signal aborting stops the kubelet; a kubelet stopped by stop() stops listening to it.
    const onAbort = () => void this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#release = () => {
      inner.release();
      signal.removeEventListener('abort', onAbort);
    };
    const { client, clock, runtime } = config;

    this.#informers = new InformerFactory({ client, clock, logger: this.#log });
    this.#podInformer = this.#informers.informer(resources.pods, { fieldSelector: `spec.nodeName=${config.nodeName}` });
    this.#nodeInformer = this.#informers.informer(resources.nodes, { fieldSelector: `metadata.name=${config.nodeName}` });
    this.#objects = new ObjectCache(client, this.#informers, { clock, logger: this.#log.child({ component: 'object-watches' }) });
    this.#recorder = new ClientEventRecorder({ client, component: 'kubelet', host: config.nodeName, clock, logger: this.#log });
    this.#reader = new RuntimePodReader(runtime, this.#log.child({ component: 'runtime-pods' }));
    const network = internals.probeNetwork ?? hostProbeNetwork;
    const mounter = internals.mounter === null ? undefined : (internals.mounter ?? systemMounter());
    this.#tokens = new TokenManager({ client, clock, logger: this.#log.child({ component: 'token-manager' }) });
    this.#volumes = new VolumeManager({ root: join(config.dataDir, 'kubelet'), objects: this.#objects, clock, logger: this.#log.child({ component: 'volumes' }), mounter, allocatable: () => this.#allocatable(), tokens: this.#tokens });
    const event = (pod: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string) => this.#recorder.event(podRef(pod), type, reason, message, fieldPath);
    this.#prober = new ProberManager({
      runtime,
      network,
      clock,
      logger: this.#log.child({ component: 'prober' }),
      nodeIp: config.nodeIp,
      event,
      view: (uid) => {
        const r = this.#records.get(uid);
        return r ? { pod: r.pod, status: r.status } : undefined;
      },
      onChange: (uid) => this.#workers.wake(uid),
    });
    const resolv = env.nodeResolvConf ? parseResolvConf(env.nodeResolvConf) : undefined;
    this.#syncer = new PodSyncer({
      runtime,
      images: new ImageManager({ runtime, clock, logger: this.#log.child({ component: 'images' }) }),
      volumes: this.#volumes,
      objects: this.#objects,
      clock,
      logger: this.#log,
      event,
      probes: this.#prober.results,
      network,
      nodeIp: config.nodeIp,
      clusterDns: config.clusterDns ?? [],
      clusterDomain: config.clusterDomain ?? 'cluster.local',
      ...(config.podNetwork ? { podNetwork: config.podNetwork } : {}),
      nodeResolv: resolv,
      nodeHostsFile: env.nodeHostsFile,
      allocatable: () => this.#allocatable(),
      crashBackoff: new Backoff(clock, 10_000, 300_000),
      signal: this.#signal,
    });
    this.#status = new StatusManager({ client, logger: this.#log.child({ component: 'status' }) });
    this.#workers = new PodWorkers({ sync: (uid) => this.#sync(uid), clock, logger: this.#log, errorBackoffMs: internals.errorBackoffMs ?? 10_000 });
    this.#pleg = new Pleg({ reader: this.#reader, clock, logger: this.#log.child({ component: 'pleg' }), periodMs: internals.relistMs ?? 1000, onChange: (changed) => this.#onRuntimeChange(changed) });
  }

  async start(): Promise<void> {
    this.#podInformer.addEventHandler({
      onAdd: (pod) => (isMirrorPod(pod) ? this.#mirrorChanged(pod) : this.#upsert(pod)),
      onUpdate: (oldPod, newPod) => {
        if (isMirrorPod(newPod) || isMirrorPod(oldPod)) {
          if (oldPod.metadata.uid !== newPod.metadata.uid && !isMirrorPod(oldPod)) this.#removed(oldPod);
          const rec = this.#staticRecord(newPod.metadata.namespace, newPod.metadata.name);
          // Our own status writes to the mirror pod need no sync.
          if (oldPod.metadata.uid === newPod.metadata.uid && rec && !relevantChange(oldPod, newPod, this.#status.lastWritten(newPod.metadata.uid ?? ''))) {
            rec.mirror = newPod;
            return;
          }
          this.#mirrorChanged(newPod);
          return;
        }
        if (oldPod.metadata.uid !== newPod.metadata.uid) {
          this.#removed(oldPod);
          this.#upsert(newPod);
          return;
        }
        const rec = this.#records.get(newPod.metadata.uid ?? '');
        const relevant = relevantChange(oldPod, newPod, rec ? this.#status.lastWritten(rec.uid) : undefined);
        this.#upsert(newPod, relevant);
      },
      onDelete: (pod) => (isMirrorPod(pod) ? this.#mirrorChanged(pod) : this.#removed(pod)),
    });
    this.#objects.onChange((kind, obj) => this.#wakeReferencing(kind, obj));
    if (this.#c.localStoragePath !== undefined) {
      const nodeName = this.#c.nodeName;
      const cleaner = new LocalPathCleaner({ client: this.#c.client, informers: this.#informers, clock: this.#c.clock, logger: this.#log, ownsNode: (n) => n === nodeName, storagePath: this.#c.localStoragePath, recorder: this.#recorder });
      void cleaner.run(this.#signal).catch((e: unknown) => this.#log.error({ err: e }, 'local-path cleaner stopped'));
    }
    this.#informers.start(this.#signal);
    this.#objects.start(this.#signal);
    await this.#podInformer.waitForSync(this.#signal);
    // Static pods before the first relist, or their running containers would look orphaned.
    await this.#loadStaticPods();
    this.#scheduleStaticPods();
    // The first relist finds orphans (containers of pods the API no longer has) at once.
    await this.#pleg.relist();
    this.#pleg.start();
  }

  // ---- static pods ----

  async #loadStaticPods(): Promise<void> {
    const dir = this.#c.staticPodDir;
    const found = dir ? await readStaticPods(dir, this.#c.nodeName, this.#c.clock.now(), this.#log) : [];
    const uids = new Set<string>();
    for (const pod of found) {
      const uid = pod.metadata.uid ?? '';
      uids.add(uid);
      if (this.#records.has(uid)) continue;
      this.#log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, uid }, 'static pod found');
      const rec = this.#newRecord(uid, pod, false, 'file');
      const mirror = this.#podInformer.lister.get(pod.metadata.namespace, pod.metadata.name ?? '');
      if (mirror && isMirrorPod(mirror)) rec.mirror = mirror;
      this.#workers.wake(uid);
    }
    for (const rec of this.#records.values()) {
      if (rec.source !== 'file' || uids.has(rec.uid) || rec.removed) continue;
      this.#log.info({ pod: `${rec.pod.metadata.namespace}/${rec.pod.metadata.name}`, uid: rec.uid }, 'static pod manifest gone');
      rec.removed = true;
      this.#workers.wake(rec.uid);
    }
    this.#staticLoaded = true;
    // Mirror pods without a static pod (its manifest went while the kubelet was down).
    for (const pod of this.#podInformer.lister.list()) if (isMirrorPod(pod)) this.#mirrorChanged(pod);
  }

  #scheduleStaticPods(): void {
    if (!this.#c.staticPodDir || this.#signal.aborted) return;
    const cancel = this.#c.clock.setTimer(STATIC_POD_CHECK_MS, () => {
      void this.#loadStaticPods()
        .catch((e: unknown) => this.#log.warn({ err: e }, 'reading static pods failed'))
        .finally(() => this.#scheduleStaticPods());
    });
    this.#cancelStatic = cancel;
  }

  #staticRecord(namespace: string | undefined, name: string | undefined): PodRecord | undefined {
    for (const r of this.#records.values()) if (r.source === 'file' && !r.removed && r.pod.metadata.namespace === namespace && r.pod.metadata.name === name) return r;
    return undefined;
  }

  /** A mirror pod was added, changed or deleted: its static pod re-syncs (recreating it if need be). */
  #mirrorChanged(pod: KubeObject): void {
    const rec = this.#staticRecord(pod.metadata.namespace, pod.metadata.name);
    if (rec) {
      if (rec.mirror?.metadata.uid === pod.metadata.uid) rec.mirror = pod;
      this.#workers.wake(rec.uid);
      return;
    }
    if (!this.#staticLoaded || pod.metadata.deletionTimestamp !== undefined) return;
    // No static pod for it (anymore): upstream deletes orphaned mirror pods.
    const current = this.#podInformer.lister.get(pod.metadata.namespace, pod.metadata.name ?? '');
    if (current?.metadata.uid !== pod.metadata.uid) return;
    this.#log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'deleting an orphaned mirror pod');
    void this.#status.deletePod(pod).catch((e: unknown) => this.#log.warn({ err: e }, 'deleting an orphaned mirror pod failed'));
  }

  /** Makes the API's mirror pod match the static pod (upstream syncPod's mirror pod handling). */
  async #ensureMirror(rec: PodRecord): Promise<void> {
    const { namespace, name } = rec.pod.metadata;
    let current = this.#podInformer.lister.get(namespace, name ?? '');
    if (current && !isMirrorPod(current)) {
      this.#log.warn({ pod: `${namespace}/${name}` }, 'a pod that is not a mirror pod has the static pod\'s name; not creating the mirror pod');
      rec.mirror = undefined;
      return;
    }
    if (current && (current.metadata.annotations?.[CONFIG_MIRROR] !== rec.uid || current.metadata.deletionTimestamp !== undefined)) {
      await this.#status.deletePod(current);
      current = undefined;
      rec.mirror = undefined;
      // Its DELETE event syncs the pod again, and then the mirror pod is created.
      return;
    }
    if (!current) {
      const node = this.#nodeInformer.lister.get(undefined, this.#c.nodeName);
      try {
        current = await this.#c.client.create(resources.pods, namespace, mirrorPodFor(rec.pod, node));
        this.#log.debug({ pod: `${namespace}/${name}` }, 'mirror pod created');
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
        return;
      }
    }
    rec.mirror = current;
  }

  #allocatable(): Allocatable {
    const node = this.#nodeInformer.lister.get(undefined, this.#c.nodeName);
    const alloc = node && isJsonObject(node.status) && isJsonObject(node.status.allocatable) ? (node.status.allocatable as Record<string, string>) : undefined;
    return alloc ?? this.#internals.allocatable ?? hostAllocatable();
  }

  #newRecord(uid: string, pod: KubeObject, orphan: boolean, source: 'api' | 'file' = 'api'): PodRecord {
    let resolveFirstSync = () => {};
    const firstSync = new Promise<void>((r) => (resolveFirstSync = r));
    const rec: PodRecord = { uid, pod, removed: orphan, orphan, source, mirror: undefined, phase: 'syncing', failures: new Map(), startTime: undefined, podIPs: [], evicted: undefined, killGrace: undefined, runtime: emptyRuntimePod(uid), status: undefined, firstSync, resolveFirstSync };
    this.#records.set(uid, rec);
    return rec;
  }

  #upsert(pod: KubeObject, wake = true): void {
    const uid = pod.metadata.uid ?? '';
    if (!uid) return;
    const rec = this.#records.get(uid);
    this.#objects.track(uid, pod);
    if (!rec || rec.orphan) {
      this.#newRecord(uid, pod, false);
      this.#workers.wake(uid);
      return;
    }
    rec.pod = pod;
    const grace = pod.metadata.deletionGracePeriodSeconds;
    if (rec.killGrace !== undefined && grace !== undefined && grace < rec.killGrace) this.#shortenGrace(rec, grace);
    if (wake) this.#workers.wake(uid);
  }

  /**
   * A second deletion with a shorter grace period while the pod is being stopped (upstream's
   * calculateEffectiveGracePeriod only ever shortens it): stop its running containers again with
   * the new, shorter timeout; the runtime kills them when that ends.
   */
  #shortenGrace(rec: PodRecord, grace: number): void {
    rec.killGrace = grace;
    const timeout = Math.max(grace, MINIMUM_GRACE_PERIOD_SECONDS);
    this.#log.info({ pod: `${rec.pod.metadata.namespace}/${rec.pod.metadata.name}`, gracePeriod: timeout }, 'grace period shortened');
    for (const c of rec.runtime.containers) {
      if (c.state !== 'running') continue;
      void this.#c.runtime.stopContainer(c.id, timeout).catch((e: unknown) => this.#log.debug({ err: e, container: c.name }, 'stopping with the shortened grace period failed'));
    }
  }

  #removed(pod: KubeObject): void {
    const rec = this.#records.get(pod.metadata.uid ?? '');
    if (!rec) return;
    rec.pod = pod;
    rec.removed = true;
    this.#workers.wake(rec.uid);
  }

  #wakeReferencing(kind: 'configmaps' | 'secrets', obj: KubeObject): void {
    const name = obj.metadata.name ?? '';
    for (const rec of this.#records.values()) {
      if (rec.orphan || rec.phase === 'terminated' || rec.pod.metadata.namespace !== obj.metadata.namespace) continue;
      const refs = VolumeManager.references(rec.pod);
      if ((kind === 'configmaps' ? refs.configMaps : refs.secrets).has(name)) this.#workers.wake(rec.uid);
    }
  }

  #onRuntimeChange(changed: readonly string[]): void {
    for (const uid of changed) {
      if (this.#records.has(uid)) this.#workers.wake(uid);
      else if (uid && this.#podInformer.hasSynced()) {
        // Containers of a pod the API does not have: stop and remove them.
        this.#newRecord(uid, { apiVersion: 'v1', kind: 'Pod', metadata: { uid }, spec: {} }, true);
        this.#workers.wake(uid);
      }
    }
  }

  #resyncMs(): number {
    return this.#internals.resyncMs ?? 60_000;
  }

  /** One sync of a pod (never concurrent with another of the same pod). */
  async #sync(uid: string): Promise<SyncResult> {
    const rec = this.#records.get(uid);
    if (!rec) return {};
    try {
      return await this.#syncRecord(rec);
    } finally {
      rec.resolveFirstSync();
    }
  }

  async #syncRecord(rec: PodRecord): Promise<SyncResult> {
    const { clock } = this.#c;
    let rp = await this.#reader.pod(rec.uid);
    rec.runtime = rp;
    if (rec.orphan) {
      await this.#removeFromRuntime(rec, rp);
      return {};
    }
    if (rec.source === 'file' && !rec.removed) await this.#ensureMirror(rec);
    const pod = rec.pod;
    const apiPhase = strAt(statusOf(this.#statusBase(rec)), 'phase');
    const terminalInApi = apiPhase === 'Succeeded' || apiPhase === 'Failed';
    const deadlineIn = this.#activeDeadlineIn(rec);
    if (deadlineIn !== undefined && deadlineIn <= 0 && !rec.evicted && rec.phase === 'syncing' && !terminalInApi) {
      rec.evicted = { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
      this.#recorder.event(podRef(pod), 'Normal', rec.evicted.reason, rec.evicted.message);
    }
    if (rec.phase === 'syncing' && !rec.removed && pod.metadata.deletionTimestamp === undefined && !terminalInApi && !rec.evicted) {
      const outcome = await this.#syncer.syncPod(pod, rp, this.#signal);
      for (const [name, f] of outcome.failures) {
        if (f) rec.failures.set(name, f);
        else rec.failures.delete(name);
      }
      rp = await this.#reader.pod(rec.uid);
      rec.runtime = rp;
      const status = this.#generate(rec, rp, false);
      const phase = strAt(status, 'phase');
      if (phase !== 'Succeeded' && phase !== 'Failed') {
        rec.status = status;
        await this.#writeStatus(rec, status);
        this.#prober.addPod(pod);
        this.#prober.triggerReadiness(rec.uid, status);
        await this.#collectGarbage(rp);
        if (outcome.podError) return { requeueAfterMs: this.#internals.errorBackoffMs ?? 10_000 };
        const now = clock.now();
        const until = outcome.requeueAt !== undefined ? Math.max(MIN_SYNC_GAP_MS, outcome.requeueAt - now) : Infinity;
        const deadline = this.#activeDeadlineIn(rec) ?? Infinity;
        return { requeueAfterMs: Math.max(MIN_SYNC_GAP_MS, Math.min(until, deadline, this.#resyncMs())) };
      }
      // Run to completion: the pod is terminated like a deleted one, but stays in the API.
      rec.phase = 'terminating';
    }
    return this.#terminate(rec, rp);
  }

  /** ms until the pod's activeDeadlineSeconds (counted from its start time) runs out, if it has one. */
  #activeDeadlineIn(rec: PodRecord): number | undefined {
    const seconds = podSpec(rec.pod).activeDeadlineSeconds;
    if (typeof seconds !== 'number') return undefined;
    const start = Date.parse(rec.startTime ?? strAt(statusOf(this.#statusBase(rec)), 'startTime'));
    if (!Number.isFinite(start)) return undefined;
    return start + seconds * 1000 - this.#c.clock.now();
  }

  /** upstream SyncTerminatingPod + SyncTerminatedPod. */
  async #terminate(rec: PodRecord, rp: RuntimePod): Promise<SyncResult> {
    const pod = rec.pod;
    if (rec.phase === 'syncing') rec.phase = 'terminating';
    this.#prober.removePod(rec.uid);
    const grace = pod.metadata.deletionGracePeriodSeconds;
    rec.killGrace = grace ?? podGracePeriod(pod);
    await this.#syncer.killPod(pod, rp, grace);
    rec.killGrace = undefined;
    rp = await this.#reader.pod(rec.uid);
    rec.runtime = rp;
    if (rec.removed) {
      await this.#removeFromRuntime(rec, rp);
      return {};
    }
    const status = this.#generate(rec, rp, true);
    rec.status = status;
    await this.#writeStatus(rec, status);
    await this.#volumes.tearDown(rec.uid);
    rec.phase = 'terminated';
    if (pod.metadata.deletionTimestamp !== undefined) {
      this.#log.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'pod terminated; deleting it');
      await this.#status.deletePod(rec.pod);
    }
    return {};
  }

  /** Removes a pod's containers, sandboxes and files, and forgets it. */
  async #removeFromRuntime(rec: PodRecord, rp: RuntimePod): Promise<void> {
    const running = rp.containers.some((c) => c.state === 'running') || rp.sandboxes.some((s) => s.ready);
    if (running) await this.#syncer.killPod(rec.orphan ? undefined : rec.pod, rp, rec.orphan ? undefined : rec.pod.metadata.deletionGracePeriodSeconds);
    for (const c of rp.containers) await this.#syncer.removeContainer(c.id);
    for (const s of rp.sandboxes) await this.#syncer.removeSandbox(s.id);
    this.#reader.forget(rp.containers.map((c) => c.id));
    if (rec.source === 'file') {
      const mirror = this.#podInformer.lister.get(rec.pod.metadata.namespace, rec.pod.metadata.name ?? '');
      if (mirror && mirror.metadata.annotations?.[CONFIG_MIRROR] === rec.uid) await this.#status.deletePod(mirror);
    }
    await this.#volumes.removePodDir(rec.uid);
    this.#prober.removePod(rec.uid);
    this.#status.forget(rec.uid);
    this.#records.delete(rec.uid);
    this.#objects.release(rec.uid);
    this.#workers.forget(rec.uid);
    if (rec.orphan && (rp.containers.length || rp.sandboxes.length)) this.#log.info({ pod: `${rp.namespace}/${rp.name}`, uid: rec.uid }, 'removed the containers of a pod no longer bound to this node');
  }

  /**
   * Container GC (upstream containerGC with MaxPerPodContainer 1): of each container name keep
   * the newest dead instance (lastState, `logs --previous`); remove dead sandboxes other than the
   * newest once no container uses them.
   */
  async #collectGarbage(rp: RuntimePod): Promise<void> {
    const seen = new Set<string>();
    const removed = new Set<string>();
    for (const c of rp.containers) {
      if (c.state !== 'exited') continue;
      if (!seen.has(c.name)) {
        seen.add(c.name);
        continue;
      }
      await this.#syncer.removeContainer(c.id);
      removed.add(c.id);
    }
    if (removed.size) this.#reader.forget(removed);
    for (const s of rp.sandboxes.slice(1)) {
      if (s.ready) continue;
      if (rp.containers.some((c) => c.sandboxId === s.id && !removed.has(c.id))) continue;
      await this.#syncer.removeSandbox(s.id);
    }
  }

  /** The pod as status generation sees it: a static pod with its mirror pod's status. */
  #statusBase(rec: PodRecord): KubeObject {
    if (rec.source !== 'file') return rec.pod;
    return rec.mirror ? { ...rec.pod, status: rec.mirror.status } : rec.pod;
  }

  #generate(rec: PodRecord, rp: RuntimePod, terminal: boolean): JsonObject {
    const { clock } = this.#c;
    const pod = this.#statusBase(rec);
    rec.startTime ??= strAt(statusOf(pod), 'startTime') || rfc3339(clock.now());
    const sandboxReady = rp.sandboxes[0]?.ready === true && !podSandboxChanged(podSpec(pod), rp, this.#c.podNetwork?.cidr)[0];
    const ip = rp.sandboxes[0]?.ready ? rp.sandboxes[0].ip : undefined;
    if (ip) rec.podIPs = [ip];
    return generatePodStatus({
      pod,
      runtimePod: rp,
      runtimeName: this.#runtimeName,
      failures: rec.failures,
      probes: this.#prober.results,
      hostIPs: [this.#c.nodeIp],
      podIsTerminal: terminal,
      sandboxReady,
      startTime: rec.startTime,
      now: clock.now(),
      knownPodIPs: rec.podIPs,
      ...(rec.evicted ? { evicted: rec.evicted } : {}),
    });
  }

  async #writeStatus(rec: PodRecord, status: JsonObject): Promise<void> {
    if (rec.source === 'file') {
      // A static pod's status lives on its mirror pod.
      const mirror = rec.mirror;
      if (!mirror) return;
      const written = await this.#status.setStatus(mirror, status);
      if (written && this.#records.get(rec.uid) === rec) rec.mirror = written;
      return;
    }
    const written = await this.#status.setStatus(rec.pod, status);
    // Keep the newer resourceVersion: the next write must not conflict with our own.
    if (written && written.metadata.uid === rec.uid && this.#records.get(rec.uid) === rec) rec.pod = written;
  }

  // ---- RunningKubelet ----

  async whenSynced(): Promise<void> {
    await this.#podInformer.waitForSync(this.#signal);
    await Promise.all([...this.#records.values()].map((r) => r.firstSync));
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#abort.abort(new Error('kubelet stopped'));
      this.#cancelStatic?.();
      await this.#pleg.stop();
      await this.#workers.stop();
      this.#prober.stop();
      await this.#recorder.flush();
      await this.#informers.stopped();
      this.#release();
    })();
    return this.#stopped;
  }

  statusWrites = (): number => this.#status.writes;
  flushEvents = (): Promise<void> => this.#recorder.flush();
  relist = (): Promise<void> => this.#pleg.relist();
  relisted = (): Promise<void> => this.#pleg.idle();
  /** Resolves when no relist and no pod sync is running (a sync may wait for the clock: bound the wait). */
  idle = async (): Promise<void> => {
    await this.#pleg.idle();
    for (let i = 0; i < 100; i++) {
      const busy = [...this.#records.keys()].filter((uid) => this.#workers.isRunning(uid));
      if (busy.length === 0) return;
      await Promise.all(busy.map((uid) => this.#workers.idle(uid)));
    }
  };

  // ---- StreamingPodLookup ----

  #current(namespace: string, name: string): PodRecord | undefined {
    let best: PodRecord | undefined;
    for (const r of this.#records.values()) {
      if (r.orphan || r.pod.metadata.namespace !== namespace || r.pod.metadata.name !== name) continue;
      if (!best || (best.removed && !r.removed)) best = r;
    }
    return best;
  }

  async getPod(namespace: string, name: string): Promise<StreamingPod | undefined> {
    const r = this.#current(namespace, name);
    return r ? streamingPod(r.pod, r.status, r.runtime) : undefined;
  }

  async listPods(): Promise<StreamingPod[]> {
    return [...this.#records.values()].filter((r) => !r.orphan).map((r) => streamingPod(r.pod, r.status, r.runtime));
  }

  async listPodObjects(): Promise<KubeObject[]> {
    return [...this.#records.values()].filter((r) => !r.orphan && !r.removed).map((r) => ({ ...r.pod, ...(r.status ? { status: r.status } : {}) }));
  }
}

async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** startKubelet with the knobs tests need (probe network, timings, host files). */
export async function startKubeletWith(config: KubeletConfig, signal: AbortSignal, internals: KubeletInternals = {}): Promise<Kubelet> {
  if (!config.nodeName) throw new Error('startKubelet: nodeName is required');
  if (!config.nodeIp) throw new Error('startKubelet: nodeIp is required');
  const version = await config.runtime.version();
  const kubelet = new KubeletImpl(config, signal, internals, {
    runtimeName: version.runtimeName,
    nodeHostsFile: internals.nodeHostsFile ?? (await readOr('/etc/hosts', '127.0.0.1\tlocalhost\n')),
    nodeResolvConf: internals.nodeResolvConf ?? (await readOr('/etc/resolv.conf', '')),
  });
  try {
    await kubelet.start();
  } catch (e) {
    await kubelet.stop();
    throw e;
  }
  return kubelet;
}

export const startKubelet: StartKubelet = (config, signal) => startKubeletWith(config, signal);
