import { join, resolve } from 'node:path';
import type { ServerConfig } from '../server/server.js';
import { createLogger } from '../util/log.js';
import { defaultDataDir } from './flags.js';
import { parseDuration } from '../util/duration.js';
import { durationFlag, FlagError, simulatedNodesFromFlags } from './simulation-flags.js';
import { networkFlagsFrom, nodeFlagsFrom, type NetworkFlags } from './node-flags.js';
import { nthAddress } from '../util/ipv4.js';
import { nameserversFromResolvConf } from '../dns/upstream.js';
import { readFileSync } from 'node:fs';
import { CidrSet } from '../controllers/nodeipam/cidr-set.js';

/** `lite server`: start, report readiness, stop cleanly on SIGINT/SIGTERM. Returns the exit code. */
export async function runServerCommand(argv: Record<string, unknown>): Promise<number> {
  const started = performance.now();
  const dataDir = typeof argv['data-dir'] === 'string' && argv['data-dir'] ? argv['data-dir'] : defaultDataDir();
  const logger = createLogger({ level: (argv['log-level'] as 'info') ?? 'info' });
  const portRange = String(argv['service-node-port-range'] ?? '30000-32767');
  const m = /^(\d+)-(\d+)$/.exec(portRange);
  if (!m || Number(m[1]) >= Number(m[2]) || Number(m[2]) > 65535) {
    process.stderr.write(`lite server: --service-node-port-range must look like 30000-32767, got ${JSON.stringify(portRange)}\n`);
    return 2;
  }
  const port = Number(argv['https-listen-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`lite server: --https-listen-port must be a port number, got ${JSON.stringify(argv['https-listen-port'])}\n`);
    return 2;
  }
  const mode = Number.parseInt(String(argv['write-kubeconfig-mode'] ?? '600'), 8);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    process.stderr.write(`lite server: --write-kubeconfig-mode must be an octal file mode such as 600 or 644\n`);
    return 2;
  }
  const interval = parseDuration(String(argv['datastore-compact-interval'] ?? '5m'));
  const retain = Number(argv['datastore-compact-retain'] ?? 1000);
  if (interval === undefined || interval < 1000) {
    process.stderr.write(`lite server: --datastore-compact-interval must be a duration of at least 1s, such as 30s, 5m or 1h\n`);
    return 2;
  }
  if (!Number.isInteger(retain) || retain < 1) {
    process.stderr.write(`lite server: --datastore-compact-retain must be a positive whole number of revisions\n`);
    return 2;
  }
  const clusterCidr = String(argv['cluster-cidr'] ?? '10.42.0.0/16');
  const cidrProblem = cidrError(clusterCidr);
  if (cidrProblem) {
    process.stderr.write(`lite server: --cluster-cidr ${cidrProblem}\n`);
    return 2;
  }
  if (argv.cleanup === true) {
    const { runNetworkCleanup } = await import('./agent-command.js');
    return runNetworkCleanup('lite server', argv, clusterCidr);
  }
  const serviceCidr = String(argv['service-cidr'] ?? '10.43.0.0/16');
  let net: NetworkFlags;
  let dnsIp: string;
  try {
    net = networkFlagsFrom(argv, clusterCidr);
    dnsIp = net.clusterDns ?? nthAddress(serviceCidr, 10);
  } catch (e) {
    process.stderr.write(`lite server: ${e instanceof FlagError ? e.message : `--service-cidr ${(e as Error).message}`}\n`);
    return 2;
  }
  const dnsPort = Number(argv['cluster-dns-port'] ?? 10053);
  if (!Number.isInteger(dnsPort) || dnsPort < 0 || dnsPort > 65535) {
    process.stderr.write(`lite server: --cluster-dns-port must be a port number, got ${JSON.stringify(argv['cluster-dns-port'])}\n`);
    return 2;
  }
  let ingress: ServerConfig['ingress'];
  if (argv['disable-ingress'] !== true) {
    const ports: number[] = [];
    for (const flag of ['ingress-http-port', 'ingress-https-port'] as const) {
      const value = Number(argv[flag] ?? (flag === 'ingress-http-port' ? 80 : 443));
      if (!Number.isInteger(value) || value < 0 || value > 65535) {
        process.stderr.write(`lite server: --${flag} must be a port number from 0 to 65535, got ${JSON.stringify(argv[flag])}\n`);
        return 2;
      }
      ports.push(value);
    }
    ingress = { httpPort: ports[0], httpsPort: ports[1] };
  }
  let upstreams: ReturnType<typeof nameserversFromResolvConf> | undefined;
  if (typeof argv['resolv-conf'] === 'string' && argv['resolv-conf']) {
    try {
      upstreams = nameserversFromResolvConf(readFileSync(argv['resolv-conf'], 'utf8'));
    } catch (e) {
      process.stderr.write(`lite server: --resolv-conf ${argv['resolv-conf']}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
      return 2;
    }
  }
  let gracePeriod: number;
  let metricResolution: number;
  let hpaSyncPeriod: number;
  try {
    gracePeriod = durationFlag(argv, 'node-monitor-grace-period', '40s', '40s or 2m');
    metricResolution = durationFlag(argv, 'metric-resolution', '15s', '15s or 1m');
    hpaSyncPeriod = durationFlag(argv, 'horizontal-pod-autoscaler-sync-period', '15s', '15s or 1m');
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`lite server: ${e.message}\n`);
    return 2;
  }
  let simulatedNodes: ServerConfig['simulatedNodes'];
  try {
    simulatedNodes = simulatedNodesFromFlags(argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`lite server: ${e.message}\n`);
    return 2;
  }
  // The embedded agent, as k3s runs one: unless --disable-agent, or simulated nodes stand in.
  let agent: ServerConfig['agent'];
  if (argv['disable-agent'] !== true && simulatedNodes === undefined) {
    let node: ReturnType<typeof nodeFlagsFrom>;
    try {
      node = nodeFlagsFrom(argv);
    } catch (e) {
      if (!(e instanceof FlagError)) throw e;
      process.stderr.write(`lite server: ${e.message}\n`);
      return 2;
    }
    const { startKubelet } = await import('../kubelet/kubelet.js');
    agent = {
      nodeName: node.nodeName,
      labels: node.labels,
      taints: node.taints,
      ...(node.nodeIp ? { nodeIp: node.nodeIp } : {}),
      dockerSocket: node.dockerSocket,
      // Without the controller manager no node IPAM assigns pod CIDRs: pods stay on Docker's
      // default bridge rather than the node waiting for a range that never comes.
      ...(argv['disable-controller-manager'] === true ? {} : { network: net.network }),
      clusterDns: [dnsIp],
      clusterDomain: net.clusterDomain,
      startKubelet,
    };
  }
  let stopRequested: (signal: string) => void = () => {};
  let exitCode = 0;
  const config: ServerConfig = {
    dataDir,
    bindAddress: String(argv['bind-address'] ?? '0.0.0.0'),
    httpsPort: port,
    tlsSans: ((argv['tls-san'] as string[] | undefined) ?? []).map(String),
    advertiseAddress: typeof argv['advertise-address'] === 'string' ? argv['advertise-address'] : undefined,
    kubeconfigPath: typeof argv['write-kubeconfig'] === 'string' && argv['write-kubeconfig'] ? argv['write-kubeconfig'] : join(dataDir, 'kubeconfig.yaml'),
    kubeconfigMode: mode,
    serviceCidr,
    clusterDns: { port: dnsPort, domain: net.clusterDomain, ...(upstreams ? { upstreams } : {}) },
    serviceLb: argv['disable-servicelb'] !== true,
    ...(ingress ? { ingress } : {}),
    localStoragePath: resolve(typeof argv['default-local-storage-path'] === 'string' && argv['default-local-storage-path'] ? argv['default-local-storage-path'] : join(dataDir, 'storage')),
    clusterCidr,
    nodePortRange: [Number(m[1]), Number(m[2])],
    onLostLeadership: () => {
      // As upstream controller managers do: stop, and let the supervisor start a fresh process.
      exitCode = 1;
      stopRequested('lost-leadership');
    },
    compaction: { intervalMs: interval, retainRevisions: retain },
    datastoreWriter: argv['datastore-writer'] === 'thread' ? 'thread' : 'inline',
    disableControllerManager: argv['disable-controller-manager'] === true,
    disableScheduler: argv['disable-scheduler'] === true,
    disableMetricsServer: argv['disable-metrics-server'] === true,
    metricResolutionMs: metricResolution,
    hpaSyncPeriodMs: hpaSyncPeriod,
    nodeMonitorGracePeriodMs: gracePeriod,
    simulatedNodes,
    agent,
    logger,
  };

  // Signals are handled from before start-up, so a stop request during or right after start
  // still ends in a clean shutdown.
  const stopped = new Promise<string>((resolve) => (stopRequested = resolve));
  const onInt = () => stopRequested('SIGINT');
  const onTerm = () => stopRequested('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const { startServer } = await import('../server/server.js');
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(`lite server: port ${config.httpsPort} on ${config.bindAddress} is already in use (is another lite server running?); choose another with --https-listen-port\n`);
      return 1;
    }
    if (code === 'EACCES') {
      process.stderr.write(`lite server: not allowed to listen on port ${config.httpsPort} or to write ${config.dataDir}; run as root or choose --https-listen-port/--data-dir\n`);
      return 1;
    }
    throw e;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  logger.info({ url: server.url, kubeconfig: server.kubeconfigPath, seconds: Number(seconds) }, 'lite server is ready');
  process.stdout.write(`lite server ready in ${seconds}s at ${server.url}\nkubeconfig: ${server.kubeconfigPath}\n  export KUBECONFIG=${server.kubeconfigPath}\n`);
  if (server.embeddedAgent) {
    const problem = server.embeddedAgent.problem;
    if (problem) process.stdout.write(`no node: ${problem}\n  (the server keeps trying; pods stay Pending until a node is Ready; --disable-agent runs the control plane alone)\n`);
    else process.stdout.write(`node: ${server.embeddedAgent.agent?.nodeName ?? ''} (embedded agent)\n`);
  }
  if (server.ingress) process.stdout.write(`ingress: http on port ${server.ingress.httpPort}, https on port ${server.ingress.httpsPort} (IngressClass "lite")\n`);
  else if (config.ingress) process.stdout.write(`ingress: not running (see the log; --ingress-http-port/--ingress-https-port choose other ports)\n`);
  const signal = await stopped;
  logger.info({ signal }, 'stopping');
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  await server.stop();
  logger.info('stopped');
  logger.flush?.();
  return exitCode;
}


/** Why a cluster CIDR cannot be split into /24 node ranges, or undefined when it can. */
function cidrError(cidr: string): string | undefined {
  try {
    new CidrSet(cidr, 24);
    return undefined;
  } catch (e) {
    return `must be an IPv4 range between /8 and /24 such as 10.42.0.0/16: ${e instanceof Error ? e.message : String(e)}`;
  }
}
