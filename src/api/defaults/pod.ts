/**
 * Defaulting of pods, pod specs and pod templates, following pkg/apis/core/v1/defaults.go and
 * the declarative (+default) markers of k8s.io/api core/v1 as of Kubernetes 1.32.
 *
 * Two Go serialisation facts are reproduced too, so stored objects read back as they do from a
 * real cluster: every container carries `resources: {}` (a non-pointer struct), and every
 * embedded template carries `metadata.creationTimestamp: null`.
 *
 * All functions mutate their argument and are idempotent.
 */
import { formatQuantity, readQuantity, roundUpToMilli } from '../schema/quantity.js';
import { ensureObj, isNil, obj, objs, setDefault, type JsonObject } from '../json-access.js';
import { defaultPullPolicy } from './image.js';

const DEFAULT_MODE = 0o644; // 420

/**
 * Canonicalises the quantities of a ResourceList in place: rounded up to milli precision and
 * written in the form upstream serialises (e.g. "0.5" → "500m", "1024Mi" → "1Gi").
 */
export function defaultResourceList(list: JsonObject | undefined): void {
  if (!list) return;
  for (const [k, v] of Object.entries(list)) {
    const q = readQuantity(v);
    if (q) list[k] = formatQuantity(roundUpToMilli(q));
  }
}

/** A single Quantity field (not a ResourceList): canonical form only. */
export function defaultQuantityField(o: JsonObject | undefined, k: string): void {
  if (!o || o[k] === undefined || o[k] === null) return;
  const q = readQuantity(o[k]);
  if (q) o[k] = formatQuantity(q);
}

export function defaultProbe(probe: JsonObject | undefined): void {
  if (!probe) return;
  for (const [k, v] of [
    ['timeoutSeconds', 1],
    ['periodSeconds', 10],
    ['successThreshold', 1],
    ['failureThreshold', 3],
  ] as const) {
    if (probe[k] === undefined || probe[k] === null || probe[k] === 0) probe[k] = v;
  }
  defaultHandler(probe);
}

function defaultHandler(h: JsonObject | undefined): void {
  const http = obj(h?.httpGet);
  if (http) {
    setDefault(http, 'path', '/');
    setDefault(http, 'scheme', 'HTTP');
  }
  const grpc = obj(h?.grpc);
  if (grpc && (grpc.service === undefined || grpc.service === null)) grpc.service = '';
}

function defaultEnv(container: JsonObject): void {
  for (const ev of objs(container.env)) {
    const fieldRef = obj(obj(ev.valueFrom)?.fieldRef);
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
    const resourceFieldRef = obj(obj(ev.valueFrom)?.resourceFieldRef);
    if (resourceFieldRef) defaultQuantityField(resourceFieldRef, 'divisor');
  }
}

/** SetDefaults_Container plus the defaults of everything a container embeds. */
export function defaultContainer(c: JsonObject): void {
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === null || c.imagePullPolicy === '') {
    c.imagePullPolicy = defaultPullPolicy(typeof c.image === 'string' ? c.image : '');
  }
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  for (const port of objs(c.ports)) setDefault(port, 'protocol', 'TCP');
  defaultProbe(obj(c.livenessProbe));
  defaultProbe(obj(c.readinessProbe));
  defaultProbe(obj(c.startupProbe));
  const lifecycle = obj(c.lifecycle);
  if (lifecycle) {
    defaultHandler(obj(lifecycle.postStart));
    defaultHandler(obj(lifecycle.preStop));
  }
  defaultEnv(c);
  const resources = ensureObj(c, 'resources');
  defaultResourceList(obj(resources.limits));
  defaultResourceList(obj(resources.requests));
}

function defaultDownwardAPIItems(items: unknown): void {
  for (const item of objs(items)) {
    const fieldRef = obj(item.fieldRef);
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
    const resourceFieldRef = obj(item.resourceFieldRef);
    if (resourceFieldRef) defaultQuantityField(resourceFieldRef, 'divisor');
  }
}

const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

