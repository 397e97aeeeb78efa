/**
 * `GET /containerLogs/<ns>/<pod>/<container>`: a container's log as upstream's kubelet serves it
 * (pkg/kubelet/server/server.go getContainerLogs, kubelet_pods.go validateContainerLogStatus).
 * Query: follow, previous, sinceSeconds | sinceTime, timestamps, tailLines (or legacy `tail`),
 * limitBytes. Which instance is read (current or previous) and the error texts follow upstream.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { sendWithBackpressure, type KubeletStreamServer } from '../../tunnel/kubelet-connection.js';
import type { Clock } from '../../util/clock.js';
import { parseBoolParam, parseIntParam, respondError } from './http.js';
import type { StreamingContainer, StreamingPodLookup } from './pod-lookup.js';

export interface ContainerLogsContext {
  readonly runtime: ContainerRuntime;
  readonly pods: StreamingPodLookup;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface LogQuery {
  readonly follow: boolean;
  readonly previous: boolean;
  readonly timestamps: boolean;
  readonly tailLines?: number;
  readonly limitBytes?: number;
  /** ms since epoch */
  readonly since?: number;
}

export function parseLogQuery(query: URLSearchParams, now: number): LogQuery {
  const tail = query.get('tail');
  if (tail !== null && tail !== '') {
    if (tail === 'all') query.delete('tailLines');
    else query.set('tailLines', tail);
  }
  const tailLines = parseIntParam(query, 'tailLines');
  const limitBytes = parseIntParam(query, 'limitBytes');
  const sinceSeconds = parseIntParam(query, 'sinceSeconds');
  const sinceTimeRaw = query.get('sinceTime');
  if (tailLines !== undefined && tailLines < 0) throw new ApiError(422, 'Invalid', 'tailLines: Invalid value: must be greater than or equal to 0');
  if (limitBytes !== undefined && limitBytes < 1) throw new ApiError(422, 'Invalid', 'limitBytes: Invalid value: must be greater than 0');
  if (sinceSeconds !== undefined && sinceTimeRaw) throw new ApiError(422, 'Invalid', 'at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (sinceSeconds !== undefined && sinceSeconds < 1) throw new ApiError(422, 'Invalid', 'sinceSeconds: Invalid value: must be greater than 0');
  let since: number | undefined;
  if (sinceSeconds !== undefined) since = now - sinceSeconds * 1000;
  if (sinceTimeRaw) {
    const t = Date.parse(sinceTimeRaw);
    if (Number.isNaN(t)) throw ApiError.badRequest(`invalid value for query parameter "sinceTime": ${JSON.stringify(sinceTimeRaw)} is not an RFC3339 time`);
    since = t;
  }
  return {
    follow: parseBoolParam(query, 'follow') ?? false,
    previous: parseBoolParam(query, 'previous') ?? false,
    timestamps: parseBoolParam(query, 'timestamps') ?? false,
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(since !== undefined ? { since } : {}),
  };
}

/** Which runtime container to read, or the upstream error for why there is none. */
export function logContainerId(podName: string, name: string, c: StreamingContainer | undefined, previous: boolean): string {
  const q = JSON.stringify;
  if (!c) throw ApiError.badRequest(`container ${q(name)} in pod ${q(podName)} is waiting to start: ContainerCreating`);
  if (previous) {
    if (!c.previous) throw ApiError.badRequest(`previous terminated container ${q(name)} in pod ${q(podName)} not found`);
    return c.previous.id;
  }
  if (c.current) return c.current.id;
  if (c.previous) return c.previous.id;
  switch (c.waitingReason) {
    case 'ErrImagePull':
      throw ApiError.badRequest(`container ${q(name)} in pod ${q(podName)} is waiting to start: image can't be pulled`);
    case 'ImagePullBackOff':
      throw ApiError.badRequest(`container ${q(name)} in pod ${q(podName)} is waiting to start: trying and failing to pull image`);
    case undefined:
    case '':
      throw ApiError.badRequest(`container ${q(name)} in pod ${q(podName)} is waiting to start - no logs yet`);
    default:
      throw ApiError.badRequest(`container ${q(name)} in pod ${q(podName)} is waiting to start: ${c.waitingReason}`);
  }
}

export async function serveContainerLogs(stream: KubeletStreamServer, namespace: string, podName: string, container: string, ctx: ContainerLogsContext): Promise<void> {
  const query = new URLSearchParams(stream.request.query);
  let id: string;
  let opts: LogQuery;
  try {
    opts = parseLogQuery(query, ctx.clock.now());
    const pod = await ctx.pods.getPod(namespace, podName);
    const uid = query.get('podUID');
    const known = pod && (!uid || pod.uid === uid) ? pod : undefined;
    id = logContainerId(podName, container, known?.containers.find((c) => c.name === container), opts.previous);
  } catch (e) {
    if (e instanceof ApiError) return respondError(stream, e);
    throw e;
  }
  // Headers go out at once, so `kubectl logs -f` of a quiet container does not look stuck.
  stream.respond({ status: 200, headers: { 'Content-Type': 'text/plain' } });
  try {
    const lines = ctx.runtime.logs(id, {
      follow: opts.follow,
      timestamps: opts.timestamps,
      signal: stream.signal,
      ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
      ...(opts.limitBytes !== undefined ? { limitBytes: opts.limitBytes } : {}),
      ...(opts.since !== undefined ? { since: opts.since } : {}),
    });
    for await (const chunk of lines) {
      if (stream.signal.aborted) break;
      await sendWithBackpressure(stream, chunk);
    }
  } catch (e) {
    // The head is out: the log just ends early (as upstream's does when the runtime fails).
    if (!stream.signal.aborted) ctx.logger.warn({ err: e, pod: `${namespace}/${podName}`, container }, 'reading container log failed');
  }
  stream.end();
}
