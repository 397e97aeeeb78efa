import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { createReadyNode, startTestApi, until, type TestApi } from '../../controllers/testing/test-api.js';
import { ServiceLbController } from './servicelb-controller.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(() => api.stop());

async function node(name: string, addresses: { type: string; address: string }[], labels: Record<string, string> = {}, ready = true): Promise<void> {
  await createReadyNode(api.client, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } });
  await api.client.patch(resources.nodes, undefined, name, 'merge', { status: { addresses, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
}

async function lbService(name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): Promise<void> {
  await api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name, labels }, spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec } });
}

async function ingress(name: string): Promise<string[] | undefined> {
  const s = await api.client.get(resources.services, 'default', name);
  const lb = isJsonObject(s.status) && isJsonObject(s.status.loadBalancer) ? s.status.loadBalancer : {};
  return Array.isArray(lb.ingress) ? lb.ingress.map((i) => (isJsonObject(i) ? (i.ip as string) : '')) : undefined;
}

const settle = async () => {
  for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
};

function start(): void {
  void new ServiceLbController(api.context).run(api.signal);
}

describe('ServiceLbController', () => {
  it('lists the InternalIPs of ready nodes, and follows nodes coming and going', async () => {
    await node('a', [{ type: 'InternalIP', address: '192.168.5.11' }, { type: 'Hostname', address: 'a' }]);
    await node('b', [{ type: 'InternalIP', address: '192.168.5.10' }]);
    await node('c', [{ type: 'InternalIP', address: '192.168.5.12' }], {}, false);
    await lbService('web');
    await api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'plain' }, spec: { ports: [{ port: 80 }] } });
    start();
    await until(async () => (await ingress('web')) !== undefined, 'ingress');
    expect(await ingress('web')).toEqual(['192.168.5.10', '192.168.5.11']);
    expect(await ingress('plain')).toBeUndefined();
    const events = await api.events();
    expect(events.find((e) => e.reason === 'UpdatedLoadBalancer')?.message).toBe('Updated LoadBalancer with new IPs: [] -> [192.168.5.10 192.168.5.11]');

    await api.client.patch(resources.nodes, undefined, 'c', 'merge', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    await until(async () => (await ingress('web'))?.length === 3, 'node c added');
    await api.client.delete(resources.nodes, undefined, 'a');
    await until(async () => (await ingress('web'))?.length === 2, 'node a removed');
    expect(await ingress('web')).toEqual(['192.168.5.10', '192.168.5.12']);
  });

  it('prefers ExternalIPs when any node has one', async () => {
    await node('a', [{ type: 'InternalIP', address: '192.168.5.11' }, { type: 'ExternalIP', address: '203.0.113.5' }]);
    await node('b', [{ type: 'InternalIP', address: '192.168.5.10' }]);
    await lbService('web');
    start();
    await until(async () => (await ingress('web')) !== undefined, 'ingress');
    expect(await ingress('web')).toEqual(['203.0.113.5']);
  });

  it('honours the enablelb and lbpool node labels', async () => {
    await node('a', [{ type: 'InternalIP', address: '192.168.5.11' }], { 'svccontroller.k3s.cattle.io/enablelb': 'true', 'svccontroller.k3s.cattle.io/lbpool': 'blue' });
    await node('b', [{ type: 'InternalIP', address: '192.168.5.12' }], { 'svccontroller.k3s.cattle.io/enablelb': 'true' });
    await node('c', [{ type: 'InternalIP', address: '192.168.5.13' }], { 'svccontroller.k3s.cattle.io/enablelb': 'false' });
    await node('d', [{ type: 'InternalIP', address: '192.168.5.14' }]);
    await lbService('web');
    await lbService('blue', { ports: [{ port: 81 }] }, { 'svccontroller.k3s.cattle.io/lbpool': 'blue' });
    start();
    await until(async () => (await ingress('web')) !== undefined && (await ingress('blue')) !== undefined, 'ingress');
    expect(await ingress('web')).toEqual(['192.168.5.11', '192.168.5.12']);
    expect(await ingress('blue')).toEqual(['192.168.5.11']);
  });

  it('leaves a newer Service pending where an older one holds its port, until that one goes', async () => {
    await node('a', [{ type: 'InternalIP', address: '192.168.5.11' }]);
    await lbService('first');
    start();
    await until(async () => (await ingress('first')) !== undefined, 'first ingress');
    api.clock.advance(1000);
    await lbService('second');
    await lbService('other', { ports: [{ port: 443 }] });
    await until(async () => (await ingress('other')) !== undefined, 'other ingress');
    await settle();
    expect(await ingress('second')).toBeUndefined();
    await api.client.delete(resources.services, 'default', 'first');
    await until(async () => (await ingress('second')) !== undefined, 'second ingress after first deleted');
    expect(await ingress('second')).toEqual(['192.168.5.11']);
  });

  it('externalTrafficPolicy Local: only nodes with a ready pod endpoint', async () => {
    await node('a', [{ type: 'InternalIP', address: '192.168.5.11' }]);
    await node('b', [{ type: 'InternalIP', address: '192.168.5.12' }]);
    // lite's API does not allocate health check node ports (upstream does); give one.
    await lbService('web', { externalTrafficPolicy: 'Local', healthCheckNodePort: 32100 });
    start();
    const slice = (readyOnB: boolean): KubeObject => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.42.1.5'], nodeName: 'b', conditions: { ready: readyOnB }, targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default' } },
        { addresses: ['10.42.0.5'], nodeName: 'a', conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'web-2', namespace: 'default' } },
      ],
    });
    await api.client.create(resources.endpointslices, 'default', slice(true));
    await until(async () => (await ingress('web')) !== undefined, 'ingress');
    expect(await ingress('web')).toEqual(['192.168.5.12']);
    // The last ready pod goes: no node left.
    const current = await api.client.get(resources.endpointslices, 'default', 'web-1');
    await api.client.update(resources.endpointslices, 'default', { ...current, endpoints: slice(false).endpoints });
    await until(async () => (await ingress('web')) === undefined, 'ingress emptied');
    await until(async () => (await api.events()).some((e) => e.reason === 'UnAvailableLoadBalancer'), 'no nodes event');
    expect((await api.events()).find((e) => e.reason === 'UnAvailableLoadBalancer')).toMatchObject({ type: 'Warning', message: 'There are no available nodes for LoadBalancer' });
  });

  it('clears the ingress when the Service stops being a LoadBalancer, and ignores other classes', async () => {
    await node('a', [{ type: 'InternalIP', address: '192.168.5.11' }]);
    await lbService('web');
    await lbService('metal', { loadBalancerClass: 'example.com/metal', ports: [{ port: 82 }] });
    start();
    await until(async () => (await ingress('web')) !== undefined, 'ingress');
    await settle();
    expect(await ingress('metal')).toBeUndefined();
    const svc = await api.client.get(resources.services, 'default', 'web');
    const { allocateLoadBalancerNodePorts: _a, externalTrafficPolicy: _e, ...rest } = svc.spec as Record<string, unknown>;
    await api.client.update(resources.services, 'default', { ...svc, spec: { ...rest, type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    await until(async () => (await ingress('web')) === undefined, 'ingress cleared');
  });
});