/** SetDefaults_Volume and the volume-source defaults. */
export function defaultVolume(v: JsonObject): void {
  if (!VOLUME_SOURCES.some((k) => v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
  defaultSharedVolumeSources(v);
  const emptyDir = obj(v.emptyDir);
  if (emptyDir) defaultQuantityField(emptyDir, 'sizeLimit');
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const src = obj(v[k]);
    if (src && (src.defaultMode === undefined || src.defaultMode === null)) src.defaultMode = DEFAULT_MODE;
  }
  const downward = obj(v.downwardAPI);
  if (downward) defaultDownwardAPIItems(downward.items);
  const projected = obj(v.projected);
  if (projected) {
    for (const s of objs(projected.sources)) {
      const token = obj(s.serviceAccountToken);
      if (token && (token.expirationSeconds === undefined || token.expirationSeconds === null)) token.expirationSeconds = 3600;
      const dapi = obj(s.downwardAPI);
      if (dapi) defaultDownwardAPIItems(dapi.items);
    }
  }
  const scaleIO = obj(v.scaleIO);
  if (scaleIO) {
    setDefault(scaleIO, 'storageMode', 'ThinProvisioned');
    setDefault(scaleIO, 'fsType', 'xfs');
  }
  const ephemeral = obj(obj(v.ephemeral)?.volumeClaimTemplate);
  if (ephemeral) {
    ensureTemplateMeta(ephemeral);
    defaultPersistentVolumeClaimSpec(obj(ephemeral.spec));
  }
}

/**
 * The defaults of the sources a Volume and a PersistentVolume spec have in common: hostPath,
 * iscsi, rbd and azureDisk (SetDefaults_HostPathVolumeSource, _ISCSI…, _RBD…, _AzureDiskVolumeSource).
 */
export function defaultSharedVolumeSources(src: JsonObject): void {
  const hostPath = obj(src.hostPath);
  if (hostPath && isNil(hostPath.type)) hostPath.type = '';
  const iscsi = obj(src.iscsi);
  if (iscsi) setDefault(iscsi, 'iscsiInterface', 'default');
  const rbd = obj(src.rbd);
  if (rbd) {
    setDefault(rbd, 'pool', 'rbd');
    setDefault(rbd, 'user', 'admin');
    setDefault(rbd, 'keyring', '/etc/ceph/keyring');
  }
  const azureDisk = obj(src.azureDisk);
  if (azureDisk) {
    setDefault(azureDisk, 'cachingMode', 'ReadWrite');
    setDefault(azureDisk, 'fsType', 'ext4');
    if (isNil(azureDisk.readOnly)) azureDisk.readOnly = false;
    setDefault(azureDisk, 'kind', 'Shared');
  }
}

/** SetDefaults_PersistentVolumeClaimSpec (also used for claim templates). */
export function defaultPersistentVolumeClaimSpec(spec: JsonObject | undefined): void {
  if (!spec) return;
  setDefault(spec, 'volumeMode', 'Filesystem');
  const resources = obj(spec.resources);
  defaultResourceList(obj(resources?.requests));
  defaultResourceList(obj(resources?.limits));
}

/** Embedded ObjectMeta serialises a zero creationTimestamp as null; mirror that. */
export function ensureTemplateMeta(template: JsonObject): JsonObject {
  const meta = ensureObj(template, 'metadata');
  if (meta.creationTimestamp === undefined) meta.creationTimestamp = null;
  return meta;
}

/** SetDefaults_PodSpec and everything it contains (applies to pods and pod templates). */
export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  if (spec.securityContext === undefined || spec.securityContext === null) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) spec.terminationGracePeriodSeconds = 30;
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const k of ['initContainers', 'containers', 'ephemeralContainers']) for (const c of objs(spec[k])) defaultContainer(c);
  for (const v of objs(spec.volumes)) defaultVolume(v);
  defaultResourceList(obj(spec.overhead));
  const podResources = obj(spec.resources);
  if (podResources) {
    defaultResourceList(obj(podResources.limits));
    defaultResourceList(obj(podResources.requests));
  }
}

/** A PodTemplateSpec embedded in a workload: template metadata plus pod-spec defaults. */
export function defaultPodTemplateSpec(template: JsonObject | undefined): void {
  if (!template) return;
  ensureTemplateMeta(template);
  defaultPodSpec(ensureObj(template, 'spec'));
}

/**
 * SetDefaults_Pod: pod-only defaults on top of the spec defaults (requests from limits,
 * enableServiceLinks, host ports under hostNetwork). Templates do not get these.
 */
export function defaultPod(pod: JsonObject): void {
  const spec = ensureObj(pod, 'spec');
  defaultPodSpec(spec);
  for (const k of ['containers', 'initContainers']) {
    for (const c of objs(spec[k])) {
      const resources = ensureObj(c, 'resources');
      const limits = obj(resources.limits);
      if (!limits || Object.keys(limits).length === 0) continue;
      const requests = ensureObj(resources, 'requests');
      for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
    }
  }
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const k of ['containers', 'initContainers']) {
      for (const c of objs(spec[k])) for (const port of objs(c.ports)) if (port.hostPort === undefined || port.hostPort === null || port.hostPort === 0) port.hostPort = port.containerPort;
    }
  }
}
