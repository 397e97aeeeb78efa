/**
 * Pod volumes (upstream's volume manager and the in-tree plugins, for the volume types a
 * single-node-style distribution needs), under `<root>/pods/<uid>/volumes/<plugin>/<name>`:
 *
 *  - emptyDir: a directory; medium Memory → a tmpfs (size = sizeLimit, else the node's allocatable
 *    memory) when the kubelet may mount (root on Linux), else a plain directory;
 *  - hostPath: the host path itself, after upstream's type checks (DirectoryOrCreate …);
 *  - configMap, secret, downwardAPI, projected: files written by the atomic writer
 *    (`..data` symlink swap), refreshed whenever the pod syncs and the content changed — the
 *    kubelet syncs every pod referencing an object when the object changes, and every pod at
 *    least once a minute; projected serviceAccountToken sources are bound tokens from the token
 *    manager, which renews them at 80% of their TTL;
 *  - persistentVolumeClaim: the bound PV's hostPath or local path.
 * configMap, secret, downwardAPI and projected volumes are always mounted read-only, as upstream.
 *
 * Failures are VolumeErrors naming the volume; the kubelet turns them into FailedMount events
 * (`MountVolume.SetUp failed for volume "x" : configmap "y" not found`).
 */
import { execFile } from 'node:child_process';
import type { Stats } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { objsAt, strAt, strMapAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { readQuantity, quantityIntValue } from '../../api/schema/quantity.js';
import type { Clock } from '../../util/clock.js';
import { containerResourceValue, findContainer, podFieldValue, type Allocatable, type PodRuntimeFields } from '../container/downward.js';
import { ObjectNotFoundError, type ObjectCache } from '../object-cache.js';
import { podReferences } from '../../api/pod-references.js';
import type { TokenManager } from '../token/token-manager.js';
import { writeAtomically, type FileProjection } from './atomic-writer.js';
import { podFsGroup, setVolumeOwnership } from './volume-ownership.js';

type PodOwnership = ReturnType<typeof podFsGroup>;
import { ANN_DYNAMICALLY_PROVISIONED } from '../../controllers/persistentvolume/volume-util.js';
import { LOCAL_PATH_PROVISIONER } from '../../controllers/local-path-provisioner/local-path-provisioner.js';

const run = promisify(execFile);

export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VolumeError';
  }
}

/** A volume ready to be bind-mounted into containers. */
export interface MountedVolume {
  readonly name: string;
  readonly hostPath: string;
  /** The plugin forces read-only mounts (configMap, secret, downwardAPI, projected; a read-only PVC). */
  readonly readOnly: boolean;
  /** The volume can hold subPaths (a directory). */
  readonly kind: string;
}

/** Mounts tmpfs for memory-backed emptyDirs. */
export interface Mounter {
  mountTmpfs(dir: string, sizeBytes: number | undefined): Promise<void>;
  unmount(dir: string): Promise<void>;
  isMounted(dir: string): Promise<boolean>;
}

/** `mount -t tmpfs` / `umount`, for a kubelet running as root on Linux; undefined elsewhere. */
export function systemMounter(): Mounter | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  return {
    async mountTmpfs(dir, sizeBytes) {
      await run('mount', ['-t', 'tmpfs', ...(sizeBytes ? ['-o', `size=${sizeBytes}`] : []), 'tmpfs', dir]);
    },
    async unmount(dir) {
      await run('umount', [dir]);
    },
    async isMounted(dir) {
      const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
      return info.split('\n').some((l) => l.split(' ')[4] === dir);
    },
  };
}

export interface VolumeManagerConfig {
  /** `<data-dir>/agent`: pods live in `<root>/pods/<uid>`. */
  readonly root: string;
  readonly objects: ObjectCache;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly mounter: Mounter | undefined;
  readonly allocatable: () => Allocatable;
  /** Bound service-account tokens for projected serviceAccountToken sources. */
  readonly tokens: TokenManager;
}

const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

function mode(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) ? v : fallback;
}

