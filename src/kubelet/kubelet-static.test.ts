/**
 * Static pods: run from manifests without the API, mirrored as mirror pods (recreated when deleted,
 * replaced when the manifest changes, removed with the manifest), status written to the mirror.
 */
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { LABELS } from '../runtime/container-runtime.js';
import { CONFIG_HASH, CONFIG_MIRROR, CONFIG_SOURCE } from './static-pods.js';
import { condition, NODE_NAME, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

const manifest = (image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
  labels:
    component: etcd
spec:
  containers:
  - name: etcd
    image: ${image}
`;

describe('kubelet: static pods', () => {
  let h: Harness;
  let dir: string;
  afterEach(async () => {
    await h?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const mirror = () => h.getPod(`etcd-${NODE_NAME}`, 'kube-system');

  it('runs a manifest, mirrors it, recreates a deleted mirror, follows manifest changes and removal', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lite-static-'));
    await writeFile(join(dir, 'etcd.yaml'), manifest('app:1'));
    await writeFile(join(dir, '.hidden.yaml'), 'not: a pod');
    await writeFile(join(dir, 'broken.yaml'), 'kind: Pod\nmetadata: {}\n');
    h = await startHarness({ staticPodDir: dir });
    await h.until(async () => condition(await mirror(), 'Ready')?.status === 'True', 'the mirror pod to be Ready');
    let m = (await mirror()) as KubeObject;
    const hash = m.metadata.annotations?.[CONFIG_HASH];
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(m.metadata.annotations?.[CONFIG_MIRROR]).toBe(hash);
    expect(m.metadata.annotations?.[CONFIG_SOURCE]).toBe('file');
    expect(m.metadata.uid).not.toBe(hash);
    expect(m.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Node', name: NODE_NAME, controller: true })]);
    expect((m.spec as JsonObject).nodeName).toBe(NODE_NAME);
    expect(statusOf(m).phase).toBe('Running');
    // The containers belong to the static pod (its UID is the manifest hash), not to the mirror.
    const containers = await h.runtime.listContainers();
    expect(containers.map((c) => c.labels[LABELS.podUid])).toEqual([hash]);

    // Deleting the mirror pod does not stop the static pod: the mirror comes back.
    await h.api.client.delete(resources.pods, 'kube-system', `etcd-${NODE_NAME}`);
    await h.until(async () => {
      const again = await mirror();
      return again !== undefined && again.metadata.uid !== m.metadata.uid && again.metadata.deletionTimestamp === undefined;
    }, 'the mirror pod to be recreated');
    expect((await h.runtime.listContainers()).map((c) => c.id)).toEqual(containers.map((c) => c.id));
    await h.until(async () => statusOf(await mirror()).phase === 'Running', 'the new mirror to get the status');

    // A changed manifest is a new pod: the old one stops, a new mirror replaces the old.
    await writeFile(join(dir, 'etcd.yaml'), manifest('app:2'));
    await h.until(async () => {
      const next = await mirror();
      return next?.metadata.annotations?.[CONFIG_MIRROR] !== undefined && next.metadata.annotations[CONFIG_MIRROR] !== hash && statusOf(next).phase === 'Running';
    }, 'the mirror of the new manifest', { stepMs: 5000, maxSteps: 20 });
    await h.until(async () => (await h.runtime.listContainers()).every((c) => c.labels[LABELS.podUid] !== hash), 'the old static pod to be removed', { stepMs: 1000, maxSteps: 40 });
    m = (await mirror()) as KubeObject;
    expect((m.spec as JsonObject).containers).toEqual([expect.objectContaining({ image: 'app:2' })]);

    // The manifest goes: the pod stops and its mirror is deleted.
    await unlink(join(dir, 'etcd.yaml'));
    await h.until(async () => (await mirror()) === undefined && (await h.runtime.listContainers()).length === 0, 'the static pod to be gone', { stepMs: 5000, maxSteps: 30 });
  });

  it('keeps a running static pod across a kubelet restart and deletes orphaned mirror pods', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lite-static-'));
    await writeFile(join(dir, 'etcd.yaml'), manifest('app:1'));
    h = await startHarness({ staticPodDir: dir });
    await h.until(async () => statusOf(await mirror()).phase === 'Running', 'Running');
    const ids = (await h.runtime.listContainers()).map((c) => c.id);
    await h.restartKubelet();
    await h.kubelet.whenSynced();
    await h.advance(5000, 1000);
    expect((await h.runtime.listContainers()).map((c) => c.id)).toEqual(ids);
    // A mirror pod whose manifest is gone while the kubelet is down is deleted when it comes back.
    await h.kubelet.stop();
    await unlink(join(dir, 'etcd.yaml'));
    await h.restartKubelet();
    await h.until(async () => (await mirror()) === undefined && (await h.runtime.listContainers()).length === 0, 'the orphaned mirror and containers to be removed', { stepMs: 1000, maxSteps: 40 });
  });
});
