import { describe, expect, it } from 'vitest';
import { silentLogger } from '../util/log.js';
import { ensurePodBridge, podBridgeOptions, removePodBridges, type DockerNetworkInspect, type DockerNetworks } from './pod-bridge.js';

/** An in-memory Engine network API that refuses overlapping subnets, as Docker does. */
class FakeNetworks implements DockerNetworks {
  readonly nets = new Map<string, DockerNetworkInspect>();
  readonly calls: string[] = [];
  #next = 1;

  add(name: string, subnet: string, labels: Record<string, string>, containers: string[] = []): void {
    const id = `n${this.#next++}`;
    this.nets.set(id, { Id: id, Name: name, Labels: labels, IPAM: { Config: [{ Subnet: subnet }] }, Containers: Object.fromEntries(containers.map((c) => [c, {}])) });
  }

  async createNetwork(opts: Record<string, unknown>): Promise<{ id: string }> {
    const subnet = (opts.IPAM as { Config: { Subnet: string }[] }).Config[0].Subnet;
    if ([...this.nets.values()].some((n) => n.IPAM?.Config?.[0]?.Subnet === subnet)) throw Object.assign(new Error('overlap'), { json: { message: 'Pool overlaps with other one on this address space' } });
    this.calls.push(`create ${String(opts.Name)} ${subnet}`);
    this.add(String(opts.Name), subnet, opts.Labels as Record<string, string>);
    return { id: 'x' };
  }

  getNetwork(id: string): ReturnType<DockerNetworks['getNetwork']> {
    const net = this.nets.get(id);
    if (!net) throw new Error(`no network ${id}`);
    return {
      inspect: async () => net,
      remove: async () => {
        if (Object.keys(net.Containers ?? {}).length) throw new Error('has active endpoints');
        this.calls.push(`remove ${net.Name}`);
        this.nets.delete(id);
      },
      disconnect: async ({ Container }) => {
        this.calls.push(`disconnect ${Container}`);
        delete (net.Containers as Record<string, unknown>)[Container];
      },
    };
  }

  async listNetworks(opts: { filters: string }): Promise<DockerNetworkInspect[]> {
    const [want] = (JSON.parse(opts.filters) as { label: string[] }).label;
    const [key, value] = want.split('=');
    return [...this.nets.values()].filter((n) => n.Labels?.[key] !== undefined && (value === undefined || n.Labels[key] === value));
  }
}

describe('pod bridge', () => {
  it('is a bridge with the pod CIDR, gateway .1 and no Docker masquerade', () => {
    expect(podBridgeOptions('n1', '10.42.3.0/24')).toMatchObject({
      Name: 'lite-pods-n1',
      Driver: 'bridge',
      IPAM: { Config: [{ Subnet: '10.42.3.0/24', Gateway: '10.42.3.1' }] },
      Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
      Labels: { 'io.lite.pod-network': 'n1' },
    });
  });

  it('is created once, kept when the CIDR matches, recreated when it changed', async () => {
    const d = new FakeNetworks();
    expect(await ensurePodBridge(d, 'n1', '10.42.0.0/24', silentLogger)).toEqual({ name: 'lite-pods-n1', cidr: '10.42.0.0/24', gateway: '10.42.0.1' });
    await ensurePodBridge(d, 'n1', '10.42.0.0/24', silentLogger);
    expect(d.calls).toEqual(['create lite-pods-n1 10.42.0.0/24']);
    [...d.nets.values()][0].Containers = { c1: {} };
    await ensurePodBridge(d, 'n1', '10.42.5.0/24', silentLogger);
    expect(d.calls.slice(1)).toEqual(['disconnect c1', 'remove lite-pods-n1', 'create lite-pods-n1 10.42.5.0/24']);
  });

  it("removes another node's unused network with the same subnet (a cluster that is gone), not a used one", async () => {
    const d = new FakeNetworks();
    d.add('lite-pods-old', '10.42.0.0/24', { 'io.lite.pod-network': 'old' });
    await ensurePodBridge(d, 'n1', '10.42.0.0/24', silentLogger);
    expect(d.calls).toEqual(['remove lite-pods-old', 'create lite-pods-n1 10.42.0.0/24']);
    const busy = new FakeNetworks();
    busy.add('lite-pods-other', '10.42.0.0/24', { 'io.lite.pod-network': 'other' }, ['c9']);
    await expect(ensurePodBridge(busy, 'n1', '10.42.0.0/24', silentLogger)).rejects.toThrow('cannot create the pod network lite-pods-n1 (10.42.0.0/24) in Docker: Pool overlaps');
  });

  it("cleanup removes only the node's own network", async () => {
    const d = new FakeNetworks();
    d.add('lite-pods-n1', '10.42.0.0/24', { 'io.lite.pod-network': 'n1' }, ['c1']);
    d.add('lite-pods-n2', '10.42.1.0/24', { 'io.lite.pod-network': 'n2' });
    d.add('other', '172.30.0.0/16', {});
    expect(await removePodBridges(d, 'n1', silentLogger)).toEqual(['lite-pods-n1']);
    expect([...d.nets.values()].map((n) => n.Name)).toEqual(['lite-pods-n2', 'other']);
  });
});