export class VolumeManager {
  readonly #c: VolumeManagerConfig;
  readonly #log: Logger;
  /** Dirs where this process mounted tmpfs. */
  readonly #tmpfs = new Set<string>();
  /** emptyDir directories and (pod uid/volume) local mounts that got their fsGroup already. */
  readonly #owned = new Set<string>();

  constructor(config: VolumeManagerConfig) {
    this.#c = config;
    this.#log = config.logger;
  }

  podDir(uid: string): string {
    return join(this.#c.root, 'pods', uid);
  }

  /**
   * Sets up (or refreshes) every volume of the pod; returns them by name. `fields` carries the
   * pod's IPs for downward API files.
   */
  async setUp(pod: KubeObject, fields: PodRuntimeFields): Promise<Map<string, MountedVolume>> {
    const spec = isJsonObject(pod.spec) ? pod.spec : {};
    const out = new Map<string, MountedVolume>();
    for (const v of objsAt(spec, 'volumes')) {
      const name = strAt(v, 'name');
      try {
        out.set(name, await this.#setUpOne(pod, v, fields));
      } catch (e) {
        if (e instanceof VolumeError) throw e;
        throw new VolumeError(name, e instanceof Error ? e.message : String(e), { cause: e });
      }
    }
    return out;
  }

  /** Unmounts tmpfs volumes and removes the pod's volume directories. */
  async tearDown(uid: string): Promise<void> {
    const dir = join(this.podDir(uid), 'volumes');
    const emptyDirs = join(dir, PLUGIN_DIRS.emptyDir);
    if (this.#c.mounter) {
      let names: string[] = [];
      try {
        names = await readdir(emptyDirs);
      } catch {
        names = [];
      }
      for (const n of names) {
        const p = join(emptyDirs, n);
        if (this.#tmpfs.has(p) || (await this.#c.mounter.isMounted(p))) {
          await this.#c.mounter.unmount(p).catch((e: unknown) => this.#log.warn({ dir: p, err: (e as Error).message }, 'unmounting a tmpfs emptyDir failed'));
          this.#tmpfs.delete(p);
        }
      }
    }
    await rm(dir, { recursive: true, force: true });
    for (const key of this.#owned) if (key.startsWith(`${dir}/`) || key.startsWith(`${uid}/`)) this.#owned.delete(key);
    this.#c.tokens.deleteServiceAccountToken(uid);
  }

  /** Removes everything of a pod the kubelet keeps on disk (after its volumes are torn down). */
  async removePodDir(uid: string): Promise<void> {
    await this.tearDown(uid);
    await rm(this.podDir(uid), { recursive: true, force: true });
  }

  /** The names of configMaps and secrets a pod's volumes read (to resync it when they change). */
  static references(pod: KubeObject): { configMaps: ReadonlySet<string>; secrets: ReadonlySet<string> } {
    return podReferences(pod);
  }

  #dir(uid: string, plugin: string, name: string): string {
    return join(this.podDir(uid), 'volumes', plugin, name);
  }

  async #setUpOne(pod: KubeObject, v: JsonObject, fields: PodRuntimeFields): Promise<MountedVolume> {
    const uid = pod.metadata.uid ?? '';
    const name = strAt(v, 'name');
    const now = this.#c.clock.now();
    const owner = podFsGroup(isJsonObject(pod.spec) ? pod.spec : {});
    if (isJsonObject(v.emptyDir)) return this.#emptyDir(uid, name, v.emptyDir, owner);
    if (isJsonObject(v.hostPath)) {
      const path = strAt(v.hostPath, 'path');
      await checkHostPathType(path, strAt(v.hostPath, 'type'));
      return { name, hostPath: path, readOnly: false, kind: 'hostPath' };
    }
    // The atomic writer's volumes: the fsGroup goes on each new version of the files (upstream's
    // setPerms hook), read-only.
    const project = async (plugin: string, kind: string, payload: ReadonlyMap<string, FileProjection>): Promise<MountedVolume> => {
      const dir = this.#dir(uid, plugin, name);
      if (await writeAtomically(dir, payload, now)) await setVolumeOwnership(dir, owner.fsGroup, true);
      return { name, hostPath: dir, readOnly: true, kind };
    };
    if (isJsonObject(v.configMap)) return project(PLUGIN_DIRS.configMap, 'configMap', await this.#configMapPayload(pod, v.configMap, mode(v.configMap.defaultMode, 0o644)));
    if (isJsonObject(v.secret)) return project(PLUGIN_DIRS.secret, 'secret', await this.#secretPayload(pod, v.secret, mode(v.secret.defaultMode, 0o644)));
    if (isJsonObject(v.downwardAPI)) return project(PLUGIN_DIRS.downwardAPI, 'downwardAPI', this.#downwardPayload(pod, v.downwardAPI, mode(v.downwardAPI.defaultMode, 0o644), fields));
    if (isJsonObject(v.projected)) return project(PLUGIN_DIRS.projected, 'projected', await this.#projectedPayload(pod, v.projected, fields));
    if (isJsonObject(v.persistentVolumeClaim)) return this.#pvc(pod, name, v.persistentVolumeClaim, owner);
    const type = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
    throw new VolumeError(name, `volume type ${type} is not supported by this kubelet`);
  }

  async #emptyDir(uid: string, name: string, src: JsonObject, owner: PodOwnership): Promise<MountedVolume> {
    const dir = this.#dir(uid, PLUGIN_DIRS.emptyDir, name);
    const fresh = !this.#owned.has(dir);
    await mkdir(dir, { recursive: true, mode: 0o777 });
    if (strAt(src, 'medium') === 'Memory' && this.#c.mounter) {
      if (!this.#tmpfs.has(dir) && !(await this.#c.mounter.isMounted(dir))) {
        const limit = readQuantity(src.sizeLimit);
        const alloc = readQuantity(this.#c.allocatable().memory);
        let size = limit ? quantityIntValue(limit) : alloc ? quantityIntValue(alloc) : undefined;
        if (limit && alloc && quantityIntValue(alloc) < quantityIntValue(limit)) size = quantityIntValue(alloc);
        await this.#c.mounter.mountTmpfs(dir, size !== undefined ? Number(size) : undefined);
      }
      this.#tmpfs.add(dir);
    }
    // emptyDir is world-writable (0777), as upstream's; the fsGroup goes on at its set-up.
    if (fresh) {
      await chmod(dir, 0o777);
      await setVolumeOwnership(dir, owner.fsGroup, false, owner.policy);
      this.#owned.add(dir);
    }
    return { name, hostPath: dir, readOnly: false, kind: 'emptyDir' };
  }

  async #configMapPayload(pod: KubeObject, src: JsonObject, defaultMode: number): Promise<Map<string, FileProjection>> {
    const name = strAt(src, 'name');
    const optional = src.optional === true;
    let cm: KubeObject | undefined;
    try {
      cm = await this.#c.objects.get('configmaps', pod.metadata.namespace, name);
    } catch (e) {
      if (!(e instanceof ObjectNotFoundError && optional)) throw e;
    }
    const data = new Map<string, Buffer>();
    if (cm) {
      for (const [k, val] of Object.entries(strMapAt(cm as unknown as JsonObject, 'data'))) data.set(k, Buffer.from(val, 'utf8'));
      for (const [k, val] of Object.entries(strMapAt(cm as unknown as JsonObject, 'binaryData'))) data.set(k, Buffer.from(val, 'base64'));
    }
    return itemsPayload(data, src, defaultMode, optional, 'configmap references non-existent config key');
  }

  async #secretPayload(pod: KubeObject, src: JsonObject, defaultMode: number): Promise<Map<string, FileProjection>> {
    const name = strAt(src, 'secretName') || strAt(src, 'name');
    const optional = src.optional === true;
    let secret: KubeObject | undefined;
    try {
      secret = await this.#c.objects.get('secrets', pod.metadata.namespace, name);
    } catch (e) {
      if (!(e instanceof ObjectNotFoundError && optional)) throw e;
    }
    const data = new Map<string, Buffer>();
    if (secret) for (const [k, val] of Object.entries(strMapAt(secret as unknown as JsonObject, 'data'))) data.set(k, Buffer.from(val, 'base64'));
    return itemsPayload(data, src, defaultMode, optional, 'references non-existent secret key');
  }

  #downwardPayload(pod: KubeObject, src: JsonObject, defaultMode: number, fields: PodRuntimeFields): Map<string, FileProjection> {
    const out = new Map<string, FileProjection>();
    for (const item of objsAt(src, 'items')) {
      let value: string;
      if (isJsonObject(item.fieldRef)) value = podFieldValue(pod, strAt(item.fieldRef, 'fieldPath'), fields);
      else if (isJsonObject(item.resourceFieldRef)) {
        const cname = strAt(item.resourceFieldRef, 'containerName');
        const c = findContainer(pod, cname);
        if (!c) throw new Error(`container ${cname} not found in pod`);
        value = containerResourceValue(c, item.resourceFieldRef, this.#c.allocatable());
      } else continue;
      out.set(normalize(strAt(item, 'path')), { data: Buffer.from(value, 'utf8'), mode: mode(item.mode, defaultMode) });
    }
    return out;
  }

  async #projectedPayload(pod: KubeObject, src: JsonObject, fields: PodRuntimeFields): Promise<Map<string, FileProjection>> {
    const defaultMode = mode(src.defaultMode, 0o644);
    const out = new Map<string, FileProjection>();
    for (const s of objsAt(src, 'sources')) {
      let part: Map<string, FileProjection>;
      if (isJsonObject(s.configMap)) part = await this.#configMapPayload(pod, s.configMap, defaultMode);
      else if (isJsonObject(s.secret)) part = await this.#secretPayload(pod, s.secret, defaultMode);
      else if (isJsonObject(s.downwardAPI)) part = this.#downwardPayload(pod, s.downwardAPI, defaultMode, fields);
      else if (isJsonObject(s.serviceAccountToken)) part = await this.#tokenPayload(pod, s.serviceAccountToken, defaultMode);
      else continue;
      for (const [k, f] of part) out.set(k, f);
    }
    return out;
  }

  /** upstream projected volume: a token bound to the pod, for the source's audience and lifetime. */
  async #tokenPayload(pod: KubeObject, src: JsonObject, defaultMode: number): Promise<Map<string, FileProjection>> {
    const spec = isJsonObject(pod.spec) ? pod.spec : {};
    const audience = strAt(src, 'audience');
    let token: string;
    try {
      token = await this.#c.tokens.getServiceAccountToken({
        namespace: pod.metadata.namespace ?? '',
        serviceAccount: strAt(spec, 'serviceAccountName') || 'default',
        audiences: audience ? [audience] : [],
        expirationSeconds: typeof src.expirationSeconds === 'number' ? src.expirationSeconds : 3600,
        boundPod: { name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
      });
    } catch (e) {
      throw new Error(`failed to fetch token: ${(e as Error).message}`, { cause: e });
    }
    // Upstream makes the token 0600 when the pod has an fsGroup; the fsGroup then adds group read
    // (0640), so the token is readable by the pod's group and no longer by everyone.
    const fileMode = podFsGroup(spec).fsGroup !== undefined ? 0o600 : defaultMode;
    return new Map([[normalize(strAt(src, 'path')), { data: Buffer.from(token, 'utf8'), mode: fileMode }]]);
  }

