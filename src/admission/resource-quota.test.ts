/**
 * The plugin is exercised through the real API (startTestApi, whose admission chain built by
 * buildApiCore ends with ResourceQuota) with the ResourceQuota controller running.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { JsonObject, KubeObject } from '../api/object.js';
import { resources, type ResourceRef } from '../client/client.js';
import { RESOURCE_QUOTAS, ResourceQuotaController } from '../controllers/resourcequota/resource-quota-controller.js';
import { startTestApi, until, type TestApi } from '../controllers/testing/test-api.js';

const NS = 'default';

describe('ResourceQuotaAdmission', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new ResourceQuotaController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  /** A write through the API, and so through the admission chain with this plugin in it. */
  const write = async (ref: ResourceRef, o: KubeObject, options: { old?: KubeObject; dryRun?: boolean } = {}): Promise<KubeObject> => {
    const object = structuredClone(o);
    object.metadata.namespace = NS;
    const opts = options.dryRun ? { dryRun: true } : {};
    return options.old ? await api.client.update(ref, NS, object, opts) : await api.client.create(ref, NS, object, opts);
  };
  const refusal = async (ref: ResourceRef, o: KubeObject, options?: { old?: KubeObject }): Promise<string> => {
    try {
      await write(ref, o, options);
    } catch (e) {
      if (e instanceof ApiError && e.code === 403) return e.message;
      throw e;
    }
    throw new Error('write was admitted');
  };

  const pod = (name: string, requests?: Record<string, string>, limits?: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }] },
  });
  const quota = async (name: string, hard: Record<string, string>, extra: JsonObject = {}) => {
    await api.client.create(RESOURCE_QUOTAS, NS, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard, ...extra } });
    // Admission enforces a quota once the controller has calculated it and the plugin has seen that.
    await until(async () => {
      const q = await api.client.get(RESOURCE_QUOTAS, NS, name);
      const used = (q.status as JsonObject | undefined)?.used;
      return used !== undefined;
    }, `${name} calculated`);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  const used = async (name: string) => ((await api.client.get(RESOURCE_QUOTAS, NS, name)).status as { used: Record<string, string> }).used;

  it('charges admitted pods and refuses those that exceed, with upstream’s message', async () => {
    await quota('compute', { 'requests.cpu': '2', 'requests.memory': '1Gi' });
    await write(resources.pods, pod('one', { cpu: '1', memory: '256Mi' }));
    expect(await used('compute')).toEqual({ 'requests.cpu': '1', 'requests.memory': '256Mi' });
    expect(await refusal(resources.pods, pod('x', { cpu: '2', memory: '256Mi' }))).toBe(
      'pods "x" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=1, limited: requests.cpu=2',
    );
    // Several resources over at once are listed together, sorted.
    expect(await refusal(resources.pods, pod('y', { cpu: '1500m', memory: '1Gi' }))).toBe(
      'pods "y" is forbidden: exceeded quota: compute, requested: requests.cpu=1500m,requests.memory=1Gi, used: requests.cpu=1,requests.memory=256Mi, limited: requests.cpu=2,requests.memory=1Gi',
    );
    await write(resources.pods, pod('two', { cpu: '1', memory: '256Mi' }));
    expect(await used('compute')).toEqual({ 'requests.cpu': '2', 'requests.memory': '512Mi' });
    // A generated name is in the message, as a ReplicaSet's FailedCreate event shows it upstream.
    const generated = pod('', { cpu: '1', memory: '1Mi' });
    generated.metadata = { generateName: 'web-5d9c7c9b8-' };
    expect(await refusal(resources.pods, generated)).toMatch(/^pods "web-5d9c7c9b8-[a-z0-9]{5}" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=2, limited: requests.cpu=2$/);
  });

  it('refuses pods that do not state what a quota tracks', async () => {
    await quota('compute', { 'requests.cpu': '2', 'limits.cpu': '4', pods: '5' });
    expect(await refusal(resources.pods, pod('nores'))).toBe('pods "nores" is forbidden: failed quota: compute: must specify limits.cpu for: c; requests.cpu for: c');
    // Limits alone are enough: requests default to them.
    await write(resources.pods, pod('lim', undefined, { cpu: '1' }));
    expect(await used('compute')).toEqual({ 'limits.cpu': '1', pods: '1', 'requests.cpu': '1' });
  });

  it('admits exactly what fits when creates race', async () => {
    await quota('pods', { pods: '3', 'count/pods': '10' });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => write(resources.pods, pod(`p${i}`))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    expect(reasons).toHaveLength(5);
    for (const m of reasons) expect(m).toMatch(/^pods "p\d" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=3, limited: pods=3$/);
    expect(await used('pods')).toEqual({ 'count/pods': '3', pods: '3' });
    expect((await api.client.list(resources.pods, NS)).items).toHaveLength(3);
  });

  it('does not charge dry runs, and refunds writes that fail after admission', async () => {
    await quota('counts', { configmaps: '2' });
    await write(resources.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } }, { dryRun: true });
    expect(await used('counts')).toEqual({ configmaps: '0' });
    await write(resources.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    // Admitted and charged, then refused by the registry (the name is taken): the charge is given back.
    await expect(write(resources.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } })).rejects.toMatchObject({ code: 409 });
    await until(async () => (await used('counts')).configmaps === '1', 'refund');
    await write(resources.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    expect(await refusal(resources.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toBe(
      'configmaps "c" is forbidden: exceeded quota: counts, requested: configmaps=1, used: configmaps=2, limited: configmaps=2',
    );
  });

  it('applies scoped quotas only to the pods in scope', async () => {
    await quota('besteffort', { pods: '1' }, { scopes: ['BestEffort'] });
    await write(resources.pods, pod('be1'));
    expect(await refusal(resources.pods, pod('be2'))).toBe('pods "be2" is forbidden: exceeded quota: besteffort, requested: pods=1, used: pods=1, limited: pods=1');
    await write(resources.pods, pod('burstable', { cpu: '100m' }));
    expect(await used('besteffort')).toEqual({ pods: '1' });
  });

  it('charges Service updates by their increase', async () => {
    await quota('svc', { services: '2', 'services.nodeports': '2' });
    const svc = await write(resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }, { name: 'c', port: 82 }] } });
    expect(await used('svc')).toEqual({ services: '1', 'services.nodeports': '0' });
    const asNodePort: KubeObject = { ...svc, spec: { ...(svc.spec as JsonObject), type: 'NodePort' } };
    expect(await refusal(resources.services, asNodePort, { old: svc })).toBe(
      'services "web" is forbidden: exceeded quota: svc, requested: services.nodeports=3, used: services.nodeports=0, limited: services.nodeports=2',
    );
  });

  it('refuses writes against a quota whose usage is unknown', async () => {
    await quota('q', { pods: '5' });
    const q = await api.client.get(RESOURCE_QUOTAS, NS, 'q');
    await api.client.update(RESOURCE_QUOTAS, NS, { ...q, status: { hard: { pods: '5' } } }, { subresource: 'status' });
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(await refusal(resources.pods, pod('p'))).toBe('pods "p" is forbidden: status unknown for quota: q, resources: pods');
  });

  it('lets everything through in namespaces without quotas', async () => {
    await write(resources.pods, pod('free'));
    await write(resources.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'free' } });
    expect((await api.client.list(RESOURCE_QUOTAS, NS)).items).toHaveLength(0);
  });
});
