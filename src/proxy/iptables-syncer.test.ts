import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { endpointSliceView, serviceView, type EndpointSliceView, type ServiceView } from '../network/service-views.js';
import { silentLogger } from '../util/log.js';
import { FakeIptables } from './fake-iptables.js';
import { IptablesSyncer } from './iptables-syncer.js';
import { computeRules } from './proxier-rules.js';
import { serviceChainName } from './service-ports.js';

const svc = (name: string, ip: string): ServiceView =>
  serviceView({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name }, spec: { clusterIP: ip, ports: [{ name: 'http', port: 80 }] } } as KubeObject);
const slice = (service: string, ips: string[]): EndpointSliceView =>
  endpointSliceView({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: `${service}-1`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  } as KubeObject);

function ruleset(services: ServiceView[], slices: EndpointSliceView[]) {
  return computeRules({ services, endpointSlices: (ns, n) => slices.filter((s) => s.namespace === ns && s.serviceName === n), nodeName: 'a', nodeIps: [], clusterCidr: '10.42.0.0/16' });
}

function withDocker(): FakeIptables {
  const ipt = new FakeIptables();
  // Docker's own rules, which lite must leave alone.
  ipt.addForeignRule('nat', 'DOCKER', '-i docker0 -j RETURN');
  ipt.addForeignRule('nat', 'PREROUTING', '-m addrtype --dst-type LOCAL -j DOCKER');
  ipt.addForeignRule('filter', 'DOCKER-USER', '-j RETURN');
  ipt.addForeignRule('filter', 'FORWARD', '-j DOCKER-USER');
  return ipt;
}

const WEB = serviceChainName('KUBE-SVC-', 'default/web:http', 'tcp');
const API = serviceChainName('KUBE-SVC-', 'default/api:http', 'tcp');

