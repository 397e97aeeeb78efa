/**
 * exec and attach over WebSocket: the remotecommand channel protocols (apimachinery
 * pkg/util/remotecommand, kubelet pkg/kubelet/cri/streaming/remotecommand; notes §10.2).
 *
 * Each binary message starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 error (one
 * Status, then the stream ends), 4 resize (`{"Width":…,"Height":…}`), and in v5 255 = close
 * signal (`[255, channel]`: the client half-closes that channel, e.g. stdin at EOF).
 *
 * | protocol            | error channel                   | close signal |
 * |---------------------|---------------------------------|--------------|
 * | v5.channel.k8s.io   | Status JSON (exit code in it)   | yes          |
 * | v4.channel.k8s.io   | Status JSON                     | no           |
 * | channel.k8s.io, ""  | the error's text, nothing on 0  | no           |
 */
import type { Logger } from 'pino';
import { ApiError } from '../../api/errors.js';
import type { ContainerRuntime, StreamSession } from '../../runtime/container-runtime.js';
import type { KubeletStreamServer } from '../../tunnel/kubelet-connection.js';
import { respondError } from './http.js';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

export type ChannelProtocol = 'v5.channel.k8s.io' | 'v4.channel.k8s.io' | 'channel.k8s.io' | '';

const SUPPORTED: readonly ChannelProtocol[] = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'];

/**
 * The protocol to answer with: the first one the client offered that is supported, as
 * wsstream's handshake does; "" when it offered none.
 */
export function negotiateChannelProtocol(offered: readonly string[], supported: readonly ChannelProtocol[] = SUPPORTED): ChannelProtocol {
  if (offered.length === 0) return '';
  for (const p of offered) if ((supported as readonly string[]).includes(p)) return p as ChannelProtocol;
  throw ApiError.badRequest(`unable to upgrade: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`);
}

export interface RemoteCommandOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/** Reads stdin/stdout/stderr/tty as upstream's NewOptions does ("1" or "true" mean yes). */
export function remoteCommandOptions(query: URLSearchParams): RemoteCommandOptions {
  const yes = (name: string) => {
    const v = query.get(name);
    return v === '1' || v === 'true' || v === 'True' || v === 'TRUE' || v === 't' || v === 'T';
  };
  const tty = yes('tty');
  const stdin = yes('stdin');
  const stdout = yes('stdout');
  // A tty merges stderr into stdout (upstream: "bypassing stderr").
  const stderr = yes('stderr') && !tty;
  if (!stdin && !stdout && !stderr) throw ApiError.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return { stdin, stdout, stderr, tty };
}

/** The Status a v4/v5 client reads on the error channel (upstream: status.Status() marshalled). */
export interface ChannelStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason: string; message: string }[] };
}

export function successStatus(): ChannelStatus {
  return { metadata: {}, status: 'Success' };
}

/** `command terminated with non-zero exit code: …` with reason NonZeroExitCode (kubectl exits with the code). */
export function exitCodeStatus(command: readonly string[], code: number): ChannelStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function errorStatus(err: ApiError): ChannelStatus {
  const s = err.toStatus();
  return { metadata: {}, status: 'Failure', message: s.message ?? err.message, reason: s.reason, code: s.code, ...(s.details?.causes ? { details: { causes: s.details.causes.map((c) => ({ reason: c.reason ?? '', message: c.message ?? '' })) } } : {}) };
}

function frame(channel: number, payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(payload.byteLength + 1);
  b[0] = channel;
  b.set(payload, 1);
  return b;
}

export interface RemoteCommandRequest {
  readonly kind: 'exec' | 'attach';
  readonly containerId: string;
  /** exec only. */
  readonly command: readonly string[];
  readonly options: RemoteCommandOptions;
  readonly protocol: ChannelProtocol;
}

export interface RemoteCommandContext {
  readonly runtime: ContainerRuntime;
  readonly logger: Logger;
}

/**
 * Runs an exec or attach session on an accepted WebSocket stream (the 101 answer must already be
 * sent) and ends the stream with the status message.
 */
