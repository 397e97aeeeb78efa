/**
 * The streaming subresources of pods: `pods/log`, `pods/exec`, `pods/attach`,
 * `pods/portforward` (notes §10). The API server validates the request against the pod as
 * upstream's registry does (pkg/registry/core/pod/strategy.go LogLocation, streamLocation),
 * finds the pod's node's kubelet connection and relays: log bytes to a chunked text/plain
 * response; WebSocket messages both ways after the kubelet accepted the upgrade (it chose the
 * subprotocol). Backpressure holds in both directions, and either side's close ends the other.
 *
 * kubectl falls back from a failed WebSocket upgrade to a legacy SPDY upgrade (`POST` +
 * `Upgrade: SPDY/3.1`) and prints the error of that second attempt, so non-WebSocket requests
 * go through the same checks (and to the kubelet) and get the same errors.
 *
 * Errors of exec/attach once the request is valid (no agent, the kubelet refusing: container not
 * found or not running) reach a WebSocket client as upstream's stream translator
 * (apiserver/pkg/util/proxy/streamtranslator.go) sends them: the upgrade succeeds, and an
 * InternalError Status on the error channel says "unable to upgrade connection: <kubelet's
 * words>", which kubectl prints as `error: Internal error occurred: …`.
 *
 * A node may refuse a request before any stream opens (KubeletConnection.refuse: a simulated
 * node has no processes to exec into); that refusal is a request error and goes to the client as
 * a plain Status (kubectl prints `Error from server (BadRequest): …`), like the checks above.
 */
import { relayKubeletStream } from './relay.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { ApiError, type FieldError, type StatusReason } from '../../api/errors.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import type { KubeletConnections, KubeletRequest, KubeletStream } from '../../tunnel/kubelet-connection.js';
import { silentLogger } from '../../util/log.js';
import type { HandlerResult, ResourceRequest } from '../resource-handler.js';
import { acceptWebSocket, isWebSocketRequest, offeredProtocols } from './websocket-upgrade.js';

type Handler = (req: ResourceRequest) => Promise<HandlerResult>;

const CONFIG_MIRROR = 'kubernetes.io/config.mirror';

export interface PodStreamDeps {
  readonly kubelets: KubeletConnections;
  readonly logger?: Logger;
}

/** The fields of a pod the streaming subresources read. */
interface PodView {
  readonly name: string;
  readonly namespace: string;
  /**
   * The uid the kubelet knows the pod by: its own, or for a mirror pod the static pod's uid (the
   * config hash in `kubernetes.io/config.mirror`), which upstream's kubelet gets by
   * TranslatePodUID.
   */
  readonly uid: string;
  readonly nodeName: string;
  readonly phase: string;
  readonly containers: readonly string[];
  /** Init, regular and ephemeral containers, in upstream's VisitContainers order. */
  readonly allContainers: readonly string[];
}

function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((c) => (isJsonObject(c) && typeof c.name === 'string' ? c.name : '')).filter(Boolean) : [];
}

function podView(pod: KubeObject): PodView {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const status = isJsonObject(pod.status) ? pod.status : {};
  const containers = names(spec.containers);
  return {
    name: pod.metadata.name ?? '',
    namespace: pod.metadata.namespace ?? '',
    uid: pod.metadata.annotations?.[CONFIG_MIRROR] || (pod.metadata.uid ?? ''),
    nodeName: typeof spec.nodeName === 'string' ? spec.nodeName : '',
    phase: typeof status.phase === 'string' ? status.phase : '',
    containers,
    allContainers: [...names(spec.initContainers), ...containers, ...names(spec.ephemeralContainers)],
  };
}

/** upstream validateContainer: the named container, or the only one. */
function resolveContainer(pod: PodView, container: string | null): string {
  if (container) {
    if (!pod.allContainers.includes(container)) throw ApiError.badRequest(`container ${container} is not valid for pod ${pod.name}`);
    return container;
  }
  if (pod.containers.length === 1) return pod.containers[0];
  if (pod.containers.length === 0) throw ApiError.badRequest(`a container name must be specified for pod ${pod.name}`);
  throw ApiError.badRequest(`a container name must be specified for pod ${pod.name}, choose one of: [${pod.allContainers.join(' ')}]`);
}

