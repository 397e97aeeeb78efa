import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resources } from '../client/client.js';
import { startTestApi } from '../controllers/testing/test-api.js';
import { silentLogger } from '../util/log.js';
import { jumpPosition } from '../network/overlay/overlay-reconciler.js';
import { applyNetworkSysctls, interfaceOf, NETWORK_SYSCTLS, waitForPodCidr } from './node-network.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('node networking', () => {
  it('sets the sysctls pod networking needs, leaving values that are already right', () => {
    const root = mkdtempSync(join(tmpdir(), 'lite-sysctl-'));
    dirs.push(root);
    for (const [key] of NETWORK_SYSCTLS) {
      mkdirSync(dirname(join(root, key)), { recursive: true });
      writeFileSync(join(root, key), '0\n');
    }
    applyNetworkSysctls(silentLogger, root);
    for (const [key, value] of NETWORK_SYSCTLS) expect(readFileSync(join(root, key), 'utf8').trim()).toBe(value);
    expect(NETWORK_SYSCTLS.map(([k]) => k)).toEqual(['net/ipv4/ip_forward', 'net/bridge/bridge-nf-call-iptables']);
  });

  it('finds the interface holding an address (the overlay uplink)', () => {
    expect(interfaceOf('127.0.0.1')).toBe('lo');
    expect(interfaceOf('203.0.113.254')).toBeUndefined();
  });

  it("puts flannel's FORWARD jump after kube-proxy's jumps and before Docker's rules", () => {
    expect(jumpPosition([])).toBe(1);
    expect(jumpPosition(['-A FORWARD -j DOCKER-USER', '-A FORWARD -j DOCKER-ISOLATION-STAGE-1'])).toBe(1);
    expect(
      jumpPosition([
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A FORWARD -j DOCKER-USER',
      ]),
    ).toBe(3);
  });
});

describe('waitForPodCidr', () => {
  it("waits for the Node and its spec.podCIDR (node IPAM), checking every poll, until the signal aborts", async () => {
    const api = await startTestApi();
    try {
      const stop = new AbortController();
      let result: string | undefined;
      const waiting = waitForPodCidr(api.client, 'n1', api.clock, silentLogger, stop.signal, 100).then((c) => (result = c));
      const turn = async () => {
        api.clock.advance(100);
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      };
      await turn();
      expect(result).toBeUndefined();
      await api.client.create(resources.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
      await turn();
      expect(result).toBeUndefined();
      const node = await api.client.get(resources.nodes, '', 'n1');
      await api.client.update(resources.nodes, '', { ...node, spec: { podCIDR: '10.42.7.0/24', podCIDRs: ['10.42.7.0/24'] } });
      for (let i = 0; i < 5 && result === undefined; i++) await turn();
      expect(await waiting).toBe('10.42.7.0/24');

      const aborted = waitForPodCidr(api.client, 'absent', api.clock, silentLogger, stop.signal, 100);
      stop.abort();
      await expect(aborted).rejects.toThrow();
    } finally {
      await api.stop();
    }
  });
});
