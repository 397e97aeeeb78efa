/**
 * The node flags shared by `lite agent` and `lite server`'s embedded agent (--node-name,
 * --node-label, --node-taint, --node-ip, --docker-socket), checked with messages that name the
 * flag.
 */
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { isDNS1123Subdomain } from '../api/validation/names.js';
import type { Taint } from '../kubelet/node/node-object.js';
import { FlagError, parseLabels, parseTaint } from './simulation-flags.js';

export interface NodeFlags {
  readonly nodeName: string;
  readonly labels: Record<string, string>;
  readonly taints: Taint[];
  readonly nodeIp?: string;
  readonly dockerSocket: string;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : [];
}

export function nodeFlagsFrom(argv: Record<string, unknown>): NodeFlags {
  const name = typeof argv['node-name'] === 'string' && argv['node-name'] ? argv['node-name'] : hostname().toLowerCase();
  const problems = isDNS1123Subdomain(name);
  if (problems.length) throw new FlagError(`--node-name ${JSON.stringify(name)} is not a valid node name: ${problems.join('; ')}${argv['node-name'] ? '' : " (it is this host's name; choose one with --node-name)"}`);
  const nodeIp = typeof argv['node-ip'] === 'string' && argv['node-ip'] ? argv['node-ip'] : undefined;
  if (nodeIp !== undefined && isIP(nodeIp) === 0) throw new FlagError(`--node-ip must be an IP address, got ${JSON.stringify(nodeIp)}`);
  const socket = typeof argv['docker-socket'] === 'string' && argv['docker-socket'] ? argv['docker-socket'] : '/var/run/docker.sock';
  return {
    nodeName: name,
    labels: parseLabels(strings(argv['node-label']), '--node-label'),
    taints: strings(argv['node-taint']).map((t) => parseTaint(t, '--node-taint')),
    ...(nodeIp ? { nodeIp } : {}),
    dockerSocket: socket.replace(/^unix:\/\//, ''),
  };
}
