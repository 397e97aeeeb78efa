/**
 * A node's share of cluster networking, composed by the agent (k3s runs flannel and kube-proxy
 * in every agent the same way):
 *
 *   host sysctls (ip_forward, bridge-nf-call-iptables) → the Node's spec.podCIDR
 *   (node IPAM) → the pod bridge (a Docker network with that subnet, src/network/pod-bridge.ts)
 *   → [kubelet runs sandboxes on it] → kube-proxy (src/proxy) → overlay to the other nodes
 *   (src/network/overlay, VXLAN or host-gw, with flannel's masquerade of off-cluster traffic).
 *
 * `cleanupNodeNetwork` undoes all of it (`lite agent --cleanup`, `lite server --cleanup`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { isJsonObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import { startOverlay, cleanupOverlay, type RunningOverlay } from '../network/overlay/overlay.js';
import type { OverlayBackend } from '../network/overlay/overlay-plan.js';
import { ExecIpRunner, observe } from '../network/overlay/overlay-reconciler.js';
import { dockerNetworks, ensurePodBridge, removePodBridges, type PodBridge } from '../network/pod-bridge.js';
import { ExecIptablesRunner } from '../proxy/iptables.js';
import { cleanupProxyRules, startProxy, type RunningProxy } from '../proxy/proxy.js';
import type { Clock } from '../util/clock.js';

export const DEFAULT_CLUSTER_DNS = '10.43.0.10';

export interface NodeNetworkConfig {
  /** The cluster's pod range (--cluster-cidr, default 10.42.0.0/16). */
  readonly clusterCidr: string;
  /** 'none': no overlay and no masquerade of pod traffic (another CNI's job). */
  readonly flannelBackend: OverlayBackend | 'none';
  /** Interface towards the other nodes (default: the one holding the node IP). */
  readonly flannelIface?: string;
  /** Run kube-proxy (default true; --disable-kube-proxy). */
  readonly kubeProxy: boolean;
  /** Full resync period of kube-proxy and the overlay (default 30 s). */
  readonly resyncMs?: number;
}

export const DEFAULT_NETWORK: NodeNetworkConfig = { clusterCidr: '10.42.0.0/16', flannelBackend: 'vxlan', kubeProxy: true };

/** The sysctls pod networking needs (kube-proxy and flannel set the same ones). */
export const NETWORK_SYSCTLS: readonly (readonly [string, string])[] = [
  ['net/ipv4/ip_forward', '1'],
  // Pod-to-Service traffic that stays on the pod bridge must pass iptables to be un-DNATed.
  ['net/bridge/bridge-nf-call-iptables', '1'],
];

/**
 * What kube-proxy sets for NodePorts on 127.0.0.0/8 (its default --iptables-localhost-nodeports):
 * without it the kernel drops DNATed packets that still carry a loopback source.
 */
export const LOCALHOST_NODEPORT_SYSCTLS: readonly (readonly [string, string])[] = [['net/ipv4/conf/all/route_localnet', '1']];

export function applyNetworkSysctls(log: Logger, root = '/proc/sys', sysctls = NETWORK_SYSCTLS): void {
  for (const [key, value] of sysctls) {
    const path = `${root}/${key}`;
    try {
      if (readFileSync(path, 'utf8').trim() === value) continue;
      writeFileSync(path, value);
      log.info({ sysctl: key.replaceAll('/', '.'), value }, 'sysctl set');
    } catch (e) {
      log.warn({ sysctl: key.replaceAll('/', '.'), value, err: (e as Error).message }, 'cannot set a sysctl pod networking needs');
    }
  }
}

/** The interface holding `ip` (the overlay's uplink). */
export function interfaceOf(ip: string): string | undefined {
  for (const [name, list] of Object.entries(networkInterfaces())) if ((list ?? []).some((a) => a.address === ip)) return name;
  return undefined;
}

/**
 * The Node's spec.podCIDR, once node IPAM has assigned it; waits (checking every `pollMs`) until
 * then or until `signal` aborts. Logs once if it takes longer than 10 s.
 */
export async function waitForPodCidr(client: Client, nodeName: string, clock: Clock, log: Logger, signal: AbortSignal, pollMs = 250): Promise<string> {
  const started = clock.now();
  let warned = false;
  for (;;) {
    signal.throwIfAborted();
    try {
      const node = await client.get(resources.nodes, '', nodeName);
      const spec = isJsonObject(node.spec) ? node.spec : {};
      const cidrs = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : [];
      const cidr = typeof spec.podCIDR === 'string' && spec.podCIDR ? spec.podCIDR : typeof cidrs[0] === 'string' ? cidrs[0] : undefined;
      if (cidr) return cidr;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) log.debug({ err: e }, 'reading the node for its pod CIDR');
    }
    if (!warned && clock.now() - started > 10_000) {
      warned = true;
      log.warn({ node: nodeName }, 'waiting for the node to get a pod CIDR (spec.podCIDR) from the server; is the controller manager running?');
    }
    await clock.sleep(pollMs, signal);
  }
}

