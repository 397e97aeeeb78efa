/**
 * The composition root of a node: `lite agent` (`startAgent`) and the agent embedded in
 * `lite server` (`startEmbeddedAgent`). Built from one config object, started in order, stopped
 * in reverse:
 *
 *   join (remote only: CA pinned by the token, node certificate) → API client as
 *   system:node:<name> → container runtime (Docker; a clear error when it is unreachable) → pause
 *   image ensured (built locally) → `<data-dir>/agent/images/*.tar` imported → node registration,
 *   Lease and status (src/kubelet/node) → the kubelet's pod side (startKubelet) → the kubelet API
 *   (KubeletServer) → reachable by the server: a tunnel the agent dials (remote, reconnecting
 *   with backoff) or an in-process link (embedded).
 *
 * Stopping leaves containers running, as a kubelet process that exits does: a restarted agent
 * adopts them.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Client } from '../client/client.js';
import { HttpClient } from '../client/http-client.js';
import type { KubeletConfig, RunningKubelet, StartKubelet } from '../kubelet/kubelet-api.js';
import { linuxHostProbe, type HostProbe } from '../kubelet/node/host-info.js';
import type { Taint } from '../kubelet/node/node-object.js';
import { NodeStatusManager, type NodeStatusManagerConfig } from '../kubelet/node/node-status-manager.js';
import { KubeletServer } from '../kubelet/server/kubelet-server.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { createDockerApi, DEFAULT_DOCKER_SOCKET, dockerErrorMessage } from '../runtime/docker/docker-api.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { ensurePauseImage } from '../runtime/docker/pause-image.js';
import { directConnection, type DirectKubeletRegistry } from '../tunnel/kubelet-connection.js';
import { TunnelClient } from '../tunnel/tunnel-client.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { KUBERNETES_VERSION, LITE_VERSION } from '../version.js';
import { importImagesDir } from './images-dir.js';
import { joinCluster } from './join.js';
import { detectNodeIp } from './node-ip.js';
import { preparePodNetwork, startNodeNetwork, type NodeNetworkConfig } from './node-network.js';
import type { PodBridge } from '../network/pod-bridge.js';

/** Why an agent could not start, other than joining (JoinError). */
export class AgentError extends Error {
  constructor(
    readonly kind: 'runtime' | 'kubelet' | 'network',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentError';
  }
}

/** The kubelet version nodes report (kubectl get nodes VERSION). */
export const KUBELET_VERSION = `${KUBERNETES_VERSION}+lite`;

export interface NodeConfig {
  readonly nodeName: string;
  /** The lite data dir: agent state lives in `<dataDir>/agent` (credentials, images/, kubelet/, pod-manifests/). */
  readonly dataDir: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  /** InternalIP (default: the address that routes to the server, else the host's first IPv4). */
  readonly nodeIp?: string;
  /** Default /var/run/docker.sock. */
  readonly dockerSocket?: string;
  /** The kubelet's pod side (src/kubelet/kubelet.ts). */
  readonly startKubelet: StartKubelet;
  readonly clusterDns?: readonly string[];
  readonly clusterDomain?: string;
  /**
   * Cluster networking on this node (pod bridge from spec.podCIDR, kube-proxy, overlay); only
   * with the Docker runtime. Absent: pods stay on Docker's default bridge and no rules are written.
   */
  readonly network?: NodeNetworkConfig;
  /** Where local-path volumes live on this node (default `<dataDir>/storage`, as k3s). */
  readonly localStoragePath?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** A runtime instead of Docker (tests: the simulated runtime). */
  readonly runtime?: ContainerRuntime;
  /** Host facts and usage (tests); default: this machine, for the data dir's filesystem. */
  readonly host?: HostProbe;
  /** Heartbeat periods (tests). */
  readonly heartbeats?: Pick<NodeStatusManagerConfig, 'leaseRenewIntervalMs' | 'statusUpdateIntervalMs' | 'statusReportIntervalMs' | 'leaseDurationSeconds'>;
}

