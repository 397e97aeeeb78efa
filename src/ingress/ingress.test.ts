import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { startTestApi, until, type TestApi } from '../controllers/testing/test-api.js';
import { silentLogger } from '../util/log.js';
import { INGRESS_SERVICE, startIngress } from './ingress.js';

const INGRESSES = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' };
const noDial = () => Promise.reject(new Error('not dialled in this test'));

let api: TestApi | undefined;
let stop: AbortController | undefined;

afterEach(async () => {
  stop?.abort();
  await api?.stop();
  api = undefined;
});

async function start(bindAddress: string, onEveryNode = true) {
  api ??= await startTestApi();
  stop?.abort();
  stop = new AbortController();
  const running = await startIngress(
    { client: api.client, informers: api.informers, dialer: { dial: noDial }, clock: api.clock, logger: silentLogger, bindAddress, httpPort: 0, httpsPort: 0, statusAddress: '192.0.2.10', nodeName: 'server', onEveryNode },
    stop.signal,
  );
  if (!running) throw new Error('the ingress did not start');
  return { api, running };
}

async function lbService(a: TestApi): Promise<KubeObject | undefined> {
  return a.client.get(resources.services, INGRESS_SERVICE.namespace, INGRESS_SERVICE.name).catch(() => undefined);
}

describe('startIngress', () => {
  it('on a wildcard address publishes the listeners on every node through a LoadBalancer Service, and Ingresses report its addresses', async () => {
    const { api: a, running } = await start('0.0.0.0');
    const svc = await lbService(a);
    expect(svc?.spec).toMatchObject({ type: 'LoadBalancer', ports: [{ name: 'web', port: 80, targetPort: running.httpPort, protocol: 'TCP' }, { name: 'websecure', port: 443, targetPort: running.httpsPort, protocol: 'TCP' }] });
    const slice = await a.client.get(resources.endpointslices, INGRESS_SERVICE.namespace, INGRESS_SERVICE.slice);
    expect(slice).toMatchObject({
      metadata: { labels: { 'kubernetes.io/service-name': 'lite-ingress', 'endpointslice.kubernetes.io/managed-by': 'lite-ingress-controller' } },
      ports: [{ name: 'web', port: running.httpPort }, { name: 'websecure', port: running.httpsPort }],
      endpoints: [{ addresses: ['192.0.2.10'], nodeName: 'server' }],
    });

    await a.client.create(INGRESSES, 'default', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec: { ingressClassName: 'lite', defaultBackend: { service: { name: 'web', port: { number: 80 } } } } });
    const addresses = async () => ((await a.client.get(INGRESSES, 'default', 'web')).status as { loadBalancer?: { ingress?: { ip: string }[] } } | undefined)?.loadBalancer?.ingress?.map((i) => i.ip);
    let seen: string[] | undefined;
    await until(async () => (seen = await addresses())?.[0] === '192.0.2.10', 'the server address in the Ingress status');
    // ServiceLB's addresses (every Ready node) replace it once the Service has them.
    const current = await a.client.get(resources.services, INGRESS_SERVICE.namespace, INGRESS_SERVICE.name);
    await a.client.update(resources.services, INGRESS_SERVICE.namespace, { ...current, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10', ipMode: 'VIP' }, { ip: '192.0.2.11', ipMode: 'VIP' }] } } }, { subresource: 'status' });
    await until(async () => JSON.stringify(await addresses()) === JSON.stringify(['192.0.2.10', '192.0.2.11']), 'the load balancer addresses in the Ingress status');
    expect(seen).toEqual(['192.0.2.10']);
  });

  it('listening on one address only (or for simulated nodes) it keeps no such Service, and removes one left from before', async () => {
    const { api: a } = await start('0.0.0.0');
    expect(await lbService(a)).toBeDefined();
    await start('127.0.0.1');
    expect(await lbService(a)).toBeUndefined();
    await start('0.0.0.0');
    expect(await lbService(a)).toBeDefined();
    await start('0.0.0.0', false);
    expect(await lbService(a)).toBeUndefined();
  });
});
