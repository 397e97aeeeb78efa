import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { masqueradeRules, overlayNode, planOverlay, vtepMac, type OverlayConfig, type OverlayNode } from './overlay-plan.js';
import { overlayCommands, parseLinks, type ObservedState } from './overlay-reconciler.js';

const node = (name: string, podCIDR: string | undefined, ip: string | undefined, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, annotations },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  status: ip ? { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } : {},
});

const nodes = (): OverlayNode[] =>
  [node('a', '10.42.0.0/24', '192.168.77.10'), node('b', '10.42.1.0/24', '192.168.77.11'), node('c', '10.42.2.0/24', '192.168.77.12')].map((n) => overlayNode(n) as OverlayNode);

const vxlan: OverlayConfig = { backend: 'vxlan', clusterCidr: '10.42.0.0/16', nodeName: 'a', uplink: 'eth9', uplinkMtu: 1500 };

describe('overlayNode', () => {
  it('reads the pod CIDR, the node IP and the VTEP MAC (flannel annotations first)', () => {
    expect(overlayNode(node('b', '10.42.1.0/24', '192.168.77.11'))).toEqual({ name: 'b', podCidr: '10.42.1.0/24', publicIp: '192.168.77.11', vtepMac: '02:4c:c0:a8:4d:0b' });
    const annotated = node('b', '10.42.1.0/24', '192.168.77.11', {
      'flannel.alpha.coreos.com/public-ip': '203.0.113.9',
      'flannel.alpha.coreos.com/backend-data': '{"VNI":1,"VtepMAC":"AA:BB:CC:DD:EE:0F"}',
    });
    expect(overlayNode(annotated)).toEqual({ name: 'b', podCidr: '10.42.1.0/24', publicIp: '203.0.113.9', vtepMac: 'aa:bb:cc:dd:ee:0f' });
    expect(overlayNode(node('d', undefined, '192.168.77.13'))).toBeUndefined();
    expect(overlayNode(node('d', '10.42.3.0/24', undefined))).toBeUndefined();
    expect(vtepMac('10.0.0.255')).toBe('02:4c:0a:00:00:ff');
  });
});

describe('planOverlay', () => {
  it('vxlan: the flannel.1 device and, per remote node, an onlink route, a permanent neighbour and an fdb entry', () => {
    const plan = planOverlay(vxlan, nodes());
    expect(plan.link).toEqual({ name: 'flannel.1', vni: 1, port: 8472, local: '192.168.77.10', uplink: 'eth9', mac: '02:4c:c0:a8:4d:0a', mtu: 1450, address: '10.42.0.0/32' });
    expect(plan.routes).toEqual([
      { dst: '10.42.1.0/24', via: '10.42.1.0', dev: 'flannel.1', onlink: true },
      { dst: '10.42.2.0/24', via: '10.42.2.0', dev: 'flannel.1', onlink: true },
    ]);
    expect(plan.neighbors).toEqual([
      { ip: '10.42.1.0', mac: '02:4c:c0:a8:4d:0b', dev: 'flannel.1' },
      { ip: '10.42.2.0', mac: '02:4c:c0:a8:4d:0c', dev: 'flannel.1' },
    ]);
    expect(plan.fdb).toEqual([
      { mac: '02:4c:c0:a8:4d:0b', dst: '192.168.77.11', dev: 'flannel.1' },
      { mac: '02:4c:c0:a8:4d:0c', dst: '192.168.77.12', dev: 'flannel.1' },
    ]);
  });

  it('host-gw: a route to each remote pod CIDR via the node IP, no device', () => {
    const plan = planOverlay({ ...vxlan, backend: 'host-gw' }, nodes());
    expect(plan.link).toBeUndefined();
    expect(plan.routes).toEqual([
      { dst: '10.42.1.0/24', via: '192.168.77.11', dev: 'eth9', onlink: false },
      { dst: '10.42.2.0/24', via: '192.168.77.12', dev: 'eth9', onlink: false },
    ]);
  });

  it('plans nothing until this node has a pod CIDR', () => {
    const plan = planOverlay({ ...vxlan, nodeName: 'z' }, nodes());
    expect(plan).toEqual({ routes: [], neighbors: [], fdb: [], masquerade: { nat: [], filter: [] } });
  });

  it('masquerades pod traffic leaving the cluster, never pod-to-pod traffic (flannel MasqRules, pod-to-pod ACCEPTed past later rules)', () => {
    expect(masqueradeRules('10.42.0.0/16', '10.42.0.0/24', 14)).toEqual({
      nat: [
        '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
        '-A FLANNEL-POSTRTG -s 10.42.0.0/16 -d 10.42.0.0/16 -m comment --comment "flanneld masq" -j ACCEPT',
        '-A FLANNEL-POSTRTG -s 10.42.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
        '-A FLANNEL-POSTRTG ! -s 10.42.0.0/16 -d 10.42.0.0/24 -m comment --comment "flanneld masq" -j RETURN',
        '-A FLANNEL-POSTRTG ! -s 10.42.0.0/16 -d 10.42.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
      ],
      filter: ['-A FLANNEL-FWD -s 10.42.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT', '-A FLANNEL-FWD -d 10.42.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT'],
    });
  });
});

