/**
 * Where pods/proxy, services/proxy and nodes/proxy send a request: upstream's ResourceLocation
 * of each registry (pkg/registry/core/pod/strategy.go, service/storage/storage.go,
 * node/strategy.go), with their error texts. The name in the path is `[scheme:]name[:port]`
 * (apimachinery utilnet.SplitSchemeNamePort); the scheme is http or https.
 *
 * A pod is reached at status.podIP and the given port (else the first declared container port);
 * a Service at a random ready endpoint of the named (or numbered) port, read from its
 * EndpointSlices (upstream reads Endpoints; the addresses are the same); a node at its kubelet
 * — which lite serves over the node's agent connection, not on a port — or, for another port,
 * at its address.
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { parseIpv4 } from '../../util/ipv4.js';

export type ProxyScheme = 'http' | 'https';

export type ProxyLocation =
  /** The node's kubelet API (served over the node's agent connection). */
  | { readonly kind: 'kubelet'; readonly node: string }
  /**
   * A TCP backend. `node`: the node the address lives on, when known (the dial goes through its
   * agent). A pod without any port is reached at the scheme's default port, as upstream's
   * location without a port is.
   */
  | { readonly kind: 'backend'; readonly scheme: ProxyScheme; readonly host: string; readonly port: number; readonly node?: string };

/** The objects location resolution reads; each getter throws the API's 404. */
export interface ProxyObjects {
  getPod(namespace: string, name: string): Promise<KubeObject>;
  getService(namespace: string, name: string): Promise<KubeObject>;
  /** The EndpointSlices of a Service (label kubernetes.io/service-name). */
  serviceSlices(namespace: string, service: string): Promise<KubeObject[]>;
  getNode(name: string): Promise<KubeObject>;
}

/** Picks an index in [0, n) (upstream picks endpoints at random; tests pin it). */
export type PickIndex = (n: number) => number;
const randomPick: PickIndex = (n) => Math.floor(Math.random() * n);

/** apimachinery utilnet.SplitSchemeNamePort: `name`, `name:port` or `scheme:name:port`. */
export function splitSchemeNamePort(id: string): { scheme: '' | ProxyScheme; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) [name, port] = parts;
  else if (parts.length === 3) [scheme, name, port] = parts;
  else return undefined;
  if (!name || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme: scheme as '' | ProxyScheme, name, port };
}

/** Go's IP.IsGlobalUnicast for IPv4: not unspecified, loopback, link-local, multicast or broadcast. */
export function isGlobalUnicastV4(ip: string): boolean {
  const n = parseIpv4(ip);
  if (n === undefined) return false;
  const first = n >>> 24;
  if (n === 0 || n === 0xffffffff || first === 127 || first >= 224) return false;
  return !(first === 169 && ((n >>> 16) & 255) === 254);
}

const WELL_KNOWN_PORTS: Record<string, number> = { http: 80, https: 443 };

function obj(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}

function list(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

function unreachable(message: string): ApiError {
  return ApiError.serviceUnavailable(`error trying to reach service: ${message}`);
}

export async function podLocation(objects: ProxyObjects, namespace: string, id: string): Promise<ProxyLocation> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw ApiError.badRequest(`invalid pod request ${JSON.stringify(id)}`);
  const pod = await objects.getPod(namespace, parsed.name);
  const spec = obj(pod.spec);
  const containers = list(spec.containers);
  let port = parsed.port;
  if (port === '') {
    for (const c of containers) {
      const first = list(c.ports)[0];
      if (first && typeof first.containerPort === 'number') {
        port = String(first.containerPort);
        break;
      }
    }
  }
  const status = obj(pod.status);
  const podIP = typeof status.podIP === 'string' ? status.podIP : '';
  if (!isGlobalUnicastV4(podIP)) throw ApiError.badRequest('address not allowed');
  const scheme = parsed.scheme || 'http';
  const node = typeof spec.nodeName === 'string' && spec.nodeName ? spec.nodeName : undefined;
  let portNumber: number;
  if (port === '') portNumber = scheme === 'https' ? 443 : 80;
  else if (/^\d+$/.test(port)) portNumber = Number(port);
  else {
    // Go's dialer resolves a service name (/etc/services); lite also knows the pod's named ports.
    const named = containers.flatMap((c) => list(c.ports)).find((p) => p.name === port);
    const resolved = named && typeof named.containerPort === 'number' ? named.containerPort : WELL_KNOWN_PORTS[port];
    if (resolved === undefined) throw unreachable(`dial tcp: lookup tcp/${port}: unknown port`);
    portNumber = resolved;
  }
  if (portNumber < 1 || portNumber > 65535) throw unreachable(`dial tcp ${podIP}:${port}: address ${port}: invalid port`);
  return { kind: 'backend', scheme, host: podIP, port: portNumber, ...(node ? { node } : {}) };
}

export interface Candidate {
  readonly ip: string;
  readonly port: number;
  readonly node?: string;
}

/**
 * The ready IPv4 endpoints of a Service port (by its name, '' for an unnamed port) in its
 * EndpointSlices, with their nodes; `anyAddress`: whether the slices list any address at all.
 */