export interface AgentConfig extends NodeConfig {
  /** e.g. https://10.0.0.1:6443 */
  readonly server: string;
  readonly token: string;
  /** Tunnel reconnect backoff (default 500 ms doubling to 30 s). */
  readonly tunnelBackoff?: { readonly initialMs?: number; readonly maxMs?: number };
}

/** Where the server registers the embedded kubelet's in-process connection. */
export type { DirectKubeletRegistry };

export interface EmbeddedAgentConfig extends NodeConfig {
  /** The in-process client, acting as system:node:<name>. */
  readonly client: Client;
  readonly kubelets: DirectKubeletRegistry;
}

export interface RunningAgent {
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly runtime: ContainerRuntime;
  readonly kubelet: RunningKubelet;
  /** Resolves once the Node is registered with its first status. */
  whenRegistered(signal?: AbortSignal): Promise<void>;
  /** For `lite agent`: the tunnel's state ('connected' once the server can reach the kubelet). */
  readonly tunnel?: TunnelClient;
  stop(): Promise<void>;
}

/** The agent's own directory under the data dir, and what lives in it. */
export function agentPaths(dataDir: string): { dir: string; images: string; manifests: string } {
  const dir = join(dataDir, 'agent');
  return { dir, images: join(dir, 'images'), manifests: join(dir, 'pod-manifests') };
}

