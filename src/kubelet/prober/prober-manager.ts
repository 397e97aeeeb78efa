/**
 * Liveness, readiness and startup probing, as upstream's prober manager and workers
 * (pkg/kubelet/prober/{prober_manager,worker,prober}.go):
 *
 *  - one worker per (pod, container, probe kind), probing every periodSeconds on the injected
 *    clock, not before initialDelaySeconds after the container started, each probe bounded by
 *    timeoutSeconds; readiness and liveness wait until the container has started (startup probe);
 *  - a result changes only after failureThreshold failures / successThreshold successes in a row;
 *    a new container instance starts from the kind's initial value (readiness: failure,
 *    liveness: success, startup: unknown);
 *  - a liveness or startup failure puts the worker on hold until the container is replaced
 *    (the pod worker kills and restarts it);
 *  - probes that fail record `Unhealthy` events (`Readiness probe failed: …`), redirects to
 *    another host `ProbeWarning`; a probe that could not run changes nothing;
 *  - a pod being deleted stops its liveness and startup probing (readiness goes on);
 *  - when a running container is not ready yet, a status update triggers its readiness probe at
 *    once (upstream's manual trigger), so pods become Ready without waiting a whole period.
 *
 * Every change of a result is reported to `onChange` (the kubelet re-syncs the pod).
 */