// ---- query parameters (upstream's parameter codec: Go ParseBool / ParseInt) ----

function boolParam(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null) return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(v)) return false;
  throw ApiError.badRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw ApiError.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Parses and validates PodLogOptions (ValidatePodLogOptions); returns the kubelet's query. */
function logQuery(query: URLSearchParams, podName: string): URLSearchParams {
  const out = new URLSearchParams();
  const errors: FieldError[] = [];
  for (const b of ['follow', 'previous', 'timestamps'] as const) if (boolParam(query, b)) out.set(b, 'true');
  boolParam(query, 'insecureSkipTLSVerifyBackend');
  const tailLines = intParam(query, 'tailLines');
  const limitBytes = intParam(query, 'limitBytes');
  const sinceSeconds = intParam(query, 'sinceSeconds');
  const sinceTime = query.get('sinceTime');
  if (tailLines !== undefined) {
    if (tailLines < 0) errors.push({ type: 'FieldValueInvalid', field: 'tailLines', value: tailLines, detail: 'must be greater than or equal to 0' });
    out.set('tailLines', String(tailLines));
  }
  if (limitBytes !== undefined) {
    if (limitBytes < 1) errors.push({ type: 'FieldValueInvalid', field: 'limitBytes', value: limitBytes, detail: 'must be greater than 0' });
    out.set('limitBytes', String(limitBytes));
  }
  if (sinceSeconds !== undefined && sinceTime) {
    errors.push({ type: 'FieldValueForbidden', field: '', detail: 'at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) errors.push({ type: 'FieldValueInvalid', field: 'sinceSeconds', value: sinceSeconds, detail: 'must be greater than 0' });
    out.set('sinceSeconds', String(sinceSeconds));
  } else if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime))) throw ApiError.badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
    out.set('sinceTime', sinceTime);
  }
  if (errors.length) throw ApiError.invalid({ group: '', kind: 'PodLogOptions' }, podName, errors);
  return out;
}

const STATUS_REASONS: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The kubelet's error answer as an ApiError (its body is a Status; anything else is kept as text). */
async function kubeletError(stream: KubeletStream, status: number): Promise<ApiError> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of stream.data) {
      if (size < 64 * 1024) chunks.push(Buffer.from(c));
      size += c.byteLength;
    }
  } catch {
    // a broken stream: keep what arrived
  }
  stream.close();
  const text = Buffer.concat(chunks).toString('utf8').slice(0, 64 * 1024);
  try {
    const s = JSON.parse(text) as { message?: unknown; reason?: unknown; code?: unknown; details?: unknown };
    if (typeof s.message === 'string') {
      const code = typeof s.code === 'number' ? s.code : status;
      const reason = typeof s.reason === 'string' ? (s.reason as StatusReason) : (STATUS_REASONS[code] ?? 'InternalError');
      return new ApiError(code, reason, s.message);
    }
  } catch {
    // not JSON
  }
  return new ApiError(status, STATUS_REASONS[status] ?? 'InternalError', text.trim() || `the kubelet answered ${status}`);
}

/** upstream: the kubelet could not be reached. */
function noAgent(node: string): ApiError {
  return new ApiError(500, 'InternalError', `error dialing backend: node "${node}" has no connected agent (its kubelet is unreachable: is "lite agent" running there and able to reach this server?)`);
}

/**
 * Throws the error a node answers `request` with before any stream is opened (a simulated node
 * has no processes to exec into); see KubeletConnection.refuse. Such an error goes to the client
 * as it is, never through the stream translator's error channel.
 */
function checkRefusal(deps: PodStreamDeps, node: string, request: KubeletRequest): void {
  const refused = deps.kubelets.forNode(node)?.refuse?.(request);
  if (refused) throw refused;
}

