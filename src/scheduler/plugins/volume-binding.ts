/**
 * VolumeBinding (kube-scheduler pkg/scheduler/framework/plugins/volumebinding), for pods with
 * PersistentVolumeClaims (persistentVolumeClaim and generic ephemeral volumes):
 *  - PreFilter: Skip for pods without claims (no Filter, Reserve or PreBind work for them); a
 *    missing claim, or one being deleted, rejects the pod; so does an unbound claim of a class
 *    with Immediate binding ("pod has unbound immediate PersistentVolumeClaims": the PV
 *    controller binds those, the pod waits).
 *  - Filter: the volumes of bound claims must allow the node (node affinity); each
 *    WaitForFirstConsumer claim needs a matching Available volume that fits the node (the
 *    smallest, not assumed for another claim) or a class that can provision there (a provisioner
 *    other than kubernetes.io/no-provisioner and allowedTopologies matching the node).
 *  - PreBind (which also does Reserve's job: no Reserve hook, so pods without claims cost
 *    nothing after PreFilter): the chosen static volumes are assumed (other pods' Filter skips
 *    them) until PreBind finishes; static volumes get their claimRef (the PV controller completes the binding);
 *    claims to provision get `volume.kubernetes.io/selected-node`; then the pod's claims must all
 *    become bound (bind-completed) before the pod is bound — within the bind timeout (600 s), and
 *    failing early if a claim loses its selected node (provisioning gave up) or goes away.
 * The reasons are upstream's, so FailedScheduling reads as kube-scheduler's.
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  NO_PROVISIONER,
  claimClass,
  deleting,
  findBestMatchForClaim,
  isVolumeBoundToClaim,
  isWaitForFirstConsumer,
  provisionerOf,
  pvcsResource,
  pvsResource,
  spec,
  volumeFitsNode,
  volumeName,
} from '../../controllers/persistentvolume/volume-util.js';
import { ActionType, noVolumes, type CycleState, type FrameworkHandle, type SchedulerPlugin, type VolumeListers } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status } from '../framework/status.js';
import { PluginName } from './names.js';

export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

const STATE_KEY = PluginName.VolumeBinding;
/** Shared, so PreFilter allocates nothing for pods without claims. */
const SKIP_RESULT = { status: Status.skip() } as const;

export interface VolumeBindingOptions {
  /** How long PreBind waits for the claims to be bound (kube-scheduler bindTimeoutSeconds: 600). */
  readonly bindTimeoutMs?: number;
}

interface DelayedClaim {
  readonly pvc: KubeObject;
  readonly sc: KubeObject | undefined;
}

/** What the pod needs on one node. */
interface PodVolumes {
  /** Static volumes to bind (claim → volume). */
  readonly bindings: { readonly pvc: KubeObject; readonly pv: KubeObject }[];
  /** Claims to provision on the node. */
  readonly provisions: KubeObject[];
}

interface State {
  readonly bound: { readonly pvc: KubeObject; readonly pv: KubeObject }[];
  readonly delayed: readonly DelayedClaim[];
  readonly claimNames: readonly string[];
  /** Filled by Filter, per node. */
  readonly byNode: Map<string, PodVolumes>;
}

function hasClaimVolumes(pod: KubeObject): boolean {
  const vols = isJsonObject(pod.spec) ? pod.spec.volumes : undefined;
  if (!Array.isArray(vols)) return false;
  for (let i = 0; i < vols.length; i++) {
    const v = vols[i];
    if (isJsonObject(v) && (isJsonObject(v.persistentVolumeClaim) || isJsonObject(v.ephemeral))) return true;
  }
  return false;
}

function claimNames(pod: KubeObject): string[] {
  const out: string[] = [];
  const vols = isJsonObject(pod.spec) && Array.isArray(pod.spec.volumes) ? pod.spec.volumes : [];
  for (const v of vols) {
    if (!isJsonObject(v)) continue;
    if (isJsonObject(v.persistentVolumeClaim) && typeof v.persistentVolumeClaim.claimName === 'string') out.push(v.persistentVolumeClaim.claimName);
    else if (isJsonObject(v.ephemeral) && typeof v.name === 'string') out.push(`${pod.metadata.name ?? ''}-${v.name}`);
  }
  return out;
}

