/**
 * Pod volumes as containers see them: emptyDir shared between containers, configMap, secret,
 * downwardAPI and projected files (updated when the objects change), hostPath, PVCs bound to
 * hostPath PVs, subPath, readOnly; FailedMount until a missing ConfigMap appears.
 */
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { boundPod, containerStatus, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

const secrets = { group: '', version: 'v1', resource: 'secrets' };
const pvcs = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const pvs = { group: '', version: 'v1', resource: 'persistentvolumes' };

async function containerLog(h: Harness, pod: string, container: string): Promise<string> {
  const id = String(containerStatus(await h.getPod(pod), container)?.containerID ?? '').replace('sim://', '');
  if (!id) return '';
  let out = '';
  for await (const chunk of h.runtime.logs(id, { follow: false, timestamps: false })) out += Buffer.from(chunk).toString('utf8');
  return out;
}

const phaseIs = (h: Harness, name: string, phase: string) => async () => statusOf(await h.getPod(name)).phase === phase;

describe('kubelet: volumes', () => {
  let h: Harness;
  let hostDir: string | undefined;
  afterEach(async () => {
    await h?.stop();
    if (hostDir) await rm(hostDir, { recursive: true, force: true });
    hostDir = undefined;
  });

  it('mounts configMap, secret, downwardAPI and projected files read-only, and an emptyDir shared by containers', async () => {
    h = await startHarness();
    await h.api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { 'app.conf': 'mode=fast\n', other: 'x' } });
    await h.api.client.create(secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { password: Buffer.from('hunter2').toString('base64') } });
    await h.createPod(
      boundPod(
        'vols',
        {
          restartPolicy: 'Never',
          initContainers: [{ name: 'writer', image: 'lite-test/busybox:1', command: ['sh', '-c', 'echo shared > /data/file'], volumeMounts: [{ name: 'scratch', mountPath: '/data' }] }],
          containers: [
            {
              name: 'reader',
              image: 'lite-test/busybox:1',
              command: ['sh', '-c', 'cat /data/file /etc/cfg/app.conf /etc/secret/password; echo; cat /etc/pod/labels; echo; cat /etc/all/conf /etc/all/name; echo; echo nope > /etc/cfg/new || echo read-only'],
              volumeMounts: [
                { name: 'scratch', mountPath: '/data' },
                { name: 'cfg', mountPath: '/etc/cfg' },
                { name: 'creds', mountPath: '/etc/secret' },
                { name: 'podinfo', mountPath: '/etc/pod' },
                { name: 'all', mountPath: '/etc/all' },
              ],
            },
          ],
          volumes: [
            { name: 'scratch', emptyDir: {} },
            { name: 'cfg', configMap: { name: 'cfg' } },
            { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
            { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
            { name: 'all', projected: { sources: [{ configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf' }] } }, { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }] } },
          ],
        },
        { labels: { app: 'vols' } },
      ),
    );
    await h.until(phaseIs(h, 'vols', 'Succeeded'), 'the pod to succeed', { stepMs: 1000 });
    expect(await containerLog(h, 'vols', 'reader')).toBe('shared\nmode=fast\nhunter2\napp="vols"\nmode=fast\nvols\nsh: can\'t create /etc/cfg/new: Read-only file system\nread-only\n');
  });

  it('updates configMap files when the ConfigMap changes', async () => {
    h = await startHarness();
    await h.api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live' }, data: { greeting: 'hello' } });
    await h.createPod(
      boundPod('watcher', {
        containers: [{ name: 'c', image: 'lite-test/busybox:1', command: ['httpd', '-f', '-p', '80', '-h', '/cfg'], volumeMounts: [{ name: 'live', mountPath: '/cfg' }] }],
        volumes: [{ name: 'live', configMap: { name: 'live' } }],
      }),
    );
    await h.until(phaseIs(h, 'watcher', 'Running'), 'Running');
    const ip = statusOf(await h.getPod('watcher')).podIP as string;
    const serve = () => h.world.pods.get(ip)?.get(80)?.('/greeting');
    await h.until(async () => (await serve()) === 'hello', 'the first content');
    const cm = await h.api.client.get(resources.configmaps, 'default', 'live');
    await h.api.client.update(resources.configmaps, 'default', { ...cm, data: { greeting: 'bonjour' } });
    // No resync needed: the ConfigMap's watch event syncs the pods using it.
    await h.until(async () => (await serve()) === 'bonjour', 'the updated content');
  });

  it('mounts a tmpfs for emptyDir medium Memory, sized by sizeLimit, and unmounts it when the pod goes', async () => {
    const calls: string[] = [];
    const mounted = new Set<string>();
    h = await startHarness({
      internals: {
        mounter: {
          async mountTmpfs(dir, size) {
            calls.push(`mount ${dir.split('/').slice(-2).join('/')} ${String(size)}`);
            mounted.add(dir);
          },
          async unmount(dir) {
            calls.push(`umount ${dir.split('/').slice(-2).join('/')}`);
            mounted.delete(dir);
          },
          async isMounted(dir) {
            return mounted.has(dir);
          },
        },
      },
    });
    await h.createPod(
      boundPod('mem', {
        containers: [{ name: 'c', image: 'app:1', volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
        volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }],
      }),
    );
    await h.until(phaseIs(h, 'mem', 'Running'), 'Running');
    expect(calls).toEqual([`mount kubernetes.io~empty-dir/cache ${64 * 1024 * 1024}`]);
    await h.api.client.delete(resources.pods, 'default', 'mem');
    await h.until(async () => (await h.getPod('mem')) === undefined, 'the pod to be deleted', { stepMs: 1000 });
    await h.until(() => calls.length === 2, 'the unmount');
    expect(calls[1]).toBe('umount kubernetes.io~empty-dir/cache');
  });

  it('reports FailedMount while a ConfigMap is missing and starts once it exists', async () => {
    h = await startHarness();
    await h.createPod(
      boundPod('waits', {
        containers: [{ name: 'c', image: 'app:1', volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
        volumes: [{ name: 'cfg', configMap: { name: 'later' } }],
      }),
    );
    await h.until(async () => (await h.events()).some((e) => e.reason === 'FailedMount') && containerStatus(await h.getPod('waits'), 'c') !== undefined, 'FailedMount');
    const failed = (await h.events()).find((e) => e.reason === 'FailedMount');
    expect(failed?.message).toBe('MountVolume.SetUp failed for volume "cfg" : configmap "later" not found');
    const pod = await h.getPod('waits');
    expect(statusOf(pod).phase).toBe('Pending');
    expect(((containerStatus(pod, 'c')?.state as JsonObject).waiting as JsonObject).reason).toBe('ContainerCreating');
    expect(await h.runtime.listPodSandboxes()).toHaveLength(0);
    await h.api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' }, data: { a: 'b' } });
    await h.until(phaseIs(h, 'waits', 'Running'), 'Running after the ConfigMap appeared');
  });

  it('mounts hostPath, a PVC bound to a hostPath PV, subPath and subPathExpr', async () => {
    h = await startHarness();
    hostDir = await mkdtemp(join(tmpdir(), 'lite-hostpath-'));
    await writeFile(join(hostDir, 'from-host'), 'host data\n');
    await h.api.client.create(pvs, undefined, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: join(hostDir, 'pv'), type: 'DirectoryOrCreate' }, storageClassName: 'manual' } });
    await h.api.client.create(pvcs, 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'claim' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv1', storageClassName: 'manual' } });
    const claim = await h.api.client.get(pvcs, 'default', 'claim');
    await h.api.client.update(pvcs, 'default', { ...claim, status: { phase: 'Bound' } }, { subresource: 'status' });
    await h.createPod(
      boundPod('paths', {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'c',
            image: 'lite-test/busybox:1',
            command: ['sh', '-c', 'cat /host/from-host; echo pvc > /claim/written; echo sub > /sub/f; echo expr > /expr/f'],
            env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            volumeMounts: [
              { name: 'host', mountPath: '/host', readOnly: true },
              { name: 'data', mountPath: '/claim' },
              { name: 'data', mountPath: '/sub', subPath: 'nested/dir' },
              { name: 'data', mountPath: '/expr', subPathExpr: 'per-pod/$(POD)' },
            ],
          },
        ],
        volumes: [
          { name: 'host', hostPath: { path: hostDir, type: 'Directory' } },
          { name: 'data', persistentVolumeClaim: { claimName: 'claim' } },
        ],
      }),
    );
    await h.until(phaseIs(h, 'paths', 'Succeeded'), 'Succeeded', { stepMs: 1000 });
    expect(await containerLog(h, 'paths', 'c')).toBe('host data\n');
    expect(await readFile(join(hostDir, 'pv', 'written'), 'utf8')).toBe('pvc\n');
    expect(await readFile(join(hostDir, 'pv', 'nested/dir/f'), 'utf8')).toBe('sub\n');
    expect(await readFile(join(hostDir, 'pv', 'per-pod/paths/f'), 'utf8')).toBe('expr\n');
  });

  it('makes a local-path volume\'s directory world-writable (as local-path-provisioner), a plain DirectoryOrCreate 0755', async () => {
    h = await startHarness();
    const root = await mkdtemp(join(tmpdir(), 'lite-hostpath-'));
    hostDir = root;
    const bind = async (pv: string, annotations: Record<string, string>) => {
      await h.api.client.create(pvs, undefined, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pv, annotations }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: join(root, pv), type: 'DirectoryOrCreate' }, storageClassName: 'manual' } });
      await h.api.client.create(pvcs, 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `${pv}-claim` }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: pv, storageClassName: 'manual' } });
      const claim = await h.api.client.get(pvcs, 'default', `${pv}-claim`);
      await h.api.client.update(pvcs, 'default', { ...claim, status: { phase: 'Bound' } }, { subresource: 'status' });
    };
    await bind('provisioned', { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' });
    await bind('manual', {});
    await h.createPod(
      boundPod('claims', {
        containers: [{ name: 'c', image: 'app:1', volumeMounts: [{ name: 'a', mountPath: '/a' }, { name: 'b', mountPath: '/b' }] }],
        volumes: [
          { name: 'a', persistentVolumeClaim: { claimName: 'provisioned-claim' } },
          { name: 'b', persistentVolumeClaim: { claimName: 'manual-claim' } },
        ],
      }),
    );
    await h.until(phaseIs(h, 'claims', 'Running'), 'Running');
    expect((await stat(join(root, 'provisioned'))).mode & 0o7777).toBe(0o777);
    expect((await stat(join(root, 'manual'))).mode & 0o7777).toBe(0o755);
  });

  it('refuses a subPath that leaves the volume through a symlink', async () => {
    h = await startHarness();
    hostDir = await mkdtemp(join(tmpdir(), 'lite-hostpath-'));
    await symlink('/etc', join(hostDir, 'link'));
    await h.createPod(
      boundPod('escape', {
        containers: [{ name: 'c', image: 'app:1', volumeMounts: [{ name: 'v', mountPath: '/x', subPath: 'link' }] }],
        volumes: [{ name: 'v', hostPath: { path: hostDir } }],
      }),
    );
    const waiting = async () => (containerStatus(await h.getPod('escape'), 'c')?.state as JsonObject | undefined)?.waiting as JsonObject | undefined;
    await h.until(async () => (await waiting())?.reason === 'CreateContainerConfigError', 'CreateContainerConfigError');
    expect((await waiting())?.message).toBe('subpath "link" of volume mount "v" resolves outside the volume');
    expect(await h.runtime.listContainers()).toEqual([]);
  });
});
