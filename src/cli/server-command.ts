import { join } from 'node:path';
import { startServer, type ServerConfig } from '../server/server.js';
import { createLogger } from '../util/log.js';
import { defaultDataDir } from './flags.js';
import { parseDuration } from '../util/duration.js';

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
  const config: ServerConfig = {
    dataDir,
    bindAddress: String(argv['bind-address'] ?? '0.0.0.0'),
    httpsPort: port,
    tlsSans: ((argv['tls-san'] as string[] | undefined) ?? []).map(String),
    advertiseAddress: typeof argv['advertise-address'] === 'string' ? argv['advertise-address'] : undefined,
    kubeconfigPath: typeof argv['write-kubeconfig'] === 'string' && argv['write-kubeconfig'] ? argv['write-kubeconfig'] : join(dataDir, 'kubeconfig.yaml'),
    kubeconfigMode: mode,
    serviceCidr: String(argv['service-cidr'] ?? '10.43.0.0/16'),
    nodePortRange: [Number(m[1]), Number(m[2])],
    compaction: { intervalMs: interval, retainRevisions: retain },
    logger,
  };

  const server = await startServer(config);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  logger.info({ url: server.url, kubeconfig: server.kubeconfigPath, seconds: Number(seconds) }, 'lite server is ready');
  if (argv['disable-agent'] !== true) {
    logger.warn('the embedded agent is not available yet in this version of lite: running the control plane only (pods will stay Pending)');
  }
  process.stdout.write(`lite server ready in ${seconds}s at ${server.url}\nkubeconfig: ${server.kubeconfigPath}\n  export KUBECONFIG=${server.kubeconfigPath}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await server.stop();
  logger.info('stopped');
  logger.flush?.();
  return 0;
}