/** Opens the kubelet stream and waits for its answer; closes it if the client goes away first. */
async function openKubelet(deps: PodStreamDeps, node: string, request: KubeletRequest, incoming: IncomingMessage): Promise<{ stream: KubeletStream; status: number; protocol?: string }> {
  const connection = deps.kubelets.forNode(node);
  if (!connection) throw noAgent(node);
  const refused = connection.refuse?.(request);
  if (refused) throw refused;
  const stream = connection.open(request);
  const onGone = () => stream.close('the client went away');
  incoming.socket.once('close', onGone);
  try {
    const head = await stream.head;
    return { stream, status: head.status, ...(head.protocol !== undefined ? { protocol: head.protocol } : {}) };
  } catch (e) {
    throw new ApiError(500, 'InternalError', `error dialing backend: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    incoming.socket.off('close', onGone);
  }
}

function kubeletQuery(pod: PodView, params: URLSearchParams): string {
  params.set('podUID', pod.uid);
  return params.toString();
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === 'authorization' || k === 'cookie') continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

// ---- relays ----

async function relayLog(stream: KubeletStream, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  // A broken kubelet stream ends the response: the client sees a short log.
  await relayKubeletStream(stream, res, { onBroken: 'end' });
}

function rawToBytes(data: RawData): Uint8Array {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return new Uint8Array(data);
}

/** Messages both ways between the client's WebSocket and the kubelet's stream. */
export async function relayWebSocket(ws: WebSocket, stream: KubeletStream, log: Logger): Promise<void> {
  let clientClosed = false;
  ws.on('message', (data: RawData) => {
    if (!stream.send(rawToBytes(data))) {
      ws.pause();
      void stream.writable().then(() => ws.resume());
    }
  });
  ws.on('error', (err: Error) => log.debug({ err: err.message }, 'client WebSocket error'));
  ws.once('close', () => {
    clientClosed = true;
    stream.close('the client closed the connection');
  });
  try {
    for await (const chunk of stream.data) {
      if (clientClosed || ws.readyState !== ws.OPEN) break;
      await new Promise<void>((resolve) => {
        ws.send(chunk, { binary: true }, () => resolve());
        // Wait for the write only when the socket has a backlog (the common case costs nothing).
        if (ws.bufferedAmount < 1024 * 1024) resolve();
      });
    }
    if (!clientClosed) ws.close(1000);
  } catch (e) {
    log.debug({ err: e }, 'kubelet stream failed');
    if (!clientClosed) ws.close(1011, 'the connection to the kubelet was lost');
  } finally {
    stream.close();
  }
}

// ---- handlers ----

const methodNotAllowed = () => ApiError.methodNotAllowed('the server does not allow this method on the requested resource');

export function podStreamHandlers(deps: PodStreamDeps): Map<string, Handler> {
  const log = (deps.logger ?? silentLogger).child({ component: 'pod-streams' });
  const m = new Map<string, Handler>();

  m.set('/pods/log', async (req) => {
    if (req.method !== 'GET') throw methodNotAllowed();
    const pod = podView(await req.resource.get(req.namespace, req.name ?? ''));
    const params = logQuery(req.query, pod.name);
    const container = resolveContainer(pod, req.query.get('container'));
    // upstream: a pod without a node has no log yet; the answer is an empty body.
    if (!pod.nodeName) return { status: 200, body: '', headers: { 'Content-Type': 'text/plain' } };
    const path = `/containerLogs/${enc(pod.namespace)}/${enc(pod.name)}/${enc(container)}`;
    const { stream, status } = await openKubelet(deps, pod.nodeName, { method: 'GET', path, query: kubeletQuery(pod, params), headers: {} }, req.incoming);
    if (status !== 200) throw await kubeletError(stream, status);
    await relayLog(stream, req.outgoing);
    return 'sent';
  });

  const remoteCommand = (kind: 'exec' | 'attach'): Handler => async (req) => {
    if (req.method !== 'GET' && req.method !== 'POST') throw methodNotAllowed();
    const pod = podView(await req.resource.get(req.namespace, req.name ?? ''));
    const params = new URLSearchParams();
    for (const b of ['stdin', 'stdout', 'stderr', 'tty'] as const) if (boolParam(req.query, b)) params.set(b, '1');
    if (kind === 'exec') for (const c of req.query.getAll('command')) params.append('command', c);
    const container = resolveContainer(pod, req.query.get('container'));
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') {
      throw ApiError.badRequest(kind === 'exec' ? `cannot exec into a container in a completed pod; current phase is ${pod.phase}` : `cannot attach a container in a completed pod; current phase is ${pod.phase}`);
    }
    if (!pod.nodeName) throw ApiError.badRequest(`pod ${pod.name} does not have a host assigned`);
    const request = upgradeRequest(req, pod, `/${kind}/${enc(pod.namespace)}/${enc(pod.name)}/${enc(container)}`, params);
    checkRefusal(deps, pod.nodeName, request);
    try {
      return await relayUpgrade(deps, log, req, pod, request);
    } catch (e) {
      if (!(e instanceof ApiError) || !isWebSocketRequest(req.incoming)) throw e;
      const translated = e.message.startsWith('error dialing backend') ? e : new ApiError(500, 'InternalError', `unable to upgrade connection: ${e.message}`);
      if (await failOverChannel(req, log, translated)) return 'sent';
      throw e;
    }
  };
  m.set('/pods/exec', remoteCommand('exec'));
  m.set('/pods/attach', remoteCommand('attach'));

  m.set('/pods/portforward', async (req) => {
    if (req.method !== 'GET' && req.method !== 'POST') throw methodNotAllowed();
    const pod = podView(await req.resource.get(req.namespace, req.name ?? ''));
    const params = new URLSearchParams();
    const ports = req.query.getAll('ports').flatMap((p) => p.split(',')).filter(Boolean);
    for (const p of ports) {
      const n = Number(p);
      if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw ApiError.badRequest(`invalid port ${JSON.stringify(p)}: must be between 1 and 65535, inclusive`);
    }
    if (ports.length) params.set('port', ports.join(','));
    if (!pod.nodeName) throw ApiError.badRequest(`pod ${pod.name} does not have a host assigned`);
    return relayUpgrade(deps, log, req, pod, upgradeRequest(req, pod, `/portForward/${enc(pod.namespace)}/${enc(pod.name)}`, params));
  });
  return m;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

/** The channel protocols the stream translator speaks, in preference order. */
const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/**
 * Upstream's translator answer to a remote command that cannot reach the container: accept the
 * WebSocket, write an InternalError Status on the error channel (3), close normally. Returns
 * false when the client offered no channel protocol (the error then goes out as plain HTTP).
 */
async function failOverChannel(req: ResourceRequest, log: Logger, error: ApiError): Promise<boolean> {
  const protocol = offeredProtocols(req.incoming).find((p) => CHANNEL_PROTOCOLS.includes(p));
  if (!protocol) return false;
  let ws: WebSocket;
  try {
    ws = await acceptWebSocket(req.incoming, protocol);
  } catch (e) {
    log.debug({ err: e }, 'WebSocket handshake with the client failed');
    return true;
  }
  const status = {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${error.message}`,
    reason: 'InternalError',
    details: { causes: [{ message: error.message }] },
    code: 500,
  };
  ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]), { binary: true }, () => ws.close(1000));
  return true;
}

