/**
 * Flag definitions, kept apart from the code that runs them (as k3s does). Every flag has a
 * LITE_* environment mirror (--data-dir ↔ LITE_DATA_DIR; a flag on the command line wins) and a
 * category for `--help`. Only the mirrors of defined flags are read: other LITE_* variables are
 * ignored, as k3s ignores K3S_* variables it does not know.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Options } from 'yargs';

export type FlagSpec = Options & {
  describe: string;
  group: string;
  /** The environment mirror when it is not LITE_<FLAG> (e.g. --server ↔ LITE_URL, as k3s' K3S_URL). */
  env?: string;
};

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/lite' : join(homedir(), '.lite');
}

/** Adds the env mirror to a description so --help shows it. */
export function envName(flag: string): string {
  return `LITE_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function withEnv(flags: Record<string, FlagSpec>): Record<string, FlagSpec> {
  return Object.fromEntries(Object.entries(flags).map(([name, spec]) => [name, { ...spec, describe: `${spec.describe} [env: ${spec.env ?? envName(name)}]` }]));
}

const DATA = 'Data:';
const LISTENER = 'Listener:';
const NETWORK = 'Networking:';
const LOGGING = 'Logging:';
const COMPONENTS = 'Components:';
const DATASTORE = 'Datastore:';
const SIMULATION = 'Simulated nodes:';
const CLUSTER = 'Cluster:';
const AGENT_NODE = 'Agent/node:';
const AGENT_RUNTIME = 'Agent/runtime:';

export const commonFlags = withEnv({
  'data-dir': { type: 'string', describe: 'Folder for state, certificates and kubeconfig (default /var/lib/lite as root, else ~/.lite)', group: DATA },
  'log-level': { type: 'string', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], describe: 'How much to log (to stderr, as JSON lines)', group: LOGGING },
});

export const serverFlags = withEnv({
  'bind-address': { type: 'string', default: '0.0.0.0', describe: 'Address the API server listens on', group: LISTENER },
  'https-listen-port': { type: 'number', default: 6443, describe: 'HTTPS port of the API server', group: LISTENER },
  'tls-san': { type: 'array', string: true, default: [], describe: 'Extra host name or IP for the serving certificate (repeatable)', group: LISTENER },
  'advertise-address': { type: 'string', describe: 'Address written into the kubeconfig and the kubernetes Service endpoints (default 127.0.0.1 in the kubeconfig, the first host address for endpoints)', group: LISTENER },
  'write-kubeconfig': { type: 'string', describe: 'Where to write the admin kubeconfig (default <data-dir>/kubeconfig.yaml)', group: DATA },
  'default-local-storage-path': { type: 'string', describe: 'Where the local-path provisioner (default StorageClass local-path) creates volume directories on the nodes (default <data-dir>/storage)', group: DATA },
  'write-kubeconfig-mode': { type: 'string', default: '600', describe: 'File mode of the written kubeconfig, in octal', group: DATA },
  'service-cidr': { type: 'string', default: '10.43.0.0/16', describe: 'IPv4 range for Service cluster IPs', group: NETWORK },
  'cluster-cidr': { type: 'string', default: '10.42.0.0/16', describe: 'IPv4 range for pod IPs; each node gets a /24 of it', group: NETWORK },
  'service-node-port-range': { type: 'string', default: '30000-32767', describe: 'Port range for NodePort Services', group: NETWORK },
  'cluster-dns-port': { type: 'number', default: 10053, describe: 'Port the cluster DNS listens on at the node IP (UDP and TCP); pods reach it through the kube-dns Service (10th address of --service-cidr, port 53). 0: any free port', group: NETWORK },
  'resolv-conf': { type: 'string', describe: 'resolv.conf whose nameservers the cluster DNS forwards other names to (default /etc/resolv.conf; systemd-resolved\'s list when that names only a loopback stub)', group: NETWORK },
  'disable-ingress': { type: 'boolean', default: false, describe: 'Do not run the ingress controller (k3s --disable traefik): Ingresses of the "lite" class are not served', group: COMPONENTS },
  'ingress-http-port': { type: 'number', default: 80, describe: 'Port the ingress controller serves HTTP on, at the bind address (0: any free port)', group: COMPONENTS },
  'ingress-https-port': { type: 'number', default: 443, describe: 'Port the ingress controller serves HTTPS on, at the bind address (0: any free port)', group: COMPONENTS },
  'disable-servicelb': { type: 'boolean', default: false, describe: 'Do not run ServiceLB (LoadBalancer Services get no ingress address)', group: COMPONENTS },
  'datastore-compact-interval': { type: 'string', default: '5m', describe: 'How often old revisions are compacted away (e.g. 30s, 5m, 1h)', group: DATASTORE },
  'datastore-writer': { type: 'string', default: 'inline', choices: ['inline', 'thread'], describe: 'Where SQLite commits (and their fsyncs) run: on the main thread (default; least CPU per write), or on a writer thread of their own (keeps slow fsyncs, e.g. on network disks, from stalling the API server)', group: DATASTORE },
  'datastore-compact-retain': { type: 'number', default: 1000, describe: 'Newest revisions kept by compaction; watches from older ones get 410 Gone', group: DATASTORE },
  'disable-controller-manager': { type: 'boolean', default: false, describe: 'Do not run the controllers (deployments, jobs, garbage collection …)', group: COMPONENTS },
  'disable-scheduler': { type: 'boolean', default: false, describe: 'Do not run the scheduler (pods stay unbound unless something else binds them)', group: COMPONENTS },
  'disable-metrics-server': { type: 'boolean', default: false, describe: 'Do not serve the resource metrics API (kubectl top) nor scrape the kubelets for it', group: COMPONENTS },
  'horizontal-pod-autoscaler-sync-period': { type: 'string', default: '15s', describe: 'How often the HorizontalPodAutoscaler controller looks at each autoscaler (kube-controller-manager --horizontal-pod-autoscaler-sync-period)', group: COMPONENTS },
  'metric-resolution': { type: 'string', default: '15s', describe: 'How often the built-in metrics-server scrapes the kubelets (kubectl top averages CPU over this window)', group: COMPONENTS },
  'disable-agent': { type: 'boolean', default: false, describe: 'Run the control plane only, without the embedded agent', group: COMPONENTS },
  'node-monitor-grace-period': { type: 'string', default: '40s', describe: 'Silence after which a node is marked NotReady (Ready=Unknown) and tainted', group: COMPONENTS },
  'simulate-nodes': { type: 'number', default: 0, describe: 'Register this many simulated nodes (kwok-like kubelets: pods go Running without containers)', group: SIMULATION },
  'simulate-node-capacity': { type: 'string', describe: 'Capacity of each simulated node, e.g. cpu=4,memory=16Gi,pods=110 (default cpu=32,memory=256Gi,pods=110)', group: SIMULATION },
  'simulate-node-label': { type: 'array', string: true, default: [], describe: 'Label key=value for every simulated node (repeatable)', group: SIMULATION },
  'simulate-node-taint': { type: 'array', string: true, default: [], describe: 'Taint key[=value]:Effect for every simulated node (repeatable)', group: SIMULATION },
  'simulate-node-prefix': { type: 'string', default: 'sim-node-', describe: 'Name prefix of simulated nodes (names are <prefix><n>)', group: SIMULATION },
});

/** The node an agent runs (also the embedded agent of `lite server`). */
export const nodeFlags = withEnv({
  'node-name': { type: 'string', describe: "Node name (default: this host's name, lower-cased)", group: AGENT_NODE },
  'node-label': { type: 'array', string: true, default: [], describe: 'Label key=value for the node at registration (repeatable)', group: AGENT_NODE },
  'node-taint': { type: 'array', string: true, default: [], describe: 'Taint key[=value]:Effect for the node at registration (repeatable)', group: AGENT_NODE },
  'node-ip': { type: 'string', describe: "The node's InternalIP (default: the address that routes to the server, else the host's first IPv4)", group: AGENT_NODE },
  'docker-socket': { type: 'string', default: '/var/run/docker.sock', describe: 'Docker Engine socket: pods run as Docker containers', group: AGENT_RUNTIME },
  'flannel-backend': { type: 'string', default: 'vxlan', choices: ['vxlan', 'host-gw', 'none'], describe: 'Pod network between nodes: vxlan (UDP 8472), host-gw (routes; nodes on one link) or none (no overlay, no masquerade of pod traffic)', group: NETWORK },
  'flannel-iface': { type: 'string', describe: 'Interface towards the other nodes (default: the one holding the node IP)', group: NETWORK },
  'disable-kube-proxy': { type: 'boolean', default: false, describe: 'Do not program Service rules (iptables) on this node', group: NETWORK },
  'proxy-sync-period': { type: 'string', default: '30s', describe: 'Full resync period of kube-proxy and the overlay: rules or devices removed by hand are restored within it', group: NETWORK },
  'cluster-dns': { type: 'string', describe: "Cluster DNS address written into pods' resolv.conf (default: the 10th address of the service CIDR, 10.43.0.10)", group: NETWORK },
  'cluster-domain': { type: 'string', default: 'cluster.local', describe: 'Cluster domain (search domains of ClusterFirst pods)', group: NETWORK },
  cleanup: { type: 'boolean', default: false, describe: "Remove what lite's networking added on this host for this node (iptables chains, overlay device and routes, the pod network in Docker) and exit", group: NETWORK },
});

/** `lite agent` only. */
export const agentFlags = withEnv({
  server: { type: 'string', env: 'LITE_URL', describe: 'The server to join, e.g. https://10.0.0.1:6443', group: CLUSTER },
  token: { type: 'string', env: 'LITE_TOKEN', describe: 'Join token (print it on the server with "lite token")', group: CLUSTER },
  'token-file': { type: 'string', describe: 'Read the join token from this file', group: CLUSTER },
  'default-local-storage-path': { type: 'string', describe: "This node's local-path volume directory, where deleted volumes are cleaned up (the server's --default-local-storage-path; default <data-dir>/storage)", group: DATA },
  'cluster-cidr': { type: 'string', default: '10.42.0.0/16', describe: "The cluster's pod range (the server's --cluster-cidr): traffic leaving it is masqueraded", group: NETWORK },
});

/**
 * The flag specs with defaults taken from their LITE_* environment mirrors. Values are converted
 * to the flag's type; a value that does not fit the type is an error naming the variable.
 */
export function withEnvDefaults(flags: Record<string, FlagSpec>, env: NodeJS.ProcessEnv = process.env): Record<string, FlagSpec> {
  const out: Record<string, FlagSpec> = {};
  for (const [name, full] of Object.entries(flags)) {
    const { env: mirror, ...spec } = full;
    const variable = mirror ?? envName(name);
    const raw = env[variable];
    if (raw === undefined || raw === '') {
      out[name] = spec;
      continue;
    }
    out[name] = { ...spec, default: envValue(variable, spec, raw) };
  }
  return out;
}

function envValue(variable: string, spec: FlagSpec, raw: string): unknown {
  switch (spec.type) {
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`${variable}=${JSON.stringify(raw)} is not a number`);
      return n;
    }
    case 'boolean':
      if (/^(1|true|yes)$/i.test(raw)) return true;
      if (/^(0|false|no)$/i.test(raw)) return false;
      throw new Error(`${variable}=${JSON.stringify(raw)} must be true or false`);
    case 'array':
      return raw.split(',').map((v) => v.trim()).filter(Boolean);
    default:
      return raw;
  }
}
