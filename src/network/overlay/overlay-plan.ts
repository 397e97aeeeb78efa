/**
 * The pod network between nodes, as flannel programs it (backend/vxlan and backend/hostgw),
 * computed as data from the Nodes' pod CIDRs — nothing here touches the host.
 *
 * vxlan (flannel's default, VNI 1, UDP 8472):
 *  - one device `flannel.1`: `type vxlan id 1 local <node IP> dev <uplink> dstport 8472
 *    nolearning`, MTU of the uplink minus 50, the node's pod network address (x.y.z.0/32) on it;
 *  - per remote node: a route `<podCIDR> via <podCIDR .0> dev flannel.1 onlink`, a permanent
 *    neighbour `<podCIDR .0> lladdr <remote VTEP MAC>` and a forwarding entry `<remote VTEP MAC>
 *    dst <remote node IP>` on the device.
 * host-gw (nodes on one L2 segment): per remote node a route `<podCIDR> via <remote node IP> dev
 * <uplink>`.
 * Both: flannel's masquerade (nat FLANNEL-POSTRTG: pod traffic leaving the cluster network is
 * masqueraded, pod-to-pod traffic never is, whatever rules follow; kube-proxy's marked traffic is
 * left to kube-proxy) and
 * forward accept rules (filter FLANNEL-FWD), jumped to from POSTROUTING and FORWARD.
 *
 * Remote node data: the pod CIDR from `spec.podCIDRs`/`podCIDR`; the node IP from flannel's
 * `flannel.alpha.coreos.com/public-ip` annotation, else the first InternalIP; the VTEP MAC from
 * flannel's `backend-data` annotation (`{"VtepMAC": …}`), else derived from the node IP
 * (`vtepMac`) — lite's agents create their devices with that derived address, so no annotation
 * has to be published.
 */
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { isIpv4 } from '../service-views.js';

export type OverlayBackend = 'vxlan' | 'host-gw';

export interface OverlayNode {
  readonly name: string;
  readonly podCidr: string;
  readonly publicIp: string;
  readonly vtepMac: string;
}

export interface OverlayConfig {
  readonly backend: OverlayBackend;
  readonly clusterCidr: string;
  readonly nodeName: string;
  /** The interface towards the other nodes (vxlan underlay, host-gw next hop). */
  readonly uplink: string;
  /** MTU of the uplink (the vxlan device gets 50 less). */
  readonly uplinkMtu?: number;
  /** VXLAN network id (flannel: 1) and UDP port (flannel on Linux: 8472). */
  readonly vni?: number;
  readonly port?: number;
  readonly device?: string;
  /** Bit of kube-proxy's masquerade mark (its traffic is not masqueraded twice). */
  readonly masqueradeBit?: number;
}

export interface LinkSpec {
  readonly name: string;
  readonly vni: number;
  readonly port: number;
  readonly local: string;
  readonly uplink: string;
  readonly mac: string;
  readonly mtu: number;
  /** The node's pod network address on the device, with /32. */
  readonly address: string;
}

export interface RouteSpec {
  readonly dst: string;
  readonly via: string;
  readonly dev: string;
  readonly onlink: boolean;
}

export interface NeighborSpec {
  readonly ip: string;
  readonly mac: string;
  readonly dev: string;
}

export interface FdbSpec {
  readonly mac: string;
  readonly dst: string;
  readonly dev: string;
}

export interface MasqueradeChains {
  readonly nat: readonly string[];
  readonly filter: readonly string[];
}

export interface OverlayPlan {
  /** Undefined until this node has a pod CIDR and an address (or for host-gw). */
  readonly link?: LinkSpec;
  readonly routes: readonly RouteSpec[];
  readonly neighbors: readonly NeighborSpec[];
  readonly fdb: readonly FdbSpec[];
  /** Rules of FLANNEL-POSTRTG (nat) and FLANNEL-FWD (filter), empty until the node has a pod CIDR. */
  readonly masquerade: MasqueradeChains;
}

export const PUBLIC_IP_ANNOTATION = 'flannel.alpha.coreos.com/public-ip';
export const BACKEND_DATA_ANNOTATION = 'flannel.alpha.coreos.com/backend-data';

