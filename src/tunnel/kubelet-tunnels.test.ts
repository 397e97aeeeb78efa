import { describe, expect, it } from 'vitest';
import type { KubeletConnection } from './kubelet-connection.js';
import { KubeletTunnels } from './kubelet-tunnels.js';

const conn = (): KubeletConnection => ({ open: () => { throw new Error('unused'); } });

describe('KubeletTunnels', () => {
  it('answers from a node\'s own connection first, then from resolvers (simulated nodes), until removed', () => {
    const tunnels = new KubeletTunnels();
    const sim = conn();
    const removeResolver = tunnels.registerResolver((name) => (name.startsWith('sim-') ? sim : undefined));
    expect(tunnels.forNode('sim-node-0')).toBe(sim);
    expect(tunnels.forNode('real')).toBeUndefined();
    const direct = conn();
    const removeDirect = tunnels.registerDirect('sim-node-0', direct);
    expect(tunnels.forNode('sim-node-0')).toBe(direct);
    removeDirect();
    expect(tunnels.forNode('sim-node-0')).toBe(sim);
    removeResolver();
    expect(tunnels.forNode('sim-node-0')).toBeUndefined();
    // Resolved nodes are not "connected" agents.
    expect(tunnels.connectedNodes()).toEqual([]);
  });
});
