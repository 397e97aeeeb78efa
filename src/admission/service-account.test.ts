import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import { FakeClock } from '../util/clock.js';
import { SYSTEM_USER } from '../registry/context.js';
import { ServiceAccountPlugin, tokenVolumeSource } from './service-account.js';

const podDef = { group: '', kind: 'Pod' } as ResourceDef;
const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

function plugin(accounts: KubeObject[], clock = new FakeClock()) {
  const lookups: string[] = [];
  const p = new ServiceAccountPlugin({
    clock,
    random: () => 0,
    getServiceAccount: async (ns, name) => {
      lookups.push(`${ns}/${name}`);
      return accounts.find((a) => a.metadata.namespace === ns && a.metadata.name === name);
    },
  });
  return { p, lookups, clock };
}

const sa = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'ns' }, ...extra });
const pod = (spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', ...(annotations ? { annotations } : {}) }, spec });
const admit = (p: ServiceAccountPlugin, obj: KubeObject, operation: 'create' | 'update' = 'create') => p.admit({ operation, def: podDef, object: obj, old: undefined, ctx: { user: SYSTEM_USER } });

describe('ServiceAccount admission', () => {
  it('defaults the service account and mounts kube-api-access into init and app containers', async () => {
    const { p } = plugin([sa('default')]);
    const obj = pod({ initContainers: [{ name: 'i', image: 'x' }], containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x', volumeMounts: [{ name: 'mine', mountPath: MOUNT }] }], volumes: [{ name: 'mine', emptyDir: {} }] });
    await admit(p, obj);
    const spec = obj.spec as { serviceAccountName: string; volumes: { name: string }[]; initContainers: { volumeMounts: unknown[] }[]; containers: { volumeMounts: unknown[] }[] };
    expect(spec.serviceAccountName).toBe('default');
    expect((obj.spec as { serviceAccount: string }).serviceAccount).toBe('default');
    expect(spec.volumes).toEqual([{ name: 'mine', emptyDir: {} }, { name: 'kube-api-access-bbbbb', projected: tokenVolumeSource() }]);
    const mount = { name: 'kube-api-access-bbbbb', readOnly: true, mountPath: MOUNT };
    expect(spec.initContainers[0].volumeMounts).toEqual([mount]);
    expect(spec.containers[0].volumeMounts).toEqual([mount]);
    // Something already mounted at the path wins.
    expect(spec.containers[1].volumeMounts).toEqual([{ name: 'mine', mountPath: MOUNT }]);
  });

  it('honours automountServiceAccountToken (the pod wins over the service account)', async () => {
    const { p } = plugin([sa('default'), sa('quiet', { automountServiceAccountToken: false })]);
    const a = pod({ containers: [{ name: 'a', image: 'x' }], automountServiceAccountToken: false });
    await admit(p, a);
    expect((a.spec as { volumes?: unknown }).volumes).toBeUndefined();
    const b = pod({ serviceAccountName: 'quiet', containers: [{ name: 'a', image: 'x' }] });
    await admit(p, b);
    expect((b.spec as { volumes?: unknown }).volumes).toBeUndefined();
    const c = pod({ serviceAccountName: 'quiet', automountServiceAccountToken: true, containers: [{ name: 'a', image: 'x' }] });
    await admit(p, c);
    expect((c.spec as { volumes: unknown[] }).volumes).toHaveLength(1);
  });

  it('takes the deprecated serviceAccount field when serviceAccountName is empty', async () => {
    const { p } = plugin([sa('robot')]);
    const a = pod({ serviceAccount: 'robot', containers: [{ name: 'a', image: 'x' }] });
    await admit(p, a);
    expect(a.spec).toMatchObject({ serviceAccountName: 'robot', serviceAccount: 'robot' });
  });

  it('copies imagePullSecrets from the service account to a pod without any', async () => {
    const { p } = plugin([sa('default', { imagePullSecrets: [{ name: 'reg' }] })]);
    const a = pod({ containers: [{ name: 'a', image: 'x' }] });
    await admit(p, a);
    expect((a.spec as { imagePullSecrets: unknown }).imagePullSecrets).toEqual([{ name: 'reg' }]);
  });

  it('refuses a missing service account with upstream wording; waits for default a while', async () => {
    const { p, lookups } = plugin([]);
    await expect(admit(p, pod({ serviceAccountName: 'ghost', containers: [] }))).rejects.toMatchObject({ code: 403, message: 'pods "p" is forbidden: error looking up service account ns/ghost: serviceaccount "ghost" not found' });
    expect(lookups).toEqual(['ns/ghost']);

    const clock = new FakeClock();
    const accounts: KubeObject[] = [];
    const q = plugin(accounts, clock);
    const pending = admit(q.p, pod({ containers: [{ name: 'a', image: 'x' }] }));
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(100);
    }
    accounts.push(sa('default'));
    for (let i = 0; i < 3 && q.lookups.length < 5; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(100);
    }
    await expect(pending).resolves.toBeUndefined();
    expect(q.lookups.length).toBeGreaterThan(1);
  });

  it('leaves updates alone and keeps mirror pods free of service accounts and secrets', async () => {
    const { p } = plugin([sa('default')]);
    const u = pod({ containers: [{ name: 'a', image: 'x' }] });
    await admit(p, u, 'update');
    expect((u.spec as { serviceAccountName?: string }).serviceAccountName).toBeUndefined();
    const v = pod({ serviceAccountName: 'default', containers: [{ name: 'a', image: 'x' }] });
    await admit(p, v, 'update');
    expect(v.spec).toEqual({ serviceAccountName: 'default', serviceAccount: 'default', containers: [{ name: 'a', image: 'x' }] });
    const mirror = pod({ containers: [{ name: 'a', image: 'x' }] }, { 'kubernetes.io/config.mirror': 'h' });
    await admit(p, mirror);
    expect(mirror.spec).toEqual({ containers: [{ name: 'a', image: 'x' }] });
    await expect(admit(p, pod({ serviceAccountName: 'default', containers: [] }, { 'kubernetes.io/config.mirror': 'h' }))).rejects.toMatchObject({ message: 'pods "p" is forbidden: a mirror pod may not reference service accounts' });
    await expect(admit(p, pod({ containers: [], volumes: [{ name: 's', secret: { secretName: 'x' } }] }, { 'kubernetes.io/config.mirror': 'h' }))).rejects.toMatchObject({ message: 'pods "p" is forbidden: a mirror pod may not reference secrets' });
  });
});