/** A locally administered MAC from an IPv4 address: 02:4c:<the four octets>. */
export function vtepMac(ip: string): string {
  return ['02', '4c', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/** The network address of a CIDR (`10.42.1.0/24` → `10.42.1.0`). */
function networkAddress(cidr: string): string {
  const [ip, bits] = cidr.split('/');
  const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const base = n - (n % size);
  return [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.');
}

/** What the overlay needs of a Node, or undefined while it has no IPv4 pod CIDR or address. */
export function overlayNode(node: KubeObject): OverlayNode | undefined {
  const spec = isJsonObject(node.spec) ? node.spec : {};
  const status = isJsonObject(node.status) ? node.status : {};
  const cidrs = Array.isArray(spec.podCIDRs) && spec.podCIDRs.length > 0 ? spec.podCIDRs : [spec.podCIDR];
  const podCidr = cidrs.find((c): c is string => typeof c === 'string' && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c));
  const annotated = node.metadata.annotations?.[PUBLIC_IP_ANNOTATION];
  const internal = (Array.isArray(status.addresses) ? status.addresses : []).filter(isJsonObject).find((a) => a.type === 'InternalIP' && typeof a.address === 'string' && isIpv4(a.address));
  const publicIp = annotated && isIpv4(annotated) ? annotated : (internal?.address as string | undefined);
  if (!podCidr || !publicIp) return undefined;
  let mac = vtepMac(publicIp);
  const backendData = node.metadata.annotations?.[BACKEND_DATA_ANNOTATION];
  if (backendData) {
    try {
      const parsed: unknown = JSON.parse(backendData);
      if (isJsonObject(parsed) && typeof parsed.VtepMAC === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(parsed.VtepMAC)) mac = parsed.VtepMAC.toLowerCase();
    } catch {
      // Not flannel's JSON: keep the derived address.
    }
  }
  return { name: node.metadata.name ?? '', podCidr, publicIp, vtepMac: mac };
}

export function planOverlay(config: OverlayConfig, nodes: readonly OverlayNode[]): OverlayPlan {
  const self = nodes.find((n) => n.name === config.nodeName);
  const device = config.device ?? 'flannel.1';
  const empty: OverlayPlan = { routes: [], neighbors: [], fdb: [], masquerade: { nat: [], filter: [] } };
  if (!self) return empty;
  // Nodes with this node's address run on this host: their pod bridges are local (a route would shadow them).
  const remotes = nodes.filter((n) => n.name !== self.name && n.podCidr !== self.podCidr && n.publicIp !== self.publicIp).sort((a, b) => (a.podCidr < b.podCidr ? -1 : 1));
  const masquerade = masqueradeRules(config.clusterCidr, self.podCidr, config.masqueradeBit ?? 14);
  if (config.backend === 'host-gw') {
    return { routes: remotes.map((n) => ({ dst: n.podCidr, via: n.publicIp, dev: config.uplink, onlink: false })), neighbors: [], fdb: [], masquerade };
  }
  const link: LinkSpec = {
    name: device,
    vni: config.vni ?? 1,
    port: config.port ?? 8472,
    local: self.publicIp,
    uplink: config.uplink,
    mac: self.vtepMac,
    mtu: (config.uplinkMtu ?? 1500) - 50,
    address: `${networkAddress(self.podCidr)}/32`,
  };
  return {
    link,
    routes: remotes.map((n) => ({ dst: n.podCidr, via: networkAddress(n.podCidr), dev: device, onlink: true })),
    neighbors: remotes.map((n) => ({ ip: networkAddress(n.podCidr), mac: n.vtepMac, dev: device })),
    fdb: remotes.map((n) => ({ mac: n.vtepMac, dst: n.publicIp, dev: device })),
    masquerade,
  };
}

/**
 * flannel's MasqRules and ForwardRules (pkg/trafficmngr/iptables), as `-A` lines — with one
 * deliberate difference: pod-to-pod traffic is ACCEPTed rather than RETURNed, which ends the nat
 * POSTROUTING traversal, so rules after ours (Docker's `-s <bridge subnet> ! -o <bridge> -j
 * MASQUERADE` for a pod network it manages) never rewrite it. Packets kube-proxy marked for
 * masquerade RETURN first and still reach KUBE-POSTROUTING.
 */
export function masqueradeRules(clusterCidr: string, podCidr: string, masqueradeBit: number): MasqueradeChains {
  const mark = `0x${(1 << masqueradeBit).toString(16)}`;
  const c = '-m comment --comment "flanneld masq"';
  const f = '-m comment --comment "flanneld forward"';
  return {
    nat: [
      `-A FLANNEL-POSTRTG -m mark --mark ${mark}/${mark} ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${clusterCidr} -d ${clusterCidr} ${c} -j ACCEPT`,
      `-A FLANNEL-POSTRTG -s ${clusterCidr} ! -d 224.0.0.0/4 ${c} -j MASQUERADE --random-fully`,
      `-A FLANNEL-POSTRTG ! -s ${clusterCidr} -d ${podCidr} ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG ! -s ${clusterCidr} -d ${clusterCidr} ${c} -j MASQUERADE --random-fully`,
    ],
    filter: [`-A FLANNEL-FWD -s ${clusterCidr} ${f} -j ACCEPT`, `-A FLANNEL-FWD -d ${clusterCidr} ${f} -j ACCEPT`],
  };
}
