/**
 * The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount), for pod
 * creates:
 *  - a pod without `serviceAccountName` gets `default`;
 *  - the ServiceAccount must exist, else 403 `error looking up service account <ns>/<name>:
 *    serviceaccount "<name>" not found` (`default` is looked up a few times first: the
 *    serviceaccounts controller creates it just after the namespace);
 *  - unless `automountServiceAccountToken` is false on the pod (which wins) or on the
 *    ServiceAccount, the projected volume `kube-api-access-<5 random>` (a bound token for 3607 s,
 *    the cluster CA from the `kube-root-ca.crt` ConfigMap, the namespace) is added, and mounted
 *    read-only at /var/run/secrets/kubernetes.io/serviceaccount in every init and app container
 *    that has nothing mounted there yet;
 *  - the ServiceAccount's imagePullSecrets are copied to a pod that names none.
 * Mirror pods are not changed and may reference no service account, secret or token projection.
 * Ephemeral containers cannot be set at create, and upstream does not mount the token into the
 * ones added later through pods/ephemeralcontainers; lite does the same.
 */
import { ApiError } from '../api/errors.js';
import { deepCopy, isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { Clock } from '../util/clock.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** upstream utilrand's alphabet (no vowels, no confusable digits). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export interface ServiceAccountPluginConfig {
  /** The ServiceAccount, or undefined if it does not exist. */
  readonly getServiceAccount: (namespace: string, name: string) => Promise<KubeObject | undefined>;
  readonly clock: Clock;
  /** Attempts for `default` before refusing (upstream: 10, 100–200 ms apart). */
  readonly defaultAttempts?: number;
  readonly random?: () => number;
}

/** The projected volume upstream's admission adds (TokenVolumeSource), with mode 0644 written out. */
export function tokenVolumeSource(): JsonObject {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

export class ServiceAccountPlugin implements AdmissionPlugin {
  readonly name = 'ServiceAccount';
  readonly #c: ServiceAccountPluginConfig;

  constructor(config: ServiceAccountPluginConfig) {
    this.#c = config;
  }

  handles(def: ResourceDef): boolean {
    return def.group === '' && def.kind === 'Pod';
  }

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation === 'update' && isJsonObject(req.object.spec)) {
      // v1 conversion: the deprecated `serviceAccount` mirrors serviceAccountName, so an update
      // that leaves it out (or sends only it) changes nothing.
      const spec = req.object.spec;
      if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '' && (spec.serviceAccount === undefined || spec.serviceAccount === '')) spec.serviceAccount = spec.serviceAccountName;
      if ((spec.serviceAccountName === undefined || spec.serviceAccountName === '') && typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '') spec.serviceAccountName = spec.serviceAccount;
    }
    if (req.operation !== 'create') return;
    const pod = req.object;
    const namespace = pod.metadata.namespace ?? '';
    const podName = pod.metadata.name ?? '';
    const forbidden = (why: string) => ApiError.forbidden({ group: '', resource: 'pods' }, podName, why);
    const spec: JsonObject = isJsonObject(pod.spec) ? pod.spec : (pod.spec = {});
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
      validateMirrorPod(spec, forbidden);
      return;
    }
    if (typeof spec.serviceAccountName !== 'string' || spec.serviceAccountName === '') {
      // The deprecated `serviceAccount` field stands in for an empty serviceAccountName (v1 conversion).
      spec.serviceAccountName = typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' ? spec.serviceAccount : DEFAULT_SERVICE_ACCOUNT_NAME;
    }
    const saName = spec.serviceAccountName;
    // v1 serves the deprecated field as a copy of serviceAccountName.
    spec.serviceAccount = saName;
    const sa = await this.#lookUp(namespace, saName);
    if (!sa) throw forbidden(`error looking up service account ${namespace}/${saName}: serviceaccount "${saName}" not found`);
    if (shouldAutomount(sa, spec)) this.#mountToken(spec);
    const pullSecrets = (sa as JsonObject).imagePullSecrets;
    if ((!Array.isArray(spec.imagePullSecrets) || spec.imagePullSecrets.length === 0) && Array.isArray(pullSecrets) && pullSecrets.length > 0) {
      spec.imagePullSecrets = deepCopy(pullSecrets);
    }
  }

  async #lookUp(namespace: string, name: string): Promise<KubeObject | undefined> {
    const attempts = name === DEFAULT_SERVICE_ACCOUNT_NAME ? (this.#c.defaultAttempts ?? 10) : 1;
    const rand = this.#c.random ?? Math.random;
    const interval = 100 + Math.floor(rand() * 100);
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await this.#c.clock.sleep(interval);
      const sa = await this.#c.getServiceAccount(namespace, name);
      if (sa) return sa;
    }
    return undefined;
  }

  #mountToken(spec: JsonObject): void {
    const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isJsonObject) : [];
    const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
    const volumeName = typeof existing?.name === 'string' ? existing.name : this.#generateName(new Set(volumes.map((v) => String(v.name))));
    let needsVolume = false;
    for (const key of ['initContainers', 'containers'] as const) {
      const list = spec[key];
      if (!Array.isArray(list)) continue;
      for (const c of list) {
        if (!isJsonObject(c)) continue;
        const mounts = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
        // Something already mounted at the path (the user's own token, say) wins.
        if (mounts.some((m) => isJsonObject(m) && m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
        c.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
        needsVolume = true;
      }
    }
    if (!existing && needsVolume) spec.volumes = [...(Array.isArray(spec.volumes) ? spec.volumes : []), { name: volumeName, projected: tokenVolumeSource() }];
  }

  #generateName(taken: ReadonlySet<string>): string {
    const rand = this.#c.random ?? Math.random;
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += ALPHANUMS[Math.floor(rand() * ALPHANUMS.length) % ALPHANUMS.length];
      const name = SERVICE_ACCOUNT_VOLUME_PREFIX + suffix;
      if (!taken.has(name)) return name;
    }
  }
}

/** The pod's preference wins, then the ServiceAccount's; default true. */
function shouldAutomount(sa: KubeObject, spec: JsonObject): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  const fromSa = (sa as JsonObject).automountServiceAccountToken;
  if (typeof fromSa === 'boolean') return fromSa;
  return true;
}

function validateMirrorPod(spec: JsonObject, forbidden: (why: string) => ApiError): void {
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') throw forbidden('a mirror pod may not reference service accounts');
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isJsonObject) : [];
  let secrets = volumes.some((v) => isJsonObject(v.secret) || (isJsonObject(v.projected) && Array.isArray(v.projected.sources) && v.projected.sources.some((s) => isJsonObject(s) && isJsonObject(s.secret))));
  if (Array.isArray(spec.imagePullSecrets) && spec.imagePullSecrets.length > 0) secrets = true;
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isJsonObject(c)) continue;
      if (Array.isArray(c.envFrom) && c.envFrom.some((f) => isJsonObject(f) && isJsonObject(f.secretRef))) secrets = true;
      if (Array.isArray(c.env) && c.env.some((e) => isJsonObject(e) && isJsonObject(e.valueFrom) && isJsonObject(e.valueFrom.secretKeyRef))) secrets = true;
    }
  }
  if (secrets) throw forbidden('a mirror pod may not reference secrets');
  for (const v of volumes) {
    if (isJsonObject(v.projected) && Array.isArray(v.projected.sources) && v.projected.sources.some((s) => isJsonObject(s) && isJsonObject(s.serviceAccountToken))) {
      throw forbidden('a mirror pod may not use ServiceAccountToken volume projections');
    }
  }
}
