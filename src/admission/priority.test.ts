import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import { startTestApi, until, type TestApi } from '../controllers/testing/test-api.js';
import { SYSTEM_USER } from '../registry/context.js';
import type { AdmissionRequest } from './admission.js';
import { ensureSystemPriorityClasses } from './pod-priority-bootstrap.js';
import { PriorityClassCache, priorityClassesResource, PriorityPlugin, type PriorityClassInfo, type PriorityClassLookup } from './priority.js';

const podDef = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true } as unknown as ResourceDef;
const pcDef = { group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false } as unknown as ResourceDef;

class FakeClasses implements PriorityClassLookup {
  readonly classes = new Map<string, PriorityClassInfo>();
  add(name: string, value: number, extra: Partial<PriorityClassInfo> = {}): this {
    this.classes.set(name, { name, value, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority', ...extra });
    return this;
  }
  async get(name: string) {
    return this.classes.get(name);
  }
  async defaultClass() {
    let best: PriorityClassInfo | undefined;
    for (const c of this.classes.values()) if (c.globalDefault && (!best || c.value < best.value)) best = c;
    return best;
  }
}

function req(def: ResourceDef, object: KubeObject, operation: AdmissionRequest['operation'] = 'create', old?: KubeObject): AdmissionRequest {
  return { operation, def, object, old, ctx: { user: SYSTEM_USER } };
}

function pod(spec: Record<string, unknown> = {}, name = 'p'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } };
}

async function rejection(p: Promise<void>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('PriorityPlugin', () => {
  it('handles pods and priority classes only', () => {
    const plugin = new PriorityPlugin(new FakeClasses());
    expect(plugin.handles(podDef)).toBe(true);
    expect(plugin.handles(pcDef)).toBe(true);
    expect(plugin.handles({ ...podDef, kind: 'Service' } as ResourceDef)).toBe(false);
  });

  it('resolves the class name to priority and preemption policy', async () => {
    const plugin = new PriorityPlugin(new FakeClasses().add('high', 1000, { preemptionPolicy: 'Never' }));
    const p = pod({ priorityClassName: 'high' });
    await plugin.admit(req(podDef, p));
    expect(p.spec).toMatchObject({ priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' });
  });

  it('defaults to 0 and PreemptLowerPriority without a default class', async () => {
    const p = pod();
    await new PriorityPlugin(new FakeClasses().add('high', 1000)).admit(req(podDef, p));
    expect(p.spec).toMatchObject({ priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
    expect((p.spec as Record<string, unknown>).priorityClassName).toBeUndefined();
  });

  it('uses the lowest-valued globalDefault class', async () => {
    const classes = new FakeClasses().add('d1', 500, { globalDefault: true }).add('d2', 100, { globalDefault: true });
    const p = pod();
    await new PriorityPlugin(classes).admit(req(podDef, p));
    expect(p.spec).toMatchObject({ priorityClassName: 'd2', priority: 100 });
  });

  it('refuses unknown classes and conflicting values with upstream messages', async () => {
    const plugin = new PriorityPlugin(new FakeClasses().add('high', 1000));
    const unknown = await rejection(plugin.admit(req(podDef, pod({ priorityClassName: 'nope' }, 'x'))));
    expect(unknown.code).toBe(403);
    expect(unknown.message).toBe('pods "x" is forbidden: no PriorityClass with name nope was found');
    const wrong = await rejection(plugin.admit(req(podDef, pod({ priorityClassName: 'high', priority: 5 }))));
    expect(wrong.message).toBe('pods "p" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name');
    const policy = await rejection(plugin.admit(req(podDef, pod({ priorityClassName: 'high', preemptionPolicy: 'Never' }))));
    expect(policy.message).toBe(
      'pods "p" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name',
    );
    // Matching values are accepted.
    await plugin.admit(req(podDef, pod({ priorityClassName: 'high', priority: 1000 })));
  });

  it('names generated pods by their prefix', async () => {
    const p: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', namespace: 'default' }, spec: { priorityClassName: 'nope' } };
    expect((await rejection(new PriorityPlugin(new FakeClasses()).admit(req(podDef, p)))).message).toBe('pods "web-" is forbidden: no PriorityClass with name nope was found');
  });

  it('keeps the priority fields on update', async () => {
    const old = pod({ priority: 7, preemptionPolicy: 'Never' });
    const next = pod();
    await new PriorityPlugin(new FakeClasses()).admit(req(podDef, next, 'update', old));
    expect(next.spec).toMatchObject({ priority: 7, preemptionPolicy: 'Never' });
  });

  it('allows one globalDefault class and protects the system classes', async () => {
    const plugin = new PriorityPlugin(new FakeClasses().add('d1', 5, { globalDefault: true }));
    const second = await rejection(plugin.admit(req(pcDef, { metadata: { name: 'd2' }, value: 1, globalDefault: true })));
    expect(second.message).toBe('priorityclasses.scheduling.k8s.io "d2" is forbidden: PriorityClass d1 is already marked as default. Only one default can exist');
    await plugin.admit(req(pcDef, { metadata: { name: 'd1' }, value: 5, globalDefault: true }, 'update'));
    const del = await rejection(plugin.admit(req(pcDef, { metadata: { name: 'system-node-critical' }, value: 2000001000 }, 'delete')));
    expect(del.message).toBe('priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted');
  });
});

describe('PriorityClassCache and the system classes', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  it('creates the system classes once and resolves them through the cache', async () => {
    await ensureSystemPriorityClasses(api.client);
    await ensureSystemPriorityClasses(api.client);
    const list = await api.client.list(priorityClassesResource, undefined);
    expect(list.items.map((c) => [c.metadata.name, c.value]).sort()).toEqual([
      ['system-cluster-critical', 2000000000],
      ['system-node-critical', 2000001000],
    ]);
    const cache = new PriorityClassCache({ client: api.client, clock: api.clock, logger: api.context.logger });
    void cache.run(api.signal);
    expect(await cache.get('system-node-critical')).toMatchObject({ value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' });
    expect(await cache.defaultClass()).toBeUndefined();
    await api.client.create(priorityClassesResource, undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'batch' }, value: 10, globalDefault: true });
    await until(async () => (await cache.defaultClass())?.name === 'batch', 'default class seen');
    await api.client.delete(priorityClassesResource, undefined, 'batch');
    await until(async () => (await cache.defaultClass()) === undefined, 'default class gone');
    expect(await cache.get('missing')).toBeUndefined();
  });
});