export interface RunningNodeNetwork {
  readonly bridge: PodBridge;
  readonly proxy?: RunningProxy;
  readonly overlay?: RunningOverlay;
  /** Resolves when the loops ended after the signal aborted (rules and devices stay). */
  stopped(): Promise<void>;
}

/** VXLAN's encapsulation overhead (outer IPv4 + UDP + VXLAN + Ethernet headers), as flannel. */
const VXLAN_OVERHEAD = 50;

/**
 * Everything before the kubelet: sysctls, pod CIDR, pod bridge. With VXLAN the pods' MTU is the
 * uplink's less the encapsulation (flannel hands the CNI the same), so full-size packets between
 * nodes are not dropped.
 */
export async function preparePodNetwork(opts: { config: NodeNetworkConfig; client: Client; nodeName: string; nodeIp: string; dockerSocket: string; clock: Clock; logger: Logger; signal: AbortSignal }): Promise<PodBridge> {
  applyNetworkSysctls(opts.logger);
  const cidr = await waitForPodCidr(opts.client, opts.nodeName, opts.clock, opts.logger, opts.signal);
  let mtu: number | undefined;
  if (opts.config.flannelBackend === 'vxlan') {
    const uplink = opts.config.flannelIface ?? interfaceOf(opts.nodeIp);
    const link = uplink ? (await observe(new ExecIpRunner({ logger: opts.logger }), 'flannel.1')).links.find((l) => l.name === uplink) : undefined;
    if (link) mtu = link.mtu - VXLAN_OVERHEAD;
  }
  return ensurePodBridge(dockerNetworks(opts.dockerSocket), opts.nodeName, cidr, opts.logger, mtu);
}

/** kube-proxy and the overlay (after the kubelet started). */
export async function startNodeNetwork(opts: {
  config: NodeNetworkConfig;
  bridge: PodBridge;
  client: Client;
  nodeName: string;
  nodeIp: string;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}): Promise<RunningNodeNetwork> {
  const { config, logger } = opts;
  const iptables = new ExecIptablesRunner({ logger: logger.child({ component: 'iptables' }) });
  if (config.kubeProxy) applyNetworkSysctls(logger, undefined, LOCALHOST_NODEPORT_SYSCTLS);
  const proxy = config.kubeProxy
    ? await startProxy({ client: opts.client, nodeName: opts.nodeName, nodeIps: [opts.nodeIp], clusterCidr: config.clusterCidr, iptables, ...(config.resyncMs ? { resyncMs: config.resyncMs } : {}), clock: opts.clock, logger }, opts.signal)
    : undefined;
  let overlay: RunningOverlay | undefined;
  if (config.flannelBackend !== 'none') {
    const uplink = config.flannelIface ?? interfaceOf(opts.nodeIp);
    if (!uplink) throw new Error(`no interface holds the node IP ${opts.nodeIp}; name the interface towards the other nodes with --flannel-iface`);
    overlay = await startOverlay(
      {
        client: opts.client,
        nodeName: opts.nodeName,
        backend: config.flannelBackend,
        clusterCidr: config.clusterCidr,
        uplink,
        ip: new ExecIpRunner({ logger: logger.child({ component: 'ip' }) }),
        iptables,
        ...(config.resyncMs ? { resyncMs: config.resyncMs } : {}),
        clock: opts.clock,
        logger,
      },
      opts.signal,
    );
  }
  logger.info({ podCidr: opts.bridge.cidr, network: opts.bridge.name, kubeProxy: config.kubeProxy, backend: config.flannelBackend }, 'pod network ready');
  return {
    bridge: opts.bridge,
    proxy,
    overlay,
    stopped: async () => {
      await Promise.allSettled([proxy?.stopped, overlay?.stopped]);
    },
  };
}

/**
 * Removes what the node's networking added: kube-proxy's chains and jumps, the overlay device,
 * its routes and flannel's masquerade chains, and the node's pod bridge network in Docker
 * (containers still on it are disconnected). Returns what it did, one line each.
 */
export async function cleanupNodeNetwork(opts: { nodeName: string; dockerSocket: string; clusterCidr: string; flannelIface?: string; nodeIp?: string; logger: Logger }): Promise<string[]> {
  const done: string[] = [];
  const { logger } = opts;
  const iptables = new ExecIptablesRunner({ logger });
  await cleanupProxyRules(iptables, logger);
  done.push('kube-proxy iptables rules removed');
  const uplink = opts.flannelIface ?? (opts.nodeIp ? interfaceOf(opts.nodeIp) : undefined);
  await cleanupOverlay({ ip: new ExecIpRunner({ logger }), iptables, clusterCidr: opts.clusterCidr, ...(uplink ? { uplink } : {}), logger });
  done.push('overlay device, routes and masquerade rules removed');
  try {
    const names = await removePodBridges(dockerNetworks(opts.dockerSocket), opts.nodeName, logger);
    done.push(names.length ? `pod network ${names.join(', ')} removed` : 'no pod network to remove');
  } catch (e) {
    done.push(`pod network not removed: ${(e as Error).message}`);
  }
  return done;
}
