import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import { SYSTEM_USER } from '../registry/context.js';
import type { AdmissionRequest } from './admission.js';
import { DefaultTolerationSecondsPlugin } from './default-toleration-seconds.js';

const podDef = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true } as unknown as ResourceDef;

function request(pod: KubeObject, operation: AdmissionRequest['operation'] = 'create'): AdmissionRequest {
  return { operation, def: podDef, object: pod, old: undefined, ctx: { user: SYSTEM_USER } };
}

function pod(tolerations?: unknown[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...(tolerations ? { tolerations } : {}) } };
}

const notReady = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const unreachable = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

describe('DefaultTolerationSecondsPlugin', () => {
  const plugin = new DefaultTolerationSecondsPlugin();

  it('handles pods only', () => {
    expect(plugin.handles(podDef)).toBe(true);
    expect(plugin.handles({ ...podDef, kind: 'Service', plural: 'services' } as ResourceDef)).toBe(false);
    expect(plugin.handles({ ...podDef, group: 'apps', kind: 'Pod' } as ResourceDef)).toBe(false);
  });

  it('adds both tolerations to a new pod', () => {
    const p = pod();
    plugin.admit(request(p));
    expect((p.spec as { tolerations: unknown[] }).tolerations).toEqual([notReady, unreachable]);
  });

  it('keeps existing tolerations and adds only what is missing', () => {
    const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 };
    const other = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };
    const p = pod([other, own]);
    plugin.admit(request(p));
    expect((p.spec as { tolerations: unknown[] }).tolerations).toEqual([other, own, notReady]);
  });

  it('treats an empty key or empty effect as tolerating', () => {
    const all = { operator: 'Exists' };
    const p = pod([all]);
    plugin.admit(request(p));
    expect((p.spec as { tolerations: unknown[] }).tolerations).toEqual([all]);

    const anyEffect = { key: 'node.kubernetes.io/not-ready', operator: 'Exists' };
    const q = pod([anyEffect]);
    plugin.admit(request(q));
    expect((q.spec as { tolerations: unknown[] }).tolerations).toEqual([anyEffect, unreachable]);
  });

  it('does not count a toleration of another effect', () => {
    const noSchedule = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' };
    const p = pod([noSchedule]);
    plugin.admit(request(p));
    expect((p.spec as { tolerations: unknown[] }).tolerations).toEqual([noSchedule, notReady, unreachable]);
  });

  it('uses configured seconds and leaves updates alone', () => {
    const custom = new DefaultTolerationSecondsPlugin({ notReadyTolerationSeconds: 10, unreachableTolerationSeconds: 20 });
    const p = pod();
    custom.admit(request(p));
    expect((p.spec as { tolerations: { tolerationSeconds: number }[] }).tolerations.map((t) => t.tolerationSeconds)).toEqual([10, 20]);
    const u = pod();
    custom.admit(request(u, 'update'));
    expect((u.spec as { tolerations?: unknown[] }).tolerations).toBeUndefined();
  });
});
