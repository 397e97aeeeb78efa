/**
 * The node's pod network on Docker: one bridge network per node whose subnet is the node's pod
 * CIDR (`spec.podCIDR`, a /24 of --cluster-cidr), gateway `.1` on the host, so every pod sandbox
 * gets an address of its node's range (the role of the CNI bridge plugin's `cni0` in k3s).
 *
 * Docker's own masquerade for the network is off (`enable_ip_masquerade=false`): pod-to-pod
 * traffic must keep the pod's source address (Kubernetes network model); traffic leaving the
 * cluster is masqueraded by the overlay's FLANNEL-POSTRTG rules instead, as flannel does.
 *
 * The network is labelled with the node name and its CIDR; `ensurePodBridge` recreates it when
 * the CIDR differs (a node re-registered with another range), and `removePodBridges` removes it
 * (`lite agent --cleanup`). Containers still attached are disconnected first.
 */
import Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { DEFAULT_DOCKER_SOCKET, dockerErrorMessage, dockerStatusCode } from '../runtime/docker/docker-api.js';
import { formatIpv4, parseCidr } from '../util/ipv4.js';

export const POD_NETWORK_LABEL = 'io.lite.pod-network';
export const POD_CIDR_LABEL = 'io.lite.pod-cidr';

/** The slice of the Engine's network API this module calls (dockerode). */
export interface DockerNetworkInspect {
  Id: string;
  Name: string;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null } | null;
  Containers?: Record<string, { Name?: string }> | null;
}

export interface DockerNetworks {
  createNetwork(opts: Record<string, unknown>): Promise<{ id: string }>;
  getNetwork(id: string): {
    inspect(): Promise<DockerNetworkInspect>;
    remove(): Promise<unknown>;
    disconnect(opts: { Container: string; Force: boolean }): Promise<unknown>;
  };
  listNetworks(opts: { filters: string }): Promise<DockerNetworkInspect[]>;
}

export function dockerNetworks(socketPath: string = DEFAULT_DOCKER_SOCKET): DockerNetworks {
  return new Dockerode({ socketPath }) as unknown as DockerNetworks;
}

/** The Docker network name of a node's pods. */
export function podBridgeName(nodeName: string): string {
  return `lite-pods-${nodeName}`;
}

export interface PodBridge {
  readonly name: string;
  readonly cidr: string;
  readonly gateway: string;
}

/** The bridge network's creation options for a pod CIDR (exported for tests). */
export function podBridgeOptions(nodeName: string, cidr: string, mtu?: number): Record<string, unknown> {
  const range = parseCidr(cidr);
  const gateway = formatIpv4(range.base + 1);
  return {
    Name: podBridgeName(nodeName),
    Driver: 'bridge',
    CheckDuplicate: true,
    IPAM: { Driver: 'default', Config: [{ Subnet: cidr, Gateway: gateway }] },
    Options: {
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
      'com.docker.network.bridge.enable_icc': 'true',
      ...(mtu ? { 'com.docker.network.driver.mtu': String(mtu) } : {}),
    },
    Labels: { [POD_NETWORK_LABEL]: nodeName, [POD_CIDR_LABEL]: cidr.replace('/', '_') },
  };
}

async function removeNetwork(docker: DockerNetworks, net: DockerNetworkInspect, log: Logger): Promise<void> {
  const handle = docker.getNetwork(net.Id);
  const full = await handle.inspect();
  for (const id of Object.keys(full.Containers ?? {})) {
    try {
      await handle.disconnect({ Container: id, Force: true });
    } catch (e) {
      log.warn({ network: net.Name, container: id, err: dockerErrorMessage(e) }, 'cannot disconnect a container from the pod network');
    }
  }
  try {
    await handle.remove();
  } catch (e) {
    if (dockerStatusCode(e) !== 404) throw e;
  }
  log.info({ network: net.Name }, 'pod network removed');
}

function subnetOf(net: DockerNetworkInspect): string | undefined {
  return net.IPAM?.Config?.[0]?.Subnet;
}

/**
 * Makes sure `lite-pods-<node>` exists with subnet `cidr`. A lite pod network of another node
 * with the same subnet that has no containers (left by a cluster that is gone) is removed, since
 * Docker refuses overlapping subnets.
 */
export async function ensurePodBridge(docker: DockerNetworks, nodeName: string, cidr: string, log: Logger, mtu?: number): Promise<PodBridge> {
  const name = podBridgeName(nodeName);
  const gateway = formatIpv4(parseCidr(cidr).base + 1);
  const ours = await docker.listNetworks({ filters: JSON.stringify({ label: [POD_NETWORK_LABEL] }) });
  for (const net of ours) {
    const mine = net.Name === name;
    const subnet = subnetOf(net);
    if (mine && subnet === cidr) return { name, cidr, gateway };
    if (mine) {
      log.info({ network: name, from: subnet, to: cidr }, "the node's pod CIDR changed: recreating its pod network");
      await removeNetwork(docker, net, log);
    } else if (subnet === cidr) {
      const full = await docker.getNetwork(net.Id).inspect();
      if (Object.keys(full.Containers ?? {}).length === 0) {
        log.info({ network: net.Name, cidr }, 'removing an unused lite pod network with the same subnet');
        await removeNetwork(docker, net, log);
      }
    }
  }
  try {
    await docker.createNetwork(podBridgeOptions(nodeName, cidr, mtu));
  } catch (e) {
    throw new Error(`cannot create the pod network ${name} (${cidr}) in Docker: ${dockerErrorMessage(e)}`, { cause: e });
  }
  log.info({ network: name, cidr, gateway }, 'pod network created');
  return { name, cidr, gateway };
}

/** Removes the pod network(s) of `nodeName` (`lite agent --cleanup`); returns their names. */
export async function removePodBridges(docker: DockerNetworks, nodeName: string, log: Logger): Promise<string[]> {
  const nets = await docker.listNetworks({ filters: JSON.stringify({ label: [`${POD_NETWORK_LABEL}=${nodeName}`] }) });
  for (const net of nets) await removeNetwork(docker, net, log);
  return nets.map((n) => n.Name);
}
