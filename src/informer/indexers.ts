/** Common informer indexes, named as the listers that use them. */
import { isJsonObject, type KubeObject } from '../api/object.js';
import type { IndexFunc } from './shared-informer.js';

/** Pods by `spec.nodeName` (unscheduled pods under ''). */
export const byNodeName: IndexFunc = (o) => [isJsonObject(o.spec) && typeof o.spec.nodeName === 'string' ? o.spec.nodeName : ''];

/** Objects by the uid of their controlling owner. */
export const byControllerUid: IndexFunc = (o) => {
  const owner = o.metadata.ownerReferences?.find((r) => r.controller === true);
  return owner ? [owner.uid] : [];
};

/** Objects by the uid of every owner (controller or not), for the garbage collector. */
export const byOwnerUid: IndexFunc = (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid);

/** Objects by each `key=value` label pair. */
export const byLabel: IndexFunc = (o) => Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`);

export const INDEX = { nodeName: 'nodeName', controllerUid: 'controllerUid', ownerUid: 'ownerUid', label: 'label' } as const;

export const standardIndexers: Readonly<Record<string, IndexFunc>> = {
  [INDEX.controllerUid]: byControllerUid,
  [INDEX.ownerUid]: byOwnerUid,
  [INDEX.label]: byLabel,
};

export function controllerOf(o: KubeObject): { kind: string; name: string; uid: string } | undefined {
  const r = o.metadata.ownerReferences?.find((x) => x.controller === true);
  return r ? { kind: r.kind, name: r.name, uid: r.uid } : undefined;
}