// `ip -j -d link show` of a host where the device exists as planned (captured from iproute2).
const LINKS_JSON = [
  { ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, address: '00:00:00:00:00:00' },
  { ifname: 'eth9', flags: ['BROADCAST', 'UP'], mtu: 1500, address: '6e:11:22:33:44:55', linkinfo: { info_kind: 'veth' } },
  {
    ifname: 'flannel.1',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1450,
    address: '02:4c:c0:a8:4d:0a',
    linkinfo: { info_kind: 'vxlan', info_data: { id: 1, local: '192.168.77.10', link: 'eth9', port: 8472, learning: false } },
  },
];

function converged(): ObservedState {
  return {
    links: parseLinks(LINKS_JSON),
    deviceAddresses: ['10.42.0.0/32'],
    routes: [
      { dst: '10.42.1.0/24', via: '10.42.1.0', dev: 'flannel.1', onlink: true },
      { dst: '10.42.2.0/24', via: '10.42.2.0', dev: 'flannel.1', onlink: true },
      { dst: '10.42.0.0/24', dev: 'cni0', onlink: false, protocol: 'kernel' },
      { dst: '192.168.77.0/24', dev: 'eth9', onlink: false, protocol: 'kernel' },
    ],
    neighbors: [
      { ip: '10.42.1.0', mac: '02:4c:c0:a8:4d:0b', permanent: true },
      { ip: '10.42.2.0', mac: '02:4c:c0:a8:4d:0c', permanent: true },
    ],
    fdb: [
      { mac: '02:4c:c0:a8:4d:0b', dst: '192.168.77.11' },
      { mac: '02:4c:c0:a8:4d:0c', dst: '192.168.77.12' },
    ],
  };
}

const argv = (cmds: { command: string; args: string[] }[]) => cmds.map((c) => `${c.command} ${c.args.join(' ')}`);