  async #pvc(pod: KubeObject, name: string, src: JsonObject, owner: PodOwnership): Promise<MountedVolume> {
    const ns = pod.metadata.namespace ?? '';
    const claimName = strAt(src, 'claimName');
    const pvc = await this.#c.objects.get('persistentvolumeclaims', ns, claimName);
    const volumeName = isJsonObject(pvc.spec) ? strAt(pvc.spec, 'volumeName') : '';
    const phase = isJsonObject(pvc.status) ? strAt(pvc.status, 'phase') : '';
    if (phase !== 'Bound' || volumeName === '') throw new VolumeError(name, `PVC ${ns}/${claimName} has non-bound phase (${JSON.stringify(phase)}) or empty pvc.Spec.VolumeName (${JSON.stringify(volumeName)})`);
    const pv = await this.#c.objects.get('persistentvolumes', undefined, volumeName);
    const spec = isJsonObject(pv.spec) ? pv.spec : {};
    const readOnly = src.readOnly === true;
    if (isJsonObject(spec.hostPath)) {
      const path = strAt(spec.hostPath, 'path');
      if (pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] === LOCAL_PATH_PROVISIONER) await createLocalPathDir(path);
      await checkHostPathType(path, strAt(spec.hostPath, 'type'));
      return { name, hostPath: path, readOnly, kind: 'persistentVolumeClaim' };
    }
    if (isJsonObject(spec.local)) {
      const path = strAt(spec.local, 'path');
      try {
        await stat(path);
      } catch {
        throw new VolumeError(name, `path "${path}" does not exist`);
      }
      // Upstream's local plugin applies the fsGroup when it mounts a writable volume for a pod
      // (hostPath volumes, local-path's among them, never get it).
      const mountKey = `${pod.metadata.uid ?? ''}/${name}`;
      if (!readOnly && !this.#owned.has(mountKey)) {
        await setVolumeOwnership(path, owner.fsGroup, false, owner.policy);
        this.#owned.add(mountKey);
      }
      return { name, hostPath: path, readOnly, kind: 'persistentVolumeClaim' };
    }
    throw new VolumeError(name, `PersistentVolume ${volumeName} is not a hostPath or local volume, which is all this kubelet can mount`);
  }
}

