/**
 * Running one probe or lifecycle handler against a container, with upstream's outcomes and
 * output texts (pkg/probe/{exec,http,tcp,grpc}):
 *  - exec: exit 0 → success; other exit codes → failure with the command's output; a timeout →
 *    failure `command "…" timed out`;
 *  - httpGet: 200–399 → success (a redirect off the host → warning `Probe terminated redirects`);
 *    other codes → failure `HTTP probe failed with statuscode: N`; connection errors → failure
 *    with Go's error text;
 *  - tcpSocket: connected → success, else failure with Go's dial error;
 *  - grpc: SERVING → success, else failure `service unhealthy (responded with "NOT_SERVING")`.
 * An `error` outcome (the probe could not run: bad port name, container gone) is not a result.
 */
import { objsAt, strAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject } from '../../api/object.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { KUBERNETES_MINOR } from '../../version.js';
import { grpcHealthCheck, type ProbeNetwork } from './probe-network.js';

export type ProbeOutcome = { readonly result: 'success' | 'warning' | 'failure'; readonly output: string } | { readonly result: 'error'; readonly error: string };

export interface ProbeTarget {
  readonly containerId: string;
  readonly container: JsonObject;
  /** The pod's IP (probe default host), or the node's for host-network pods. */
  readonly podIP: string;
  readonly runtime: ContainerRuntime;
  readonly network: ProbeNetwork;
}

/** Exec output is read up to 10 KiB (upstream maxReadLength). */
const MAX_EXEC_OUTPUT = 10 * 1024;

/** A named or numbered port of the container (upstream ResolveContainerPort). */
export function resolvePort(port: unknown, container: JsonObject): number {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return Number(port);
    const found = objsAt(container, 'ports').find((p) => strAt(p, 'name') === port);
    if (found && typeof found.containerPort === 'number') return found.containerPort;
    throw new Error(`couldn't find port: ${port} in ${JSON.stringify(strAt(container, 'name'))}`);
  }
  throw new Error(`invalid port ${JSON.stringify(port)}`);
}

function hostOf(handler: JsonObject, target: ProbeTarget): string {
  return strAt(handler, 'host') || target.podIP;
}

/** Runs a probe/handler with `timeoutMs` (probes: timeoutSeconds; hooks: long). */
export async function runHandler(handler: JsonObject, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    if (isJsonObject(handler.exec)) {
      const command = Array.isArray(handler.exec.command) ? handler.exec.command.map(String) : [];
      const r = await target.runtime.execSync(target.containerId, command, timeoutMs);
      if (r.timedOut) return { result: 'failure', output: `command ${JSON.stringify(command.join(' '))} timed out` };
      const output = Buffer.concat([Buffer.from(r.stdout), Buffer.from(r.stderr)]).subarray(0, MAX_EXEC_OUTPUT).toString('utf8');
      return r.exitCode === 0 ? { result: 'success', output } : { result: 'failure', output };
    }
    if (isJsonObject(handler.httpGet)) return await httpProbe(handler.httpGet, target, timeoutMs);
    if (isJsonObject(handler.tcpSocket)) {
      const port = resolvePort(handler.tcpSocket.port, target.container);
      const host = hostOf(handler.tcpSocket, target);
      try {
        await target.network.tcpConnect(host, port, timeoutMs);
        return { result: 'success', output: '' };
      } catch (e) {
        return { result: 'failure', output: (e as Error).message };
      }
    }
    if (isJsonObject(handler.grpc)) {
      const port = resolvePort(handler.grpc.port, target.container);
      try {
        const status = await grpcHealthCheck(target.podIP, port, strAt(handler.grpc, 'service'), timeoutMs);
        return status === 'SERVING' ? { result: 'success', output: '' } : { result: 'failure', output: `service unhealthy (responded with ${JSON.stringify(status)})` };
      } catch (e) {
        return { result: 'failure', output: (e as Error).message };
      }
    }
    return { result: 'error', error: 'missing probe handler' };
  } catch (e) {
    return { result: 'error', error: e instanceof Error ? e.message : String(e) };
  }
}

async function httpProbe(spec: JsonObject, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(spec.port, target.container);
  const scheme = (strAt(spec, 'scheme') || 'HTTP').toLowerCase();
  const host = hostOf(spec, target);
  let path = strAt(spec, 'path') || '/';
  if (!path.startsWith('/')) path = `/${path}`;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let url = new URL(`${scheme}://${hostPart}:${port}${path}`);
  const headers: [string, string][] = [];
  let userAgent = `kube-probe/1.${KUBERNETES_MINOR}`;
  let accept = '*/*';
  for (const h of objsAt(spec, 'httpHeaders')) {
    const name = strAt(h, 'name');
    if (name.toLowerCase() === 'user-agent') userAgent = strAt(h, 'value');
    else if (name.toLowerCase() === 'accept') accept = strAt(h, 'value');
    else headers.push([name, strAt(h, 'value')]);
  }
  headers.push(['User-Agent', userAgent], ['Accept', accept]);
  for (let redirects = 0; ; redirects++) {
    let res;
    try {
      res = await target.network.httpGet(url, headers, timeoutMs);
    } catch (e) {
      return { result: 'failure', output: (e as Error).message };
    }
    if (res.status >= 300 && res.status < 400 && res.location && redirects < 10) {
      const next = new URL(res.location, url);
      if (next.hostname === url.hostname) {
        url = next;
        continue;
      }
      return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
    }
    if (res.status >= 200 && res.status < 400) return res.status >= 300 ? { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` } : { result: 'success', output: res.body };
    return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
  }
}