function fullyBound(pvc: KubeObject): boolean {
  return volumeName(pvc) !== '' && pvc.metadata.annotations?.[ANN_BIND_COMPLETED] !== undefined;
}

/** MatchTopologySelectorTerms: no terms match every node. */
function allowedOnNode(sc: KubeObject | undefined, labels: Readonly<Record<string, string>>): boolean {
  const terms = sc && Array.isArray(sc.allowedTopologies) ? sc.allowedTopologies : [];
  if (terms.length === 0) return true;
  return terms.some((t) => {
    const exprs = isJsonObject(t) && Array.isArray(t.matchLabelExpressions) ? t.matchLabelExpressions : [];
    return exprs.every((e) => isJsonObject(e) && typeof e.key === 'string' && Array.isArray(e.values) && e.values.includes(labels[e.key]));
  });
}

export function volumeBindingPlugin(handle: FrameworkHandle, options: VolumeBindingOptions = {}): SchedulerPlugin {
  const listers: VolumeListers = handle.volumes ?? noVolumes;
  const bindTimeoutMs = options.bindTimeoutMs ?? 600_000;
  /** Static volumes assumed for claims being bound: volume name → claim key. */
  const assumed = new Map<string, string>();

  const state = (cs: CycleState) => cs.read<State>(STATE_KEY);

  /** Resolves once every claim of the pod is bound; rejects with the reason it never will be. */
  const waitForBound = async (pod: PodInfo, names: readonly string[], provisioned: ReadonlyMap<string, number>, signal: AbortSignal): Promise<void> => {
    const check = (): 'done' | 'wait' | string => {
      for (const n of names) {
        const pvc = listers.claim(pod.namespace, n);
        if (!pvc) return `persistentvolumeclaim "${n}" not found`;
        if (fullyBound(pvc)) continue;
        // Lost only once the cache is at least as new as our annotation write.
        const written = provisioned.get(n);
        if (written !== undefined && Number(pvc.metadata.resourceVersion) >= written && pvc.metadata.annotations?.[ANN_SELECTED_NODE] === undefined) return `persistentvolumeclaim "${n}" has lost its selected node: provisioning failed and it is to be rescheduled`;
        return 'wait';
      }
      return 'done';
    };
    const first = check();
    if (first === 'done') return;
    if (first !== 'wait') throw new Error(first);
    await new Promise<void>((resolve, reject) => {
      const timeout = new AbortController();
      let off = () => {};
      const finish = (err?: Error) => {
        off();
        timeout.abort();
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish(new Error('scheduler stopped'));
      signal.addEventListener('abort', onAbort, { once: true });
      off = listers.onChange(() => {
        const r = check();
        if (r === 'done') finish();
        else if (r !== 'wait') finish(new Error(r));
      });
      handle.clock.sleep(bindTimeoutMs, timeout.signal).then(
        () => finish(new Error('binding volumes: context deadline exceeded')),
        () => undefined,
      );
    });
  };

  return {
    name: PluginName.VolumeBinding,
    events: [
      { resource: 'PersistentVolumeClaim', actions: ActionType.All },
      { resource: 'PersistentVolume', actions: ActionType.All },
      { resource: 'StorageClass', actions: ActionType.All },
      { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
    ],

    preFilter(cs, pod) {
      if (!hasClaimVolumes(pod.pod)) return SKIP_RESULT;
      const names = claimNames(pod.pod);
      const bound: State['bound'] = [];
      const delayed: DelayedClaim[] = [];
      let immediate = false;
      for (const n of names) {
        const pvc = listers.claim(pod.namespace, n);
        if (!pvc) return { status: Status.unresolvable(`persistentvolumeclaim "${n}" not found`) };
        if (deleting(pvc)) return { status: Status.unresolvable(`persistentvolumeclaim "${n}" is being deleted`) };
        if (fullyBound(pvc)) {
          const pv = listers.volume(volumeName(pvc));
          if (!pv) return { status: Status.unresolvable(ERR_REASON_PV_NOT_EXIST) };
          bound.push({ pvc, pv });
          continue;
        }
        const sc = listers.storageClass(claimClass(pvc));
        if (isWaitForFirstConsumer(sc)) delayed.push({ pvc, sc });
        else immediate = true;
      }
      if (immediate) return { status: Status.unresolvable(ERR_UNBOUND_IMMEDIATE) };
      cs.write(STATE_KEY, { bound, delayed, claimNames: names, byNode: new Map() } satisfies State);
      return { status: null };
    },

    filter(cs, _pod, node: NodeInfo) {
      const st = state(cs);
      if (!st) return null;
      const labels = (node.labels ?? {}) as Readonly<Record<string, string>>;
      for (const b of st.bound) if (!volumeFitsNode(b.pv, labels, node.name)) return Status.unresolvable(ERR_REASON_NODE_CONFLICT);
      if (st.delayed.length === 0) return null;
      const chosen = new Set(assumed.keys());
      const volumes: PodVolumes = { bindings: [], provisions: [] };
      let all: readonly KubeObject[] | undefined;
      for (const d of st.delayed) {
        all ??= listers.volumes();
        const pv = findBestMatchForClaim(d.pvc, all, { node: { name: node.name, labels }, excluded: chosen });
        if (pv) {
          chosen.add(pv.metadata.name ?? '');
          volumes.bindings.push({ pvc: d.pvc, pv });
          continue;
        }
        const prov = provisionerOf(d.sc);
        if (prov === '' || prov === NO_PROVISIONER || !allowedOnNode(d.sc, labels)) return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
        const selected = d.pvc.metadata.annotations?.[ANN_SELECTED_NODE];
        if (selected !== undefined && selected !== node.name) return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
        volumes.provisions.push(d.pvc);
      }
      st.byNode.set(node.name, volumes);
      return null;
    },

    async preBind(cs, pod, nodeName, signal) {
      const st = state(cs);
      const v = st?.byNode.get(nodeName);
      if (!st || !v) return null;
      // Reserve's work, done here so pods without claims never reach this plugin after PreFilter:
      // the scheduler starts PreBind synchronously right after Reserve, before the next cycle's
      // Filter, so the assumption is in place in time.
      const mine: string[] = [];
      for (const b of v.bindings) {
        const name = b.pv.metadata.name ?? '';
        const owner = assumed.get(name);
        const key = `${pod.namespace}/${b.pvc.metadata.name ?? ''}`;
        if (owner !== undefined && owner !== key) {
          for (const m of mine) assumed.delete(m);
          return Status.error(`binding volumes: persistentvolume "${name}" is assumed for claim ${owner}`);
        }
        assumed.set(name, key);
        mine.push(name);
      }
      try {
        for (const b of v.bindings) {
          const pv = listers.volume(b.pv.metadata.name ?? '') ?? b.pv;
          if (isVolumeBoundToClaim(pv, b.pvc) && isJsonObject(spec(pv).claimRef)) continue;
          await handle.client.update(pvsResource, undefined, {
            ...pv,
            metadata: { ...pv.metadata, annotations: { ...pv.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
            spec: {
              ...spec(pv),
              claimRef: { kind: 'PersistentVolumeClaim', namespace: b.pvc.metadata.namespace ?? '', name: b.pvc.metadata.name ?? '', uid: b.pvc.metadata.uid ?? '', apiVersion: 'v1', resourceVersion: b.pvc.metadata.resourceVersion ?? '' },
            },
          });
        }
        const provisioned = new Map<string, number>();
        for (const c of v.provisions) {
          const name = c.metadata.name ?? '';
          const pvc = listers.claim(pod.namespace, name) ?? c;
          if (pvc.metadata.annotations?.[ANN_SELECTED_NODE] === nodeName) {
            provisioned.set(name, Number(pvc.metadata.resourceVersion));
            continue;
          }
          const written = await handle.client.update(pvcsResource, pod.namespace, { ...pvc, metadata: { ...pvc.metadata, annotations: { ...pvc.metadata.annotations, [ANN_SELECTED_NODE]: nodeName } } });
          provisioned.set(name, Number(written.metadata.resourceVersion));
        }
        await waitForBound(pod, st.claimNames, provisioned, signal);
        return null;
      } catch (e) {
        const message = e instanceof ApiError ? `binding volumes: ${e.message}` : e instanceof Error ? e.message : String(e);
        return Status.error(message);
      } finally {
        for (const m of mine) assumed.delete(m);
      }
    },
  };
}
