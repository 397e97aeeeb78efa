import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { startTestApi, until, type TestApi } from '../controllers/testing/test-api.js';
import { silentLogger } from '../util/log.js';
import { FakeIptables } from './fake-iptables.js';
import { startProxy, type ProxySyncResult, type RunningProxy } from './proxy.js';
import { serviceChainName } from './service-ports.js';

const WEB = serviceChainName('KUBE-SVC-', 'default/web:http', 'tcp');

const slice = (ips: string[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'node-a' })),
});

describe('startProxy', () => {
  let api: TestApi;
  let ipt: FakeIptables;
  let stop: AbortController;
  let proxy: RunningProxy;
  const syncs: ProxySyncResult[] = [];

  beforeEach(async () => {
    api = await startTestApi();
    ipt = new FakeIptables();
    stop = new AbortController();
    syncs.length = 0;
  });
  afterEach(async () => {
    stop.abort();
    await proxy?.stopped;
    await api.stop();
  });

  const start = async () => {
    proxy = await startProxy(
      { informers: api.informers, nodeName: 'node-a', nodeIps: ['192.168.5.10'], clusterCidr: '10.42.0.0/16', iptables: ipt, resyncMs: 30_000, clock: api.clock, logger: silentLogger, onSync: (r) => syncs.push(r) },
      stop.signal,
    );
    await proxy.synced;
  };

  it('programs Services as they and their endpoints change', async () => {
    const web = await api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } });
    const ip = (web.spec as { clusterIP: string }).clusterIP;
    await start();
    expect(syncs[0].kind).toBe('full');
    // No endpoints yet: REJECT in filter.
    expect(ipt.rules('filter', 'KUBE-SERVICES')).toEqual([`-m comment --comment "default/web:http has no endpoints" -m tcp -p tcp -d ${ip} --dport 80 -j REJECT`]);

    await api.client.create(resources.endpointslices, 'default', slice(['10.42.0.5', '10.42.0.6']));
    await until(() => (ipt.rules('nat', WEB)?.length ?? 0) === 3, 'KUBE-SVC chain with two endpoints');
    expect(ipt.rules('filter', 'KUBE-SERVICES')).toEqual([]);
    expect(syncs.at(-1)?.kind).toBe('partial');

    // Scale to zero: back to REJECT, chains gone.
    await api.client.update(resources.endpointslices, 'default', { ...(await api.client.get(resources.endpointslices, 'default', 'web-1')), endpoints: [] });
    await until(() => ipt.rules('nat', WEB) === undefined, 'KUBE-SVC chain removed');
    expect(ipt.chains('nat').filter((c) => c.startsWith('KUBE-SEP-'))).toEqual([]);
    expect(ipt.rules('filter', 'KUBE-SERVICES')).toHaveLength(1);

    await api.client.delete(resources.services, 'default', 'web');
    await until(() => ipt.rules('filter', 'KUBE-SERVICES')?.length === 0, 'REJECT removed with the Service');
    expect(proxy.lastRuleset()?.nat.has(WEB)).toBe(false);
  });

  it('repairs hand-deleted rules at the next resync and retries a failed restore', async () => {
    await api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } });
    await api.client.create(resources.endpointslices, 'default', slice(['10.42.0.5']));
    await start();
    await until(() => ipt.rules('nat', WEB) !== undefined, 'service chain');
    ipt.deleteByHand('nat', 'PREROUTING', 0);
    ipt.deleteByHand('nat', WEB, 1);
    const n = syncs.length;
    api.clock.advance(29_999);
    await until(() => true, 'turn');
    expect(syncs.length).toBe(n);
    api.clock.advance(1);
    await until(() => syncs.length > n, 'resync');
    expect(syncs.at(-1)?.kind).toBe('full');
    expect(ipt.rules('nat', 'PREROUTING')).toEqual(['-m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
    expect(ipt.rules('nat', WEB)).toHaveLength(2);

    // A failing restore is retried (work-queue backoff) as a full sync.
    ipt.failNextRestore(new Error('iptables-restore: line 1 failed'));
    await api.client.update(resources.endpointslices, 'default', { ...(await api.client.get(resources.endpointslices, 'default', 'web-1')), endpoints: slice(['10.42.0.7']).endpoints as unknown });
    await until(() => ipt.restores.length > 0 && ipt.restores.at(-1)?.includes('10.42.0.7') === true, 'failed attempt');
    const m = syncs.length;
    api.clock.advance(1000);
    await until(() => syncs.length > m, 'retry');
    expect(syncs.at(-1)?.kind).toBe('full');
    expect(ipt.rules('nat', WEB)?.[1]).toContain('-> 10.42.0.7:8080');

    stop.abort();
    await proxy.stopped;
    await proxy.cleanup();
    expect(ipt.chains('nat').sort()).toEqual(['INPUT', 'OUTPUT', 'POSTROUTING', 'PREROUTING']);
    expect(ipt.rules('nat', 'PREROUTING')).toEqual([]);
  });
});
