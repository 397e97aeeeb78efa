import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { EndpointsController, type EndpointsControllerOptions } from './endpoints-controller.js';

describe('EndpointsController', () => {
  let api: TestApi;
  const start = (options?: EndpointsControllerOptions) => void new EndpointsController(api.context, options).run(api.signal);
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  const service = (name: string, spec: JsonObject, labels?: Record<string, string>) =>
    api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name, ...(labels ? { labels } : {}) }, spec });

  async function pod(name: string, opts: { labels?: Record<string, string>; ip?: string; ready?: boolean; port?: number; spec?: JsonObject } = {}): Promise<KubeObject> {
    const created = await api.client.create(resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: opts.labels ?? { app: 'web' } },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: opts.port ?? 8080 }] }], ...(opts.spec ?? {}) },
    });
    if (opts.ip === undefined) return created;
    const status = {
      ...(isJsonObject(created.status) ? created.status : {}),
      phase: 'Running',
      podIP: opts.ip,
      podIPs: [{ ip: opts.ip }],
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: rfc3339(api.clock.now()) }],
    };
    return api.client.update(resources.pods, 'default', { ...created, status }, { subresource: 'status' });
  }

  const endpoints = async (name: string): Promise<KubeObject | undefined> => {
    try {
      return await api.client.get(resources.endpoints, 'default', name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  };
  const subsets = (ep: KubeObject | undefined) => (Array.isArray(ep?.subsets) ? (ep.subsets as JsonObject[]) : []);
  const ips = (list: unknown) => (Array.isArray(list) ? list.map((a) => (a as JsonObject).ip) : []);

  it('lists ready and not-ready pods by port set, with the Service labels and trigger time', async () => {
    start();
    await service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }, { team: 'a' });
    const p1 = await pod('web-1', { ip: '10.42.0.2' });
    await pod('web-2', { ip: '10.42.0.1', ready: false });
    await pod('web-3');
    await until(async () => subsets(await endpoints('web')).length === 1 && ips(subsets(await endpoints('web'))[0].notReadyAddresses).length === 1, 'endpoints');
    const ep = await endpoints('web');
    expect(ep?.metadata.labels).toEqual({ team: 'a' });
    expect(ep?.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toBeDefined();
    expect(subsets(ep)).toEqual([
      {
        addresses: [{ ip: '10.42.0.2', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: p1.metadata.uid } }],
        notReadyAddresses: [{ ip: '10.42.0.1', nodeName: 'node-1', targetRef: expect.objectContaining({ name: 'web-2' }) as unknown }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);

    // A pod serving the named port on another number forms its own subset.
    await pod('web-4', { ip: '10.42.0.4', port: 9090 });
    await until(async () => subsets(await endpoints('web')).length === 2, 'two subsets');
    const ports = subsets(await endpoints('web')).map((s) => [(s.ports as JsonObject[])[0].port, ips(s.addresses)]);
    expect(ports).toEqual(
      expect.arrayContaining([
        [8080, ['10.42.0.2']],
        [9090, ['10.42.0.4']],
      ]),
    );

    // A terminating pod leaves (the Service does not publish not-ready addresses).
    await api.client.delete(resources.pods, 'default', 'web-1');
    await until(async () => !subsets(await endpoints('web')).some((s) => ips(s.addresses).includes('10.42.0.2')), 'terminating pod removed');
  });

  it('publishNotReadyAddresses lists every pod as ready, terminating ones included', async () => {
    start();
    await service('pub', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], publishNotReadyAddresses: true });
    await pod('a', { ip: '10.42.0.1', ready: false });
    await pod('b', { ip: '10.42.0.2' });
    await api.client.delete(resources.pods, 'default', 'b');
    await until(async () => ips(subsets(await endpoints('pub'))[0]?.addresses).length === 2, 'both addresses ready');
    expect(subsets(await endpoints('pub'))[0].notReadyAddresses).toBeUndefined();
    expect(subsets(await endpoints('pub'))[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
  });

  it('headless Services without ports list addresses with hostnames', async () => {
    start();
    await service('db', { clusterIP: 'None', selector: { app: 'db' } });
    await pod('db-0', { labels: { app: 'db' }, ip: '10.42.0.7', spec: { hostname: 'db-0', subdomain: 'db' } });
    await until(async () => subsets(await endpoints('db')).length === 1, 'subset');
    const ep = await endpoints('db');
    expect(ep?.metadata.labels).toEqual({ 'service.kubernetes.io/headless': '' });
    expect(subsets(ep)).toEqual([{ addresses: [expect.objectContaining({ ip: '10.42.0.7', hostname: 'db-0', nodeName: 'node-1' }) as unknown] }]);
  });

  it('truncates above capacity, keeping ready addresses first', async () => {
    start({ maxCapacity: 5 });
    await service('big', { selector: { app: 'big' }, ports: [{ port: 80 }] });
    for (let i = 1; i <= 3; i++) await pod(`r-${i}`, { labels: { app: 'big' }, ip: `10.42.0.${i}` });
    for (let i = 1; i <= 4; i++) await pod(`n-${i}`, { labels: { app: 'big' }, ip: `10.42.1.${i}`, ready: false });
    await until(async () => (await endpoints('big'))?.metadata.annotations?.['endpoints.kubernetes.io/over-capacity'] === 'truncated', 'truncated');
    const [s] = subsets(await endpoints('big'));
    expect(ips(s.addresses)).toEqual(['10.42.0.1', '10.42.0.2', '10.42.0.3']);
    expect(ips(s.notReadyAddresses)).toHaveLength(2);
    // Back under capacity: the annotation goes.
    for (let i = 1; i <= 4; i++) await api.client.delete(resources.pods, 'default', `n-${i}`, { gracePeriodSeconds: 0 });
    await until(async () => (await endpoints('big'))?.metadata.annotations?.['endpoints.kubernetes.io/over-capacity'] === undefined, 'annotation removed');
  });

  it('leaves Services without a selector alone and deletes the Endpoints of deleted Services', async () => {
    start();
    await service('manual', { ports: [{ port: 80 }] });
    await api.client.create(resources.endpoints, 'default', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'manual' },
      subsets: [{ addresses: [{ ip: '192.168.1.1' }], ports: [{ port: 80 }] }],
    });
    await service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
    await until(async () => (await endpoints('web')) !== undefined, 'web endpoints');
    expect(ips(subsets(await endpoints('manual'))[0].addresses)).toEqual(['192.168.1.1']);
    await api.client.delete(resources.services, 'default', 'web');
    await until(async () => (await endpoints('web')) === undefined, 'endpoints of a deleted service removed');
    // Recreated when deleted while the Service exists.
    await service('again', { selector: { app: 'web' }, ports: [{ port: 80 }] });
    await until(async () => (await endpoints('again')) !== undefined, 'created');
    await api.client.delete(resources.endpoints, 'default', 'again');
    await until(async () => (await endpoints('again')) !== undefined, 'recreated');
  });

  it('removes Endpoints left without a Service at start, leader-election records excepted', async () => {
    await api.client.create(resources.endpoints, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'orphan' } });
    await api.client.create(resources.endpoints, 'default', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'leader', annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } },
    });
    start();
    await until(async () => (await endpoints('orphan')) === undefined, 'leftover removed');
    expect(await endpoints('leader')).toBeDefined();
  });
});