/** Docker at `socket`, checked and with the pause image ready; AgentError('runtime') when unreachable. */
export async function connectDocker(nodeName: string, socket: string, logger: Logger): Promise<DockerRuntime> {
  const docker = createDockerApi(socket);
  try {
    await docker.version();
  } catch (e) {
    throw new AgentError(
      'runtime',
      `cannot reach Docker at ${socket}: ${dockerErrorMessage(e)}. Start the Docker engine (e.g. "systemctl start docker", or "dockerd &"), or point --docker-socket at it`,
      { cause: e },
    );
  }
  try {
    await ensurePauseImage(docker);
  } catch (e) {
    throw new AgentError('runtime', `cannot build the pause image lite/pause:3.10 in Docker at ${socket}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return new DockerRuntime({ nodeName, docker, socketPath: socket, logger });
}

interface Stack {
  readonly stops: (() => Promise<void> | void)[];
  stop(): Promise<void>;
}

function stack(controller: AbortController, log: Logger): Stack {
  // The kubelet's workers and loops all listen on this one signal.
  setMaxListeners(0, controller.signal);
  const stops: (() => Promise<void> | void)[] = [];
  let stopping: Promise<void> | undefined;
  return {
    stops,
    stop() {
      stopping ??= (async () => {
        controller.abort();
        for (const s of stops.reverse()) {
          try {
            await s();
          } catch (e) {
            log.error({ err: e }, 'error while stopping the agent');
          }
        }
      })();
      return stopping;
    },
  };
}

/**
 * Everything but the API client and the way the server reaches the kubelet: runtime, images,
 * node registration, pod side, kubelet API. Throws (after undoing what it started) on failure.
 */
async function startNode(
  config: NodeConfig,
  client: Client,
  nodeIp: string,
  controlPlane: boolean,
  signal: AbortSignal,
  s: Stack,
): Promise<{ runtime: ContainerRuntime; kubelet: RunningKubelet; server: KubeletServer; status: NodeStatusManager }> {
  const clock = config.clock ?? systemClock;
  const log = (config.logger ?? silentLogger).child({ node: config.nodeName });
  const paths = agentPaths(config.dataDir);
  const runtime = config.runtime ?? (await connectDocker(config.nodeName, config.dockerSocket ?? DEFAULT_DOCKER_SOCKET, log.child({ component: 'runtime' })));
  await importImagesDir(runtime, paths.images, log.child({ component: 'images' }));

  const status = new NodeStatusManager({
    client,
    runtime,
    nodeName: config.nodeName,
    nodeIp,
    host: config.host ?? linuxHostProbe(config.dataDir),
    ...(config.labels ? { labels: config.labels } : {}),
    ...(config.taints ? { taints: config.taints } : {}),
    controlPlane,
    kubeletVersion: KUBELET_VERSION,
    clock,
    logger: log,
    ...config.heartbeats,
  });
  const statusLoop = status.run(signal).catch((e: unknown) => log.error({ err: e }, 'node status loop failed'));
  s.stops.push(() => statusLoop);

  // Pods get addresses of the node's pod CIDR, so the Node must have one first.
  const network = config.network && !config.runtime ? config.network : undefined;
  let bridge: PodBridge | undefined;
  if (network) {
    try {
      bridge = await preparePodNetwork({ config: network, client, nodeName: config.nodeName, nodeIp, dockerSocket: config.dockerSocket ?? DEFAULT_DOCKER_SOCKET, clock, logger: log.child({ component: 'pod-network' }), signal });
    } catch (e) {
      if (signal.aborted) throw e;
      throw new AgentError('network', `the pod network could not be set up: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  const kubeletConfig: KubeletConfig = {
    client,
    runtime,
    nodeName: config.nodeName,
    dataDir: paths.dir,
    staticPodDir: paths.manifests,
    nodeIp,
    ...(config.clusterDns ? { clusterDns: config.clusterDns } : {}),
    ...(config.clusterDomain ? { clusterDomain: config.clusterDomain } : {}),
    ...(bridge ? { podNetwork: { name: bridge.name, cidr: bridge.cidr } } : {}),
    localStoragePath: config.localStoragePath ?? join(config.dataDir, 'storage'),
    clock,
    logger: log.child({ component: 'kubelet' }),
  };
  let kubelet: RunningKubelet;
  try {
    kubelet = await config.startKubelet(kubeletConfig, signal);
  } catch (e) {
    throw new AgentError('kubelet', `the kubelet did not start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  s.stops.push(() => kubelet.stop());
  if (network && bridge) {
    try {
      const running = await startNodeNetwork({ config: network, bridge, client, nodeName: config.nodeName, nodeIp, clock, logger: log, signal });
      s.stops.push(() => running.stopped());
    } catch (e) {
      throw new AgentError('network', `cluster networking did not start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  // CONNECT /dial (pods/proxy, services/proxy) may reach this node's addresses and pod CIDR.
  const dialScope = { nodeIps: [nodeIp], podCidrs: bridge ? [bridge.cidr] : [] };
  const server = new KubeletServer({ nodeName: config.nodeName, runtime, pods: kubelet.streaming, dialScope, clock, logger: log });
  return { runtime, kubelet, server, status };
}

/** `lite agent`: joins `config.server` and runs the node until stop(). */
export async function startAgent(config: AgentConfig): Promise<RunningAgent> {
  const clock = config.clock ?? systemClock;
  const log = config.logger ?? silentLogger;
  const controller = new AbortController();
  const s = stack(controller, log);
  try {
    const creds = await joinCluster({ server: config.server, token: config.token, nodeName: config.nodeName, dataDir: config.dataDir, clock, logger: log.child({ component: 'join' }) });
    const client = new HttpClient({
      server: config.server,
      caPem: creds.caPem,
      certPem: creds.certPem,
      keyPem: creds.keyPem,
      userAgent: `kubelet/${KUBELET_VERSION} (${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}) lite/${LITE_VERSION}`,
    });
    s.stops.push(() => client.close());
    const nodeIp = config.nodeIp ?? (await detectNodeIp(config.server));
    const node = await startNode(config, client, nodeIp, false, controller.signal, s);
    const tunnel = new TunnelClient({
      serverUrl: config.server,
      tls: { caPem: creds.caPem, certPem: creds.certPem, keyPem: creds.keyPem },
      handler: node.server,
      clock,
      logger: log,
      ...(config.tunnelBackoff ? { backoff: config.tunnelBackoff } : {}),
    });
    const tunnelLoop = tunnel.run(controller.signal);
    s.stops.push(() => tunnelLoop);
    log.info({ node: config.nodeName, server: config.server, nodeIp }, 'agent started');
    return {
      nodeName: config.nodeName,
      nodeIp,
      runtime: node.runtime,
      kubelet: node.kubelet,
      tunnel,
      whenRegistered: (signal) => node.status.whenRegistered(signal),
      stop: () => s.stop(),
    };
  } catch (e) {
    await s.stop();
    throw e;
  }
}

/**
 * The agent inside `lite server`: no join (it is the server), the in-process client, and the
 * kubelet API registered as the node's direct connection.
 */
export async function startEmbeddedAgent(config: EmbeddedAgentConfig): Promise<RunningAgent> {
  const log = config.logger ?? silentLogger;
  const controller = new AbortController();
  const s = stack(controller, log);
  try {
    const nodeIp = config.nodeIp ?? (await detectNodeIp());
    const node = await startNode(config, config.client, nodeIp, true, controller.signal, s);
    const unregister = config.kubelets.registerDirect(config.nodeName, directConnection(node.server));
    s.stops.push(unregister);
    log.info({ node: config.nodeName, nodeIp }, 'embedded agent started');
    return {
      nodeName: config.nodeName,
      nodeIp,
      runtime: node.runtime,
      kubelet: node.kubelet,
      whenRegistered: (signal) => node.status.whenRegistered(signal),
      stop: () => s.stop(),
    };
  } catch (e) {
    await s.stop();
    throw e;
  }
}

/** The embedded agent as the server sees it: running, or waiting for Docker (and why). */
export interface EmbeddedAgentHandle {
  /** The running agent, once it started. */
  readonly agent: RunningAgent | undefined;
  /** Why there is no node yet (e.g. Docker unreachable); undefined once it runs. */
  readonly problem: string | undefined;
  /** Resolves with the agent once it runs; rejects if stopped first. */
  whenRunning(signal?: AbortSignal): Promise<RunningAgent>;
  stop(): Promise<void>;
}

/**
 * Starts the embedded agent; if the container runtime is unreachable, the server still runs and
 * this keeps trying every `retryMs` (default 5 s), logging the reason, until it starts or stop().
 * Other failures are thrown.
 */
export async function superviseEmbeddedAgent(config: EmbeddedAgentConfig, retryMs = 5000): Promise<EmbeddedAgentHandle> {
  const clock = config.clock ?? systemClock;
  const log = (config.logger ?? silentLogger).child({ component: 'embedded-agent' });
  const stopping = new AbortController();
  let agent: RunningAgent | undefined;
  let problem: string | undefined;
  let waiters: ((a: RunningAgent) => void)[] = [];
  const started = (a: RunningAgent) => {
    agent = a;
    problem = undefined;
    for (const w of waiters) w(a);
    waiters = [];
  };
  try {
    started(await startEmbeddedAgent(config));
  } catch (e) {
    if (!(e instanceof AgentError && e.kind === 'runtime')) throw e;
    problem = e.message;
    log.warn({ reason: e.message }, 'no node: the embedded agent cannot start; retrying until the container runtime is reachable');
  }
  const retrying = agent
    ? Promise.resolve()
    : (async () => {
        for (let attempt = 1; !stopping.signal.aborted; attempt++) {
          try {
            await clock.sleep(retryMs, stopping.signal);
          } catch {
            return;
          }
          try {
            const a = await startEmbeddedAgent(config);
            if (stopping.signal.aborted) {
              await a.stop();
              return;
            }
            log.info('the container runtime is reachable now: embedded agent started');
            started(a);
            return;
          } catch (e) {
            problem = e instanceof Error ? e.message : String(e);
            if (attempt % 12 === 0) log.warn({ reason: problem, attempt }, 'the embedded agent still cannot start; retrying');
          }
        }
      })();
  return {
    get agent() {
      return agent;
    },
    get problem() {
      return problem;
    },
    whenRunning(signal?: AbortSignal): Promise<RunningAgent> {
      if (agent) return Promise.resolve(agent);
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(new Error('stopped before the embedded agent started'));
        signal?.addEventListener('abort', onAbort, { once: true });
        stopping.signal.addEventListener('abort', onAbort, { once: true });
        waiters.push((a) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(a);
        });
      });
    },
    async stop() {
      stopping.abort();
      await retrying;
      await agent?.stop();
    },
  };
}
