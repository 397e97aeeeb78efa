/**
 * `lite agent --server URL --token T`: join a server and run this machine as a node until
 * SIGINT/SIGTERM. Exit codes: 0 stopped by a signal; 1 joining failed (the message names the
 * hop: address, DNS, connection, TLS, CA hash, token, node name); 2 invalid flags; 3 the
 * container runtime (Docker) is unreachable; 4 the kubelet failed to start; 5 the pod network or
 * kube-proxy could not be set up. `lite agent --cleanup` removes the node's networking and exits
 * (no --server needed).
 */
import { resolve as resolvePath } from 'node:path';
import { readFileSync } from 'node:fs';
import type { StartKubelet } from '../kubelet/kubelet-api.js';
import { createLogger } from '../util/log.js';
import { defaultDataDir } from './flags.js';
import { networkFlagsFrom, nodeFlagsFrom, type NetworkFlags, type NodeFlags } from './node-flags.js';
import { DEFAULT_CLUSTER_DNS } from '../agent/node-network.js';
import { FlagError } from './simulation-flags.js';

export const AGENT_EXIT = { ok: 0, join: 1, usage: 2, runtime: 3, kubelet: 4, network: 5 } as const;

export interface AgentArgs {
  readonly server: string;
  readonly token: string;
  readonly node: NodeFlags;
  readonly net: NetworkFlags;
}

export function agentArgs(argv: Record<string, unknown>): AgentArgs {
  const server = typeof argv.server === 'string' ? argv.server.trim() : '';
  if (!server) throw new FlagError('--server (or LITE_URL) is required: the URL of the server to join, e.g. https://10.0.0.1:6443');
  let token = typeof argv.token === 'string' ? argv.token.trim() : '';
  const tokenFile = typeof argv['token-file'] === 'string' ? argv['token-file'] : '';
  if (!token && tokenFile) {
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (e) {
      throw new FlagError(`--token-file ${tokenFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    if (!token) throw new FlagError(`--token-file ${tokenFile} is empty`);
  }
  if (!token) throw new FlagError('--token (or LITE_TOKEN, or --token-file) is required: print the join token on the server with "lite token"');
  return { server, token, node: nodeFlagsFrom(argv), net: networkFlagsFrom(argv, String(argv['cluster-cidr'] ?? '10.42.0.0/16')) };
}

/** `--cleanup` (lite agent and lite server): removes the node's networking; prints what it did. */
export async function runNetworkCleanup(command: string, argv: Record<string, unknown>, clusterCidr: string): Promise<number> {
  let node: NodeFlags;
  let net: NetworkFlags;
  try {
    node = nodeFlagsFrom(argv);
    net = networkFlagsFrom(argv, clusterCidr);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`${command}: ${e.message}\n`);
    return AGENT_EXIT.usage;
  }
  const { cleanupNodeNetwork } = await import('../agent/node-network.js');
  const logger = createLogger({ level: 'warn' });
  try {
    const done = await cleanupNodeNetwork({
      nodeName: node.nodeName,
      dockerSocket: node.dockerSocket,
      clusterCidr: net.network.clusterCidr,
      ...(net.network.flannelIface ? { flannelIface: net.network.flannelIface } : {}),
      ...(node.nodeIp ? { nodeIp: node.nodeIp } : {}),
      logger,
    });
    for (const line of done) process.stdout.write(`${command} --cleanup: ${line}\n`);
    return AGENT_EXIT.ok;
  } catch (e) {
    process.stderr.write(`${command} --cleanup: ${e instanceof Error ? e.message : String(e)}\n`);
    return AGENT_EXIT.network;
  }
}

export async function runAgentCommand(argv: Record<string, unknown>, startKubelet: StartKubelet): Promise<number> {
  if (argv.cleanup === true) return runNetworkCleanup('lite agent', argv, String(argv['cluster-cidr'] ?? '10.42.0.0/16'));
  let args: AgentArgs;
  try {
    args = agentArgs(argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`lite agent: ${e.message}\n`);
    return AGENT_EXIT.usage;
  }
  const dataDir = typeof argv['data-dir'] === 'string' && argv['data-dir'] ? argv['data-dir'] : defaultDataDir();
  const logger = createLogger({ level: (argv['log-level'] as 'info') ?? 'info' });
  let stopRequested: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (stopRequested = resolve));
  const onInt = () => stopRequested('SIGINT');
  const onTerm = () => stopRequested('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const { startAgent, AgentError } = await import('../agent/agent.js');
    const { JoinError } = await import('../agent/join.js');
    const controller = new AbortController();
    void stopped.then(() => controller.abort());
    let agent: Awaited<ReturnType<typeof startAgent>>;
    try {
      agent = await startAgent({
        server: args.server,
        token: args.token,
        nodeName: args.node.nodeName,
        dataDir,
        ...(typeof argv['default-local-storage-path'] === 'string' && argv['default-local-storage-path'] ? { localStoragePath: resolvePath(argv['default-local-storage-path']) } : {}),
        labels: args.node.labels,
        taints: args.node.taints,
        ...(args.node.nodeIp ? { nodeIp: args.node.nodeIp } : {}),
        dockerSocket: args.node.dockerSocket,
        network: args.net.network,
        clusterDns: [args.net.clusterDns ?? DEFAULT_CLUSTER_DNS],
        clusterDomain: args.net.clusterDomain,
        startKubelet,
        logger,
      });
    } catch (e) {
      if (e instanceof JoinError) {
        process.stderr.write(`lite agent: cannot join ${args.server} as node "${args.node.nodeName}": ${e.message}\n`);
        return AGENT_EXIT.join;
      }
      if (e instanceof AgentError) {
        process.stderr.write(`lite agent: ${e.message}\n`);
        return e.kind === 'runtime' ? AGENT_EXIT.runtime : e.kind === 'network' ? AGENT_EXIT.network : AGENT_EXIT.kubelet;
      }
      throw e;
    }
    try {
      await agent.whenRegistered(controller.signal);
      process.stdout.write(`lite agent: node ${agent.nodeName} (${agent.nodeIp}) joined ${args.server}\n`);
    } catch {
      // stopped before registering
    }
    const signal = await stopped;
    logger.info({ signal }, 'stopping');
    await agent.stop();
    logger.info('stopped');
    logger.flush?.();
    return AGENT_EXIT.ok;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