import type { Logger } from 'pino';
import { objsAt, optNumAt, strAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { Clock } from '../../util/clock.js';
import type { EventType } from '../../events/event-recorder.js';
import { containerFieldPath } from '../container/field-path.js';
import type { ProbeKind, ProbeResults } from '../status/generate-pod-status.js';
import type { ProbeNetwork } from './probe-network.js';
import { runHandler, type ProbeOutcome } from './probe.js';

export type ProbeResult = 'success' | 'failure';

/** Probe results by container id (upstream results.Manager, one per kind). */
export class ProbeResultsStore implements ProbeResults {
  readonly #results = new Map<string, Map<ProbeKind, ProbeResult>>();

  result(containerId: string, kind: ProbeKind): ProbeResult | undefined {
    return this.#results.get(containerId)?.get(kind);
  }

  /** Sets a result; true when it changed. */
  set(containerId: string, kind: ProbeKind, result: ProbeResult | undefined): boolean {
    let m = this.#results.get(containerId);
    const before = m?.get(kind);
    if (before === result) return false;
    if (result === undefined) m?.delete(kind);
    else {
      if (!m) this.#results.set(containerId, (m = new Map()));
      m.set(kind, result);
    }
    if (m && m.size === 0) this.#results.delete(containerId);
    return true;
  }
}

export interface PodProbeView {
  readonly pod: KubeObject;
  /** The status the kubelet generated last (containerStatuses with containerID, state, started). */
  readonly status: JsonObject | undefined;
}

export interface ProberManagerConfig {
  readonly runtime: ContainerRuntime;
  readonly network: ProbeNetwork;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The node's IP, probed for host-network pods. */
  readonly nodeIp: string;
  readonly view: (uid: string) => PodProbeView | undefined;
  readonly event: (pod: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string) => void;
  readonly onChange: (uid: string, kind: ProbeKind, result: ProbeResult | undefined) => void;
}

const INITIAL: Readonly<Record<ProbeKind, ProbeResult | undefined>> = { readiness: 'failure', liveness: 'success', startup: undefined };
const TITLE: Readonly<Record<ProbeKind, string>> = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' };
/** upstream maxProbeRetries: a probe that errors is retried this often before giving up this round. */
const MAX_PROBE_RETRIES = 3;

function findStatus(status: JsonObject | undefined, name: string): JsonObject | undefined {
  if (!status) return undefined;
  for (const key of ['containerStatuses', 'initContainerStatuses']) {
    const s = objsAt(status, key).find((c) => strAt(c, 'name') === name && strAt(c, 'containerID') !== '');
    if (s) return s;
  }
  return undefined;
}

class ProbeWorker {
  readonly key: string;
  #containerId = '';
  #lastResult: ProbeResult | undefined;
  #resultRun = 0;
  #onHold = false;
  #cancel: (() => void) | undefined;
  #running = false;
  #pending = false;
  #stopped = false;

  constructor(
    readonly manager: ProberManager,
    readonly uid: string,
    readonly container: JsonObject,
    readonly kind: ProbeKind,
    readonly spec: JsonObject,
  ) {
    this.key = `${uid}/${strAt(container, 'name')}/${kind}`;
  }

  get periodMs(): number {
    return (optNumAt(this.spec, 'periodSeconds') ?? 10) * 1000;
  }

  start(): void {
    this.trigger();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
    if (this.#containerId) this.manager.setResult(this.uid, this.#containerId, this.kind, undefined);
  }

  /** Probes now (and then every period). */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#pending = true;
      return;
    }
    this.#cancel?.();
    this.#cancel = undefined;
    this.#running = true;
    void this.#run();
  }

  async #run(): Promise<void> {
    let keepGoing = true;
    let nextInMs = this.periodMs;
    try {
      const r = await this.#doProbe();
      keepGoing = r.keepGoing;
      if (r.nextInMs !== undefined) nextInMs = Math.min(nextInMs, r.nextInMs);
    } catch (e) {
      this.manager.log.error({ err: e, probe: this.key }, 'probe worker failed');
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    if (!keepGoing) {
      this.manager.removeWorker(this);
      return;
    }
    if (this.#pending) {
      this.#pending = false;
      this.trigger();
      return;
    }
    this.#cancel = this.manager.clock.setTimer(nextInMs, () => this.trigger());
  }

  /** upstream worker.doProbe. */
  async #doProbe(): Promise<{ keepGoing: boolean; nextInMs?: number }> {
    const m = this.manager;
    const view = m.config.view(this.uid);
    if (!view?.status) return { keepGoing: true };
    const phase = strAt(view.status, 'phase');
    if (phase === 'Failed' || phase === 'Succeeded') return { keepGoing: false };
    const name = strAt(this.container, 'name');
    const c = findStatus(view.status, name);
    if (!c) return { keepGoing: true };
    const id = strAt(c, 'containerID').replace(/^[a-z-]+:\/\//, '');
    if (id !== this.#containerId) {
      if (this.#containerId) m.setResult(this.uid, this.#containerId, this.kind, undefined);
      this.#containerId = id;
      m.setResult(this.uid, id, this.kind, INITIAL[this.kind]);
      this.#onHold = false;
      this.#lastResult = undefined;
      this.#resultRun = 0;
    }
    if (this.#onHold) return { keepGoing: true };
    const state = isJsonObject(c.state) ? c.state : {};
    if (!isJsonObject(state.running)) {
      m.setResult(this.uid, id, this.kind, 'failure');
      const spec = isJsonObject(view.pod.spec) ? view.pod.spec : {};
      return { keepGoing: !isJsonObject(state.terminated) || strAt(spec, 'restartPolicy') !== 'Never' };
    }
    if (view.pod.metadata.deletionTimestamp !== undefined && (this.kind === 'liveness' || this.kind === 'startup')) {
      m.setResult(this.uid, id, this.kind, 'success');
      return { keepGoing: false };
    }
    const startedAt = Date.parse(strAt(state.running, 'startedAt'));
    const initialDelayMs = (optNumAt(this.spec, 'initialDelaySeconds') ?? 0) * 1000;
    if (Number.isFinite(startedAt) && m.clock.now() - startedAt < initialDelayMs) {
      // Look again right when the delay ends rather than a whole period later.
      return { keepGoing: true, nextInMs: startedAt + initialDelayMs - m.clock.now() };
    }
    if (c.started === true) {
      if (this.kind === 'startup') return { keepGoing: true };
    } else if (this.kind !== 'startup') return { keepGoing: true };

    const outcome = await this.#probe(view, id);
    if (outcome === undefined) return { keepGoing: true };
    if (this.#lastResult === outcome) this.#resultRun++;
    else {
      this.#lastResult = outcome;
      this.#resultRun = 1;
    }
    const failureThreshold = optNumAt(this.spec, 'failureThreshold') ?? 3;
    const successThreshold = optNumAt(this.spec, 'successThreshold') ?? 1;
    if ((outcome === 'failure' && this.#resultRun < failureThreshold) || (outcome === 'success' && this.#resultRun < successThreshold)) return { keepGoing: true };
    m.setResult(this.uid, id, this.kind, outcome);
    if ((this.kind === 'liveness' || this.kind === 'startup') && outcome === 'failure') {
      // The container will be restarted; probing it meanwhile only races its stop.
      this.#onHold = true;
      this.#resultRun = 0;
    }
    return { keepGoing: true };
  }

  /** upstream prober.probe: the result, with events; undefined when the probe could not run. */
  async #probe(view: PodProbeView, containerId: string): Promise<ProbeResult | undefined> {
    const m = this.manager;
    const spec = isJsonObject(view.pod.spec) ? view.pod.spec : {};
    const podIP = spec.hostNetwork === true ? m.config.nodeIp : strAt(view.status ?? {}, 'podIP') || m.config.nodeIp;
    const timeoutMs = (optNumAt(this.spec, 'timeoutSeconds') ?? 1) * 1000;
    let outcome: ProbeOutcome = { result: 'error', error: 'not run' };
    for (let i = 0; i < MAX_PROBE_RETRIES; i++) {
      outcome = await runHandler(this.spec, { containerId, container: this.container, podIP, runtime: m.config.runtime, network: m.config.network }, timeoutMs);
      if (outcome.result !== 'error') break;
    }
    const title = TITLE[this.kind];
    switch (outcome.result) {
      case 'success':
        return 'success';
      case 'warning':
        m.config.event(view.pod, 'Warning', 'ProbeWarning', `${title} probe warning: ${outcome.output}`, containerFieldPath(view.pod, strAt(this.container, 'name')));
        return 'success';
      case 'failure':
        m.config.event(view.pod, 'Warning', 'Unhealthy', `${title} probe failed: ${outcome.output}`, containerFieldPath(view.pod, strAt(this.container, 'name')));
        return 'failure';
      default:
        m.config.event(view.pod, 'Warning', 'Unhealthy', `${title} probe errored and resulted in unknown state: ${outcome.error}`, containerFieldPath(view.pod, strAt(this.container, 'name')));
        return undefined;
    }
  }
}

export class ProberManager {
  readonly results = new ProbeResultsStore();
  readonly config: ProberManagerConfig;
  readonly log: Logger;
  readonly clock: Clock;
  readonly #workers = new Map<string, ProbeWorker>();
  /** Worker keys by pod uid. */
  readonly #byPod = new Map<string, Set<string>>();
  #stopped = false;

  constructor(config: ProberManagerConfig) {
    this.config = config;
    this.log = config.logger;
    this.clock = config.clock;
  }

  /** Starts workers for the probes of a pod's sidecars and app containers (idempotent). */
  addPod(pod: KubeObject): void {
    if (this.#stopped) return;
    const uid = pod.metadata.uid ?? '';
    const spec = isJsonObject(pod.spec) ? pod.spec : {};
    const containers = [...objsAt(spec, 'initContainers').filter((c) => strAt(c, 'restartPolicy') === 'Always'), ...objsAt(spec, 'containers')];
    for (const c of containers) {
      for (const kind of ['startup', 'liveness', 'readiness'] as const) {
        const probe = c[`${kind}Probe`];
        if (!isJsonObject(probe)) continue;
        const key = `${uid}/${strAt(c, 'name')}/${kind}`;
        if (this.#workers.has(key)) continue;
        const w = new ProbeWorker(this, uid, c, kind, probe);
        this.#workers.set(key, w);
        let set = this.#byPod.get(uid);
        if (!set) this.#byPod.set(uid, (set = new Set()));
        set.add(key);
        w.start();
      }
    }
  }

  /** Stops a pod's workers and drops their results. */
  removePod(uid: string): void {
    for (const key of this.#byPod.get(uid) ?? []) {
      this.#workers.get(key)?.stop();
      this.#workers.delete(key);
    }
    this.#byPod.delete(uid);
  }

  /** After a status update: probe the readiness of running, unready containers now. */
  triggerReadiness(uid: string, status: JsonObject): void {
    for (const key of this.#byPod.get(uid) ?? []) {
      const w = this.#workers.get(key);
      if (!w || w.kind !== 'readiness') continue;
      const s = findStatus(status, strAt(w.container, 'name'));
      if (s && isJsonObject(s.state) && isJsonObject(s.state.running) && s.started === true && s.ready !== true) w.trigger();
    }
  }

  removeWorker(w: ProbeWorker): void {
    if (this.#workers.get(w.key) !== w) return;
    this.#workers.delete(w.key);
    this.#byPod.get(w.uid)?.delete(w.key);
  }

  setResult(uid: string, containerId: string, kind: ProbeKind, result: ProbeResult | undefined): void {
    if (this.results.set(containerId, kind, result) && !this.#stopped) this.config.onChange(uid, kind, result);
  }

  stop(): void {
    this.#stopped = true;
    for (const w of this.#workers.values()) w.stop();
    this.#workers.clear();
    this.#byPod.clear();
  }

  get workerCount(): number {
    return this.#workers.size;
  }
}