/** The kubelet request of an exec, attach or port-forward (the client's upgrade, forwarded). */
function upgradeRequest(req: ResourceRequest, pod: PodView, path: string, params: URLSearchParams): KubeletRequest {
  return {
    method: req.method === 'POST' ? 'POST' : 'GET',
    path,
    query: kubeletQuery(pod, params),
    headers: headersOf(req.incoming),
    ...(isWebSocketRequest(req.incoming) ? { websocket: { protocols: offeredProtocols(req.incoming) } } : {}),
  };
}

async function relayUpgrade(deps: PodStreamDeps, log: Logger, req: ResourceRequest, pod: PodView, request: KubeletRequest): Promise<HandlerResult> {
  const websocket = request.websocket !== undefined;
  const { stream, status, protocol } = await openKubelet(deps, pod.nodeName, request, req.incoming);
  if (status !== 101 || !websocket) {
    if (status === 101) {
      stream.close('not a WebSocket request');
      throw ApiError.badRequest('Upgrade request required');
    }
    throw await kubeletError(stream, status);
  }
  let ws: WebSocket;
  try {
    ws = await acceptWebSocket(req.incoming, protocol);
  } catch (e) {
    stream.close('the client went away');
    log.debug({ err: e }, 'WebSocket handshake with the client failed');
    return 'sent';
  }
  void relayWebSocket(ws, stream, log);
  return 'sent';
}