export async function serveRemoteCommand(stream: KubeletStreamServer, req: RemoteCommandRequest, ctx: RemoteCommandContext): Promise<void> {
  const signal = stream.signal;
  const writeStatus = (status: ChannelStatus) => {
    if (signal.aborted) return;
    if (req.protocol === 'v5.channel.k8s.io' || req.protocol === 'v4.channel.k8s.io') {
      stream.send(frame(ERROR, Buffer.from(JSON.stringify(status))));
    } else if (status.status === 'Failure' && status.message) {
      stream.send(frame(ERROR, Buffer.from(status.message)));
    }
    stream.end();
  };
  let session: StreamSession;
  try {
    const runtimeOptions = { ...req.options, signal };
    session = req.kind === 'exec' ? await ctx.runtime.exec(req.containerId, req.command, runtimeOptions) : await ctx.runtime.attach(req.containerId, runtimeOptions);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const what = req.kind === 'exec' ? 'error executing command in container' : 'error attaching to container';
    return writeStatus(errorStatus(ApiError.internal(`${what}: ${message}`)));
  }
  const onAbort = () => session.close();
  signal.addEventListener('abort', onAbort, { once: true });

  // container → client, with backpressure: a paused source until the window has room again.
  const pump = (source: NodeJS.ReadableStream | undefined, channel: number) =>
    new Promise<void>((resolve) => {
      if (!source) return resolve();
      source.on('data', (chunk: Buffer | string) => {
        if (signal.aborted) return;
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (!stream.send(frame(channel, bytes))) {
          source.pause();
          void stream.writable().then(() => source.resume());
        }
      });
      source.once('end', () => resolve());
      source.once('close', () => resolve());
      source.once('error', () => resolve());
    });
  const output = Promise.all([pump(session.stdout, STDOUT), pump(session.stderr, STDERR)]);

  // client → container
  const input = (async () => {
    let resizeBuffer = '';
    // Applied one after another, in order: kubectl attach sends (w+1, h+1) then (w, h) to force a
    // redraw, and concurrent runtime calls could land the other way round.
    let resizing: Promise<void> = Promise.resolve();
    try {
      for await (const message of stream.data) {
        if (message.byteLength === 0) continue;
        const channel = message[0];
        const payload = Buffer.from(message.buffer, message.byteOffset + 1, message.byteLength - 1);
        if (channel === STDIN) {
          const stdin = session.stdin;
          if (!stdin || payload.length === 0) continue;
          if (!stdin.write(payload)) await new Promise<void>((r) => stdin.once('drain', () => r()));
        } else if (channel === RESIZE) {
          resizeBuffer += payload.toString('utf8');
          for (const size of takeResizes(resizeBuffer)) {
            resizing = resizing.then(() => session.resize(size.width, size.height)).catch((err: unknown) => ctx.logger.debug({ err }, 'resize failed'));
          }
          resizeBuffer = resizeBuffer.slice(resizeBuffer.lastIndexOf('}') + 1);
        } else if (channel === CLOSE && req.protocol === 'v5.channel.k8s.io') {
          if (payload[0] === STDIN) session.stdin?.end();
        }
      }
      // The API server ended its side: no more input.
      session.stdin?.end();
    } catch {
      // stream closed: the abort handler closes the session
    }
  })();

  let exitCode: number;
  try {
    [exitCode] = await Promise.all([session.exited, output]);
  } catch (e) {
    signal.removeEventListener('abort', onAbort);
    const message = e instanceof Error ? e.message : String(e);
    return writeStatus(errorStatus(ApiError.internal(`error ${req.kind === 'exec' ? 'executing command in container' : 'attaching to container'}: ${message}`)));
  }
  signal.removeEventListener('abort', onAbort);
  void input;
  if (signal.aborted) return;
  if (req.kind === 'exec' && exitCode !== 0 && exitCode !== -1) writeStatus(exitCodeStatus(req.command, exitCode));
  else writeStatus(successStatus());
  session.close();
}

/** Complete `{"Width":…,"Height":…}` objects in `text` (kubectl sends one per message, newline-terminated). */
export function takeResizes(text: string): { width: number; height: number }[] {
  const out: { width: number; height: number }[] = [];
  let start = text.indexOf('{');
  while (start >= 0) {
    const end = text.indexOf('}', start);
    if (end < 0) break;
    try {
      const v = JSON.parse(text.slice(start, end + 1)) as { Width?: unknown; Height?: unknown };
      if (typeof v.Width === 'number' && typeof v.Height === 'number') out.push({ width: v.Width, height: v.Height });
    } catch {
      // skip a malformed object
    }
    start = text.indexOf('{', end + 1);
  }
  return out;
}

/** Answers a non-WebSocket request for exec/attach/portForward (kubectl's legacy SPDY fallback). */
export function refuseNonWebSocket(stream: KubeletStreamServer, what: string): void {
  respondError(stream, ApiError.badRequest(`Upgrade request required: ${what} is served over WebSocket only (kubectl 1.30+; the legacy SPDY upgrade is not supported)`));
}
