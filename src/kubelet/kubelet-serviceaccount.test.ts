/**
 * Projected service-account volumes in the kubelet: the ServiceAccount admission's
 * kube-api-access volume materialised (token bound to the pod, ca.crt, namespace), the token
 * refreshed at 80% of its TTL through the token manager, and forgotten with the pod.
 */
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { boundPod, containerStatus, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

async function containerLog(h: Harness, pod: string, container: string): Promise<string> {
  const id = String(containerStatus(await h.getPod(pod), container)?.containerID ?? '').replace('sim://', '');
  if (!id) return '';
  let out = '';
  for await (const chunk of h.runtime.logs(id, { follow: false, timestamps: false })) out += Buffer.from(chunk).toString('utf8');
  return out;
}

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as JsonObject & { 'kubernetes.io': JsonObject };

describe('kubelet: service-account token volumes', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('materialises kube-api-access: a token bound to the pod, the cluster CA and the namespace', async () => {
    h = await startHarness({ serviceAccounts: true });
    await h.api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'CA PEM\n' } });
    const created = await h.createPod(
      boundPod('sa', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'lite-test/busybox:1', command: ['sh', '-c', 'cd /var/run/secrets/kubernetes.io/serviceaccount; cat namespace; echo; cat ca.crt; cat token'] }] }),
    );
    await h.until(async () => statusOf(await h.getPod('sa')).phase === 'Succeeded', 'the pod to succeed', { stepMs: 1000 });
    const log = await containerLog(h, 'sa', 'c');
    const [ns, ca, token] = log.split('\n');
    expect(ns).toBe('default');
    expect(ca).toBe('CA PEM');
    const c = claims(token ?? '');
    expect(c.sub).toBe('system:serviceaccount:default:default');
    expect(c['kubernetes.io'].pod).toEqual({ name: 'sa', uid: created.metadata.uid });
    // The 3607 s token of the admission is extended (warn-only) to a year.
    expect((c.exp as number) - (c.iat as number)).toBe(365 * 24 * 3600);
  });

  it('renews the token at 80% of its TTL', async () => {
    h = await startHarness({ serviceAccounts: true });
    const pod: KubeObject = boundPod('renew', {
      automountServiceAccountToken: false,
      containers: [{ name: 'c', image: 'lite-test/busybox:1', command: ['sleep', '100000'], volumeMounts: [{ name: 'tok', mountPath: '/tok' }] }],
      volumes: [{ name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 600, audience: 'vault' } }] } }],
    });
    const created = await h.createPod(pod);
    await h.until(async () => statusOf(await h.getPod('renew')).phase === 'Running', 'Running');
    const file = join(h.dataDir, 'kubelet', 'pods', created.metadata.uid ?? '', 'volumes', 'kubernetes.io~projected', 'tok', 't');
    const first = await readFile(file, 'utf8');
    // Atomic-writer layout; the projection's default mode (0644).
    expect(await readlink(file)).toBe('..data/t');
    expect((await lstat(file.replace(/t$/, '..data/t'))).mode & 0o777).toBe(0o644);
    expect(claims(first).aud).toEqual(['vault']);
    expect((claims(first).exp as number) - (claims(first).iat as number)).toBe(600);
    await h.advance(420_000, 30_000); // 70%: still the same token
    expect(await readFile(file, 'utf8')).toBe(first);
    await h.until(async () => (await readFile(file, 'utf8')) !== first, 'a renewed token', { stepMs: 10_000, maxSteps: 30 });
    const second = claims(await readFile(file, 'utf8'));
    expect(second.iat as number).toBeGreaterThanOrEqual((claims(first).iat as number) + 480);
    // Deleted, the pod's volume goes and the token manager forgets its token.
    await h.api.client.delete(resources.pods, 'default', 'renew', { gracePeriodSeconds: 0 });
    await h.until(async () => !(await lstat(file).then(() => true, () => false)), 'the volume removed', { stepMs: 1000 });
  });
});
