/**
 * The API objects a pod needs from its node's kubelet, by name in the pod's namespace: the
 * edges of upstream's node authorizer graph (plugin/pkg/auth/authorizer/node/graph_populator.go)
 * and what the kubelet's volume and env code reads.
 */
import { isJsonObject, type JsonObject, type KubeObject } from './object.js';

export interface PodReferences {
  readonly configMaps: Set<string>;
  readonly secrets: Set<string>;
  readonly persistentVolumeClaims: Set<string>;
  /** spec.serviceAccountName ('default' when unset, as the ServiceAccount admission sets it). */
  readonly serviceAccount: string;
}

const cache = new WeakMap<KubeObject, PodReferences>();

/** Memoized per pod object (informer objects are immutable). */
export function podReferences(pod: KubeObject): PodReferences {
  const cached = cache.get(pod);
  if (cached) return cached;
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const persistentVolumeClaims = new Set<string>();
  const podName = typeof pod.metadata.name === 'string' ? pod.metadata.name : '';
  const add = (set: Set<string>, name: unknown) => {
    if (typeof name === 'string' && name) set.add(name);
  };
  const source = (src: JsonObject) => {
    if (isJsonObject(src.configMap)) add(configMaps, src.configMap.name);
    if (isJsonObject(src.secret)) add(secrets, src.secret.secretName ?? src.secret.name);
  };
  for (const v of objects(spec.volumes)) {
    source(v);
    if (isJsonObject(v.projected)) for (const s of objects(v.projected.sources)) source(s);
    if (isJsonObject(v.persistentVolumeClaim)) add(persistentVolumeClaims, v.persistentVolumeClaim.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (isJsonObject(v.ephemeral) && typeof v.name === 'string') add(persistentVolumeClaims, `${podName}-${v.name}`);
    if (isJsonObject(v.csi) && isJsonObject(v.csi.nodePublishSecretRef)) add(secrets, v.csi.nodePublishSecretRef.name);
  }
  for (const c of [...objects(spec.containers), ...objects(spec.initContainers), ...objects(spec.ephemeralContainers)]) {
    for (const f of objects(c.envFrom)) {
      if (isJsonObject(f.configMapRef)) add(configMaps, f.configMapRef.name);
      if (isJsonObject(f.secretRef)) add(secrets, f.secretRef.name);
    }
    for (const e of objects(c.env)) {
      const from = isJsonObject(e.valueFrom) ? e.valueFrom : undefined;
      if (from && isJsonObject(from.configMapKeyRef)) add(configMaps, from.configMapKeyRef.name);
      if (from && isJsonObject(from.secretKeyRef)) add(secrets, from.secretKeyRef.name);
    }
  }
  for (const s of objects(spec.imagePullSecrets)) add(secrets, s.name);
  const serviceAccount = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? spec.serviceAccountName : 'default';
  const refs = { configMaps, secrets, persistentVolumeClaims, serviceAccount };
  cache.set(pod, refs);
  return refs;
}

function objects(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}