export function readyEndpoints(slices: readonly KubeObject[], portName: string): { anyAddress: boolean; endpoints: Candidate[] } {
  let anyAddress = false;
  const endpoints: Candidate[] = [];
  for (const slice of slices) {
    if (slice.addressType !== undefined && slice.addressType !== 'IPv4') continue;
    const sliceEndpoints = list(slice.endpoints);
    if (sliceEndpoints.some((e) => Array.isArray(e.addresses) && e.addresses.length > 0)) anyAddress = true;
    const port = list(slice.ports).find((p) => (typeof p.name === 'string' ? p.name : '') === portName);
    if (!port || typeof port.port !== 'number') continue;
    for (const e of sliceEndpoints) {
      // Upstream's Endpoints list only ready addresses as Addresses; not-ready ones are skipped.
      if (obj(e.conditions).ready === false) continue;
      const node = typeof e.nodeName === 'string' && e.nodeName ? e.nodeName : undefined;
      for (const ip of Array.isArray(e.addresses) ? e.addresses : []) {
        if (typeof ip === 'string') endpoints.push({ ip, port: port.port, ...(node ? { node } : {}) });
      }
    }
  }
  return { anyAddress, endpoints };
}

export async function serviceLocation(objects: ProxyObjects, namespace: string, id: string, pick: PickIndex = randomPick): Promise<ProxyLocation> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw ApiError.badRequest(`invalid service request ${JSON.stringify(id)}`);
  const { name } = parsed;
  let portName = parsed.port;
  if (/^[+-]?\d+$/.test(portName)) {
    const svc = await objects.getService(namespace, name);
    const found = list(obj(svc.spec).ports).find((p) => p.port === Number(portName));
    if (!found) throw ApiError.serviceUnavailable(`no service port ${Number(portName)} found for service ${JSON.stringify(name)}`);
    portName = typeof found.name === 'string' ? found.name : '';
  } else {
    // Upstream reads the Service's Endpoints next, so a missing Service reads as missing Endpoints.
    try {
      await objects.getService(namespace, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) throw ApiError.notFound({ group: '', resource: 'endpoints' }, name);
      throw e;
    }
  }
  const slices = await objects.serviceSlices(namespace, name);
  // Upstream reads the Endpoints object, which the endpoints controller writes for every Service
  // with a selector (empty when no pod matches); the EndpointSlice controller's placeholder slice
  // plays that part here. A Service with neither has no endpoints object at all.
  if (slices.length === 0) throw ApiError.notFound({ group: '', resource: 'endpoints' }, name);
  const { anyAddress, endpoints: candidates } = readyEndpoints(slices, portName);
  if (!anyAddress) throw ApiError.serviceUnavailable(`no endpoints available for service ${JSON.stringify(name)}`);
  if (candidates.length === 0) throw ApiError.serviceUnavailable(`no endpoints available for service ${JSON.stringify(id)}`);
  const chosen = candidates[Math.min(candidates.length - 1, Math.max(0, pick(candidates.length)))];
  return { kind: 'backend', scheme: parsed.scheme || 'http', host: chosen.ip, port: chosen.port, ...(chosen.node ? { node: chosen.node } : {}) };
}

/** The kubelet's port as the node reports it (status.daemonEndpoints.kubeletEndpoint.Port). */
export function kubeletPort(node: KubeObject): number {
  const p = obj(obj(obj(node.status).daemonEndpoints).kubeletEndpoint).Port;
  return typeof p === 'number' && p > 0 ? p : 10250;
}

/** The node's address to dial (InternalIP, then ExternalIP, then Hostname). */
export function nodeAddress(node: KubeObject): string | undefined {
  const addresses = list(obj(node.status).addresses);
  for (const type of ['InternalIP', 'ExternalIP', 'Hostname']) {
    const a = addresses.find((x) => x.type === type && typeof x.address === 'string' && x.address);
    if (a) return a.address as string;
  }
  return undefined;
}

export async function nodeLocation(objects: ProxyObjects, id: string): Promise<ProxyLocation> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw ApiError.badRequest(`invalid node request ${JSON.stringify(id)}`);
  const node = await objects.getNode(parsed.name);
  const kubelet = kubeletPort(node);
  if (parsed.port === '' || parsed.port === String(kubelet)) return { kind: 'kubelet', node: parsed.name };
  const address = nodeAddress(node);
  if (!address) {
    const known = list(obj(node.status).addresses).map((a) => `{${String(a.type)} ${String(a.address)}}`);
    throw ApiError.serviceUnavailable(`no preferred addresses found; known addresses: [${known.join(' ')}]`);
  }
  // upstream proxyutil.IsProxyableIP: never the node's loopback or link-local addresses.
  const ip = parseIpv4(address);
  if (ip !== undefined && (ip >>> 24 === 127 || (ip >>> 16) === 0xa9fe)) throw ApiError.badRequest('address not allowed');
  if (!/^\d+$/.test(parsed.port) || Number(parsed.port) < 1 || Number(parsed.port) > 65535) {
    throw unreachable(`dial tcp: lookup tcp/${parsed.port}: unknown port`);
  }
  return { kind: 'backend', scheme: parsed.scheme || 'http', host: address, port: Number(parsed.port), node: parsed.name };
}
