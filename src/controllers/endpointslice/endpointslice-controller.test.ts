import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJsonObject, rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { EndpointSliceController } from './endpointslice-controller.js';

describe('EndpointSliceController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new EndpointSliceController(api.context).run(api.signal);
    for (const [name, zone] of [
      ['node-1', 'zone-a'],
      ['node-2', 'zone-b'],
    ]) {
      await api.client.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } } });
    }
  });
  afterEach(() => api.stop());

  const service = (name: string, spec: JsonObject, labels?: Record<string, string>) =>
    api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name, ...(labels ? { labels } : {}) }, spec });

  async function pod(name: string, opts: { labels?: Record<string, string>; node?: string; ip?: string; ready?: boolean; spec?: JsonObject } = {}): Promise<KubeObject> {
    const created = await api.client.create(resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: opts.labels ?? { app: 'web' } },
      spec: { nodeName: opts.node ?? 'node-1', containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }], ...(opts.spec ?? {}) },
    });
    if (opts.ip === undefined) return created;
    return setStatus(created, opts.ip, opts.ready ?? true);
  }

  async function setStatus(p: KubeObject, ip: string, ready: boolean): Promise<KubeObject> {
    const current = await api.client.get(resources.pods, 'default', p.metadata.name ?? '');
    const status = {
      ...(isJsonObject(current.status) ? current.status : {}),
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: rfc3339(api.clock.now()) }],
    };
    return api.client.update(resources.pods, 'default', { ...current, status }, { subresource: 'status' });
  }

  const slicesOf = async (svc: string) => (await api.client.list(resources.endpointslices, 'default', { labelSelector: `kubernetes.io/service-name=${svc}` })).items;
  const endpoints = (slices: KubeObject[]) => slices.flatMap((s) => (Array.isArray(s.endpoints) ? (s.endpoints as JsonObject[]) : []));
  const byPod = (slices: KubeObject[], pod: string) => endpoints(slices).find((e) => isJsonObject(e.targetRef) && e.targetRef.name === pod);

  it('publishes ready and not-ready pods with their node, zone and conditions', async () => {
    const svc = await service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }, { team: 'a' });
    const p1 = await pod('web-1', { ip: '10.42.0.1', ready: true });
    await pod('web-2', { ip: '10.42.1.1', ready: false, node: 'node-2' });
    await pod('web-3'); // no IP yet
    await pod('other', { labels: { app: 'other' }, ip: '10.42.0.9' });

    await until(async () => endpoints(await slicesOf('web')).length === 2, 'two endpoints');
    const slices = await slicesOf('web');
    expect(slices).toHaveLength(1);
    const slice = slices[0];
    expect(slice.metadata.name?.startsWith('web-')).toBe(true);
    expect(slice.metadata.generateName).toBe('web-');
    expect(slice.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toBeDefined();
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect(byPod(slices, 'web-1')).toEqual({
      addresses: ['10.42.0.1'],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: p1.metadata.uid },
      nodeName: 'node-1',
      zone: 'zone-a',
    });
    expect(byPod(slices, 'web-2')).toMatchObject({ addresses: ['10.42.1.1'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'node-2', zone: 'zone-b' });

    // Readiness flips in place, in the same slice.
    await setStatus(await api.client.get(resources.pods, 'default', 'web-2'), '10.42.1.1', true);
    await until(async () => (byPod(await slicesOf('web'), 'web-2')?.conditions as JsonObject | undefined)?.ready === true, 'web-2 ready');
    expect((await slicesOf('web')).map((s) => s.metadata.name)).toEqual([slice.metadata.name]);

    // A terminating pod stays, serving but not ready.
    await api.client.delete(resources.pods, 'default', 'web-1');
    await until(async () => (byPod(await slicesOf('web'), 'web-1')?.conditions as JsonObject | undefined)?.terminating === true, 'web-1 terminating');
    expect(byPod(await slicesOf('web'), 'web-1')?.conditions).toEqual({ ready: false, serving: true, terminating: true });
    // Gone for good: removed.
    await api.client.delete(resources.pods, 'default', 'web-1', { gracePeriodSeconds: 0 });
    await until(async () => byPod(await slicesOf('web'), 'web-1') === undefined, 'web-1 removed');
  });

  it('keeps one empty placeholder slice for a Service without endpoints', async () => {
    await service('empty', { selector: { app: 'nothing' }, ports: [{ port: 80 }] });
    await until(async () => (await slicesOf('empty')).length === 1, 'placeholder');
    const [slice] = await slicesOf('empty');
    expect(endpoints([slice])).toEqual([]);
    expect(slice.ports ?? []).toEqual([]);
    // A pod arriving reuses the placeholder's name.
    await pod('e-1', { labels: { app: 'nothing' }, ip: '10.42.0.5' });
    await until(async () => endpoints(await slicesOf('empty')).length === 1, 'endpoint added');
    expect((await slicesOf('empty')).map((s) => s.metadata.name)).toEqual([slice.metadata.name]);
  });

  it('publishNotReadyAddresses marks not-ready pods ready', async () => {
    await service('pub', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], publishNotReadyAddresses: true });
    await pod('p-1', { ip: '10.42.0.1', ready: false });
    await until(async () => byPod(await slicesOf('pub'), 'p-1') !== undefined, 'endpoint');
    expect(byPod(await slicesOf('pub'), 'p-1')?.conditions).toEqual({ ready: true, serving: false, terminating: false });
  });

  it('headless Services get hostnames for pods of their subdomain', async () => {
    await service('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] });
    await pod('db-0', { labels: { app: 'db' }, ip: '10.42.0.7', spec: { hostname: 'db-0', subdomain: 'db' } });
    await pod('db-x', { labels: { app: 'db' }, ip: '10.42.0.8', spec: { hostname: 'db-x', subdomain: 'elsewhere' } });
    await until(async () => endpoints(await slicesOf('db')).length === 2, 'two endpoints');
    const slices = await slicesOf('db');
    expect(slices[0].metadata.labels?.['service.kubernetes.io/headless']).toBe('');
    expect(slices[0].ports).toEqual([{ name: 'pg', port: 5432, protocol: 'TCP' }]);
    expect(byPod(slices, 'db-0')?.hostname).toBe('db-0');
    expect(byPod(slices, 'db-x')?.hostname).toBeUndefined();
  });

  it('puts pods whose named port resolves differently into different slices', async () => {
    await service('named', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    await pod('a', { ip: '10.42.0.1' });
    await pod('b', {
      ip: '10.42.0.2',
      spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 9090 }] }] },
    });
    await until(async () => (await slicesOf('named')).length === 2 && endpoints(await slicesOf('named')).length === 2, 'two slices');
    const slices = await slicesOf('named');
    const portOf = (pod: string) => (slices.find((s) => byPod([s], pod)) as KubeObject).ports;
    expect(portOf('a')).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(portOf('b')).toEqual([{ name: 'http', port: 9090, protocol: 'TCP' }]);
  });

  it('splits above 100 endpoints per slice and shrinks back', async () => {
    await service('big', { selector: { app: 'big' }, ports: [{ port: 80 }] });
    for (let i = 0; i < 150; i++) await pod(`big-${i}`, { labels: { app: 'big' }, ip: `10.42.${Math.floor(i / 200)}.${(i % 200) + 1}` });
    await until(async () => endpoints(await slicesOf('big')).length === 150, '150 endpoints', 5000);
    let slices = await slicesOf('big');
    expect(slices.map((s) => endpoints([s]).length).sort((a, b) => a - b)).toEqual([50, 100]);
    for (let i = 0; i < 120; i++) await api.client.delete(resources.pods, 'default', `big-${i}`, { gracePeriodSeconds: 0 });
    await until(async () => endpoints(await slicesOf('big')).length === 30, '30 endpoints', 5000);
    slices = await slicesOf('big');
    expect(slices.every((s) => endpoints([s]).length <= 100)).toBe(true);
    expect(new Set(endpoints(slices).map((e) => (e.targetRef as JsonObject).name)).size).toBe(30);
  });

  it('leaves Services without a selector alone', async () => {
    await service('manual', { ports: [{ port: 80 }] });
    await service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
    await until(async () => (await slicesOf('web')).length === 1, 'selector service handled');
    expect(await slicesOf('manual')).toEqual([]);
  });

  it('reports pods on unknown nodes and adds them once the node exists', async () => {
    const svc = await service('lost', { selector: { app: 'lost' }, ports: [{ port: 80 }] });
    await pod('l-1', { labels: { app: 'lost' }, ip: '10.42.0.3', node: 'node-9' });
    await until(async () => (await api.events()).some((e) => e.reason === 'FailedToUpdateEndpointSlices'), 'event');
    const ev = (await api.events()).find((e) => e.reason === 'FailedToUpdateEndpointSlices');
    expect(ev?.type).toBe('Warning');
    expect(ev?.message).toBe('Error updating Endpoint Slices for Service default/lost: skipping Pod l-1 for Service default/lost: Node node-9 Not Found');
    expect((ev?.involvedObject as JsonObject).uid).toBe(svc.metadata.uid);
    await api.client.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-9' } });
    await until(async () => byPod(await slicesOf('lost'), 'l-1') !== undefined, 'pod added once its node exists');
  });
});