/**
 * A local-path volume's directory, made as local-path-provisioner's helper makes it
 * (`mkdir -m 0777 -p`): world-writable, so that pods running as any user can write to their
 * claim (a database image's non-root user, say). Plain hostPath DirectoryOrCreate makes 0755.
 * An existing directory is left as it is.
 */
async function createLocalPathDir(path: string): Promise<void> {
  try {
    await stat(path);
    return;
  } catch {
    // missing: made below
  }
  await mkdir(path, { recursive: true, mode: 0o755 });
  // mkdir's mode passes through the umask.
  await chmod(path, 0o777);
}

/** configMap/secret items → files (all keys when no items; missing keys fail unless optional). */
function itemsPayload(data: ReadonlyMap<string, Buffer>, src: JsonObject, defaultMode: number, optional: boolean, missingKey: string): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  const items = objsAt(src, 'items');
  if (items.length === 0) {
    for (const [k, d] of data) out.set(k, { data: d, mode: defaultMode });
    return out;
  }
  for (const item of items) {
    const key = strAt(item, 'key');
    const d = data.get(key);
    if (!d) {
      if (optional) continue;
      throw new Error(`${missingKey}: ${key}`);
    }
    out.set(normalize(strAt(item, 'path')), { data: d, mode: mode(item.mode, defaultMode) });
  }
  return out;
}

/** upstream hostPath checkType. */
export async function checkHostPathType(path: string, type: string): Promise<void> {
  let st: Stats | undefined;
  try {
    st = await stat(path);
  } catch {
    st = undefined;
  }
  switch (type) {
    case '':
      return;
    case 'DirectoryOrCreate':
    case 'Directory':
      if (!st && type === 'DirectoryOrCreate') {
        await mkdir(path, { recursive: true, mode: 0o755 });
        return;
      }
      if (!st?.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
    case 'File':
      if (!st && type === 'FileOrCreate') {
        await writeFile(path, '', { mode: 0o644, flag: 'a' });
        return;
      }
      if (!st?.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'Socket':
      if (!st?.isSocket()) throw new Error(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new Error(`hostPath type check failed: ${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new Error(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}