describe('IptablesSyncer', () => {
  it('first sync writes every chain and prepends the jumps, leaving Docker rules in place', async () => {
    const ipt = withDocker();
    const s = new IptablesSyncer({ runner: ipt, logger: silentLogger });
    expect(await s.sync(ruleset([svc('web', '10.43.0.20')], [slice('web', ['10.42.0.5'])]), false)).toBe('full');
    expect(ipt.rules('nat', 'PREROUTING')).toEqual(['-m comment --comment "kubernetes service portals" -j KUBE-SERVICES', '-m addrtype --dst-type LOCAL -j DOCKER']);
    expect(ipt.rules('nat', 'OUTPUT')).toEqual(['-m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
    expect(ipt.rules('nat', 'POSTROUTING')).toEqual(['-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING']);
    expect(ipt.rules('filter', 'FORWARD')).toEqual([
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-j DOCKER-USER',
    ]);
    expect(ipt.rules('nat', 'DOCKER')).toEqual(['-i docker0 -j RETURN']);
    expect(ipt.rules('nat', WEB)).toHaveLength(2);
    // A second full sync does not duplicate jumps.
    await s.sync(ruleset([svc('web', '10.43.0.20')], [slice('web', ['10.42.0.5'])]), true);
    expect(ipt.rules('nat', 'PREROUTING')).toHaveLength(2);
  });

  it('writes nothing when nothing changed, and only the changed chains otherwise', async () => {
    const ipt = withDocker();
    const s = new IptablesSyncer({ runner: ipt, logger: silentLogger });
    const services = [svc('web', '10.43.0.20'), svc('api', '10.43.0.21')];
    await s.sync(ruleset(services, [slice('web', ['10.42.0.5']), slice('api', ['10.42.0.6'])]), false);
    const restores = ipt.restores.length;
    expect(await s.sync(ruleset(services, [slice('web', ['10.42.0.5']), slice('api', ['10.42.0.6'])]), false)).toBe('unchanged');
    expect(ipt.restores.length).toBe(restores);

    expect(await s.sync(ruleset(services, [slice('web', ['10.42.0.5', '10.42.0.7']), slice('api', ['10.42.0.6'])]), false)).toBe('partial');
    const input = ipt.restores.at(-1) ?? '';
    expect(input).toContain(`:${WEB} - [0:0]`);
    expect(input).not.toContain(API);
    expect(input).not.toContain('*filter');
    expect(ipt.rules('nat', WEB)).toHaveLength(3);

    // A Service going away: its chains are flushed and deleted.
    expect(await s.sync(ruleset([services[0]], [slice('web', ['10.42.0.5', '10.42.0.7'])]), false)).toBe('partial');
    expect(ipt.chains('nat').filter((c) => c.startsWith('KUBE-SVC-'))).toEqual([WEB]);
    expect(ipt.chains('nat').filter((c) => c.startsWith('KUBE-SEP-'))).toHaveLength(2);
  });

  it('a full sync repairs rules and jumps deleted by hand and removes stale chains', async () => {
    const ipt = withDocker();
    const s = new IptablesSyncer({ runner: ipt, logger: silentLogger });
    const desired = ruleset([svc('web', '10.43.0.20')], [slice('web', ['10.42.0.5', '10.42.0.6'])]);
    await s.sync(desired, false);
    const before = ipt.rules('nat', WEB);
    ipt.deleteByHand('nat', WEB, 1);
    ipt.deleteByHand('nat', 'PREROUTING', 0);
    ipt.addForeignRule('nat', 'KUBE-SVC-LEFTOVER000000', '-j RETURN');
    expect(await s.sync(desired, false)).toBe('unchanged');
    expect(ipt.rules('nat', WEB)).toHaveLength(2);
    expect(await s.sync(desired, true)).toBe('full');
    expect(ipt.rules('nat', WEB)).toEqual(before);
    expect(ipt.rules('nat', 'PREROUTING')?.[0]).toBe('-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(ipt.chains('nat')).not.toContain('KUBE-SVC-LEFTOVER000000');
    expect(ipt.rules('nat', 'DOCKER')).toEqual(['-i docker0 -j RETURN']);
  });

  it('a full sync moves its jumps back above rules Docker inserted at the top of FORWARD', async () => {
    const ipt = withDocker();
    const s = new IptablesSyncer({ runner: ipt, logger: silentLogger });
    const desired = ruleset([svc('web', '10.43.0.20')], []);
    await s.sync(desired, false);
    const ours = ipt.rules('filter', 'FORWARD')?.slice(0, 4);
    // Docker creating a bridge network inserts its rules at the top of FORWARD.
    await ipt.restore('*filter\n-I FORWARD 1 -i br-pods ! -o br-pods -j ACCEPT\n-I FORWARD 1 -j DOCKER-USER\nCOMMIT\n');
    expect(await s.sync(desired, true)).toBe('full');
    const forward = ipt.rules('filter', 'FORWARD') ?? [];
    expect(forward.slice(0, 4).sort()).toEqual([...(ours ?? [])].sort());
    expect(forward.slice(4)).toEqual(['-j DOCKER-USER', '-i br-pods ! -o br-pods -j ACCEPT', '-j DOCKER-USER']);
    // Already in place: the next full sync leaves the built-in chains alone.
    const restoresBefore = ipt.restores.length;
    await s.sync(desired, true);
    expect(ipt.restores.slice(restoresBefore).join('')).not.toMatch(/^-[DI] FORWARD/m);
  });

  it('after a failed restore the next sync is a full one', async () => {
    const ipt = withDocker();
    const s = new IptablesSyncer({ runner: ipt, logger: silentLogger });
    await s.sync(ruleset([svc('web', '10.43.0.20')], [slice('web', ['10.42.0.5'])]), false);
    ipt.failNextRestore(new Error('iptables-restore: line 3 failed'));
    await expect(s.sync(ruleset([svc('web', '10.43.0.20')], [slice('web', ['10.42.0.6'])]), false)).rejects.toThrow('line 3');
    expect(await s.sync(ruleset([svc('web', '10.43.0.20')], [slice('web', ['10.42.0.6'])]), false)).toBe('full');
    expect(ipt.rules('nat', WEB)?.[1]).toContain('-> 10.42.0.6:8080');
  });

  it('cleanup removes every jump and chain it added and nothing else', async () => {
    const ipt = withDocker();
    const s = new IptablesSyncer({ runner: ipt, logger: silentLogger });
    await s.sync(ruleset([svc('web', '10.43.0.20')], [slice('web', ['10.42.0.5'])]), false);
    await s.cleanup();
    expect(ipt.chains('nat').sort()).toEqual(['DOCKER', 'INPUT', 'OUTPUT', 'POSTROUTING', 'PREROUTING']);
    expect(ipt.chains('filter').sort()).toEqual(['DOCKER-USER', 'FORWARD', 'INPUT', 'OUTPUT']);
    expect(ipt.rules('nat', 'PREROUTING')).toEqual(['-m addrtype --dst-type LOCAL -j DOCKER']);
    expect(ipt.rules('filter', 'FORWARD')).toEqual(['-j DOCKER-USER']);
    expect(ipt.rules('filter', 'INPUT')).toEqual([]);
    // Nothing left to clean: no restore at all.
    const n = ipt.restores.length;
    await s.cleanup();
    expect(ipt.restores.length).toBe(n);
  });
});
