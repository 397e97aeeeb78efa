import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resources } from '../client/client.js';
import { startTestApi, type TestApi } from '../controllers/testing/test-api.js';
import { endpointSliceView, serviceView } from '../network/service-views.js';
import { computeRules } from '../proxy/proxier-rules.js';
import { endpointChainName } from '../proxy/service-ports.js';
import { ensureKubeDnsService } from './kube-dns-service.js';

describe('ensureKubeDnsService', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  it('creates kube-system/kube-dns at the given IP with an EndpointSlice to the DNS listener, idempotently', async () => {
    await ensureKubeDnsService(api.client, '10.43.0.10', { addresses: ['192.168.5.10'], port: 10053, nodeName: 'server' });
    const svc = await api.client.get(resources.services, 'kube-system', 'kube-dns');
    expect(svc.spec).toMatchObject({ clusterIP: '10.43.0.10', type: 'ClusterIP', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] });
    const slice = await api.client.get(resources.endpointslices, 'kube-system', 'kube-dns-lite');
    const rv = slice.metadata.resourceVersion;
    await ensureKubeDnsService(api.client, '10.43.0.10', { addresses: ['192.168.5.10'], port: 10053, nodeName: 'server' });
    expect((await api.client.get(resources.endpointslices, 'kube-system', 'kube-dns-lite')).metadata.resourceVersion).toBe(rv);

    // kube-proxy turns it into a DNAT of 10.43.0.10:53 to the listener.
    const rules = computeRules({
      services: [serviceView(svc)],
      endpointSlices: () => [endpointSliceView(slice)],
      nodeName: 'server',
      nodeIps: ['192.168.5.10'],
      clusterCidr: '10.42.0.0/16',
    });
    const sep = endpointChainName('kube-system/kube-dns:dns', 'udp', '192.168.5.10:10053');
    expect(rules.nat.get(sep)?.[1]).toBe(`-A ${sep} -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 192.168.5.10:10053`);

    // A new address updates the slice in place.
    await ensureKubeDnsService(api.client, '10.43.0.10', { addresses: ['192.168.5.20'], port: 10053 });
    const updated = await api.client.get(resources.endpointslices, 'kube-system', 'kube-dns-lite');
    expect(updated.endpoints).toEqual([{ addresses: ['192.168.5.20'], conditions: { ready: true, serving: true, terminating: false } }]);
    await expect(ensureKubeDnsService(api.client, '10.43.0.11', { addresses: ['192.168.5.20'], port: 10053 })).rejects.toThrow('exists with cluster IP 10.43.0.10');
  });
});