describe('overlayCommands', () => {
  const plan = planOverlay(vxlan, nodes());

  it('does nothing when the host matches the plan', () => {
    expect(overlayCommands(vxlan, plan, converged(), '10.42.0.0/24')).toEqual([]);
  });

  it('creates everything on a bare host', () => {
    const bare: ObservedState = { links: parseLinks(LINKS_JSON.slice(0, 2)), deviceAddresses: [], routes: [], neighbors: [], fdb: [] };
    expect(argv(overlayCommands(vxlan, plan, bare, '10.42.0.0/24'))).toEqual([
      'ip link add flannel.1 address 02:4c:c0:a8:4d:0a mtu 1450 type vxlan id 1 local 192.168.77.10 dev eth9 dstport 8472 nolearning',
      'ip link set flannel.1 up',
      'ip addr replace 10.42.0.0/32 dev flannel.1',
      'ip route replace 10.42.1.0/24 via 10.42.1.0 dev flannel.1 onlink',
      'ip route replace 10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink',
      'ip neigh replace 10.42.1.0 lladdr 02:4c:c0:a8:4d:0b dev flannel.1 nud permanent',
      'ip neigh replace 10.42.2.0 lladdr 02:4c:c0:a8:4d:0c dev flannel.1 nud permanent',
      'bridge fdb replace 02:4c:c0:a8:4d:0b dev flannel.1 dst 192.168.77.11 self permanent',
      'bridge fdb replace 02:4c:c0:a8:4d:0c dev flannel.1 dst 192.168.77.12 self permanent',
    ]);
  });

  it('repairs what was deleted by hand and removes what belongs to a node that left', () => {
    const s = converged();
    const observed: ObservedState = {
      ...s,
      routes: s.routes.filter((r) => r.dst !== '10.42.1.0/24').concat([{ dst: '10.42.9.0/24', via: '10.42.9.0', dev: 'flannel.1', onlink: true }]),
      neighbors: [s.neighbors[1], { ip: '10.42.9.0', mac: '02:4c:c0:a8:4d:63', permanent: true }],
      fdb: [s.fdb[0], { mac: '02:4c:c0:a8:4d:63', dst: '192.168.77.99' }],
    };
    expect(argv(overlayCommands(vxlan, plan, observed, '10.42.0.0/24'))).toEqual([
      'ip route del 10.42.9.0/24 dev flannel.1',
      'ip route replace 10.42.1.0/24 via 10.42.1.0 dev flannel.1 onlink',
      'ip neigh del 10.42.9.0 dev flannel.1',
      'ip neigh replace 10.42.1.0 lladdr 02:4c:c0:a8:4d:0b dev flannel.1 nud permanent',
      'bridge fdb del 02:4c:c0:a8:4d:63 dev flannel.1 dst 192.168.77.99 self',
      'bridge fdb replace 02:4c:c0:a8:4d:0c dev flannel.1 dst 192.168.77.12 self permanent',
    ]);
  });

  it('recreates a device whose settings differ, and fixes a changed MTU in place', () => {
    const wrongVni = converged();
    const links = parseLinks(LINKS_JSON.map((l) => (l.ifname === 'flannel.1' ? { ...l, linkinfo: { info_kind: 'vxlan', info_data: { ...l.linkinfo?.info_data, id: 7 } } } : l)));
    const cmds = argv(overlayCommands(vxlan, plan, { ...wrongVni, links }, '10.42.0.0/24'));
    expect(cmds[0]).toBe('ip link del flannel.1');
    expect(cmds[1]).toMatch(/^ip link add flannel.1 .* id 1 /);
    expect(cmds).toContain('ip route replace 10.42.1.0/24 via 10.42.1.0 dev flannel.1 onlink');
    const mtu = argv(overlayCommands({ ...vxlan, uplinkMtu: 9000 }, planOverlay({ ...vxlan, uplinkMtu: 9000 }, nodes()), converged(), '10.42.0.0/24'));
    expect(mtu).toEqual(['ip link set flannel.1 mtu 8950']);
  });

  it('host-gw: routes via the node IPs on the uplink; switching from vxlan drops the device', () => {
    const hostGw: OverlayConfig = { ...vxlan, backend: 'host-gw' };
    const cmds = argv(overlayCommands(hostGw, planOverlay(hostGw, nodes()), converged(), '10.42.0.0/24'));
    expect(cmds).toEqual(['ip link del flannel.1', 'ip route replace 10.42.1.0/24 via 192.168.77.11 dev eth9', 'ip route replace 10.42.2.0/24 via 192.168.77.12 dev eth9']);
  });
});
