/**
 * The slice of dockerode (Docker Engine API v1.41+, Docker 20.10+) that lite calls, declared here
 * so the runtime depends on what it uses and fakes stay small (DESIGN.md habit 2). Field names are
 * the Engine API's; only the fields read are typed.
 *
 * Streams: `hijack: true` calls (exec start, attach) resolve with the raw duplex socket; the
 * output is multiplexed (8-byte frame headers) unless the process has a TTY.
 */
import type { Duplex } from 'node:stream';
import Dockerode from 'dockerode';

export interface DockerVersion {
  Version: string;
  ApiVersion: string;
  Os?: string;
  Arch?: string;
}

export interface DockerContainerState {
  Status: string;
  Running: boolean;
  Paused?: boolean;
  Restarting?: boolean;
  OOMKilled: boolean;
  Dead?: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

export interface DockerEndpoint {
  IPAddress?: string;
}

export interface DockerContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  State: DockerContainerState;
  Config: { Image: string; Labels: Record<string, string> | null; Tty: boolean; StdinOnce?: boolean; Hostname?: string; User?: string };
  HostConfig: { NetworkMode?: string };
  /** The container's /etc/resolv.conf on the host. */
  ResolvConfPath?: string;
  NetworkSettings: { IPAddress?: string; Networks?: Record<string, DockerEndpoint> | null };
}

export interface DockerContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Created: number;
  State: string;
  Labels: Record<string, string> | null;
}

export interface DockerImageInspect {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Size: number;
  Config?: { User?: string; Labels?: Record<string, string> | null; Entrypoint?: string[] | null; Cmd?: string[] | null } | null;
}

export interface DockerImageSummary {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Size: number;
  Labels?: Record<string, string> | null;
}

export interface DockerExecInspect {
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
}

export interface DockerStats {
  read: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

export interface DockerExecApi {
  readonly id: string;
  start(opts: { hijack: true; stdin: boolean; Detach?: false; Tty: boolean; abortSignal?: AbortSignal }): Promise<Duplex>;
  inspect(): Promise<DockerExecInspect>;
  resize(opts: { h: number; w: number }): Promise<unknown>;
}

export interface DockerContainerApi {
  readonly id: string;
  inspect(): Promise<DockerContainerInspect>;
  start(): Promise<unknown>;
  stop(opts: { t: number }): Promise<unknown>;
  kill(opts: { signal: string }): Promise<unknown>;
  remove(opts: { force: boolean; v: boolean }): Promise<unknown>;
  wait(opts: { condition: 'not-running' | 'next-exit' | 'removed'; abortSignal?: AbortSignal }): Promise<{ StatusCode: number }>;
  attach(opts: { hijack: true; stream: true; stdin: boolean; stdout: boolean; stderr: boolean; logs?: boolean; abortSignal?: AbortSignal }): Promise<Duplex>;
  /** A Buffer when not following, a stream when following. */
  logs(opts: {
    follow: boolean;
    stdout: true;
    stderr: true;
    timestamps: boolean;
    tail?: number | 'all';
    since?: string;
    abortSignal?: AbortSignal;
  }): Promise<Buffer | NodeJS.ReadableStream>;
  stats(opts: { stream: false; 'one-shot'?: boolean }): Promise<DockerStats>;
  exec(opts: { Cmd: string[]; AttachStdin: boolean; AttachStdout: boolean; AttachStderr: boolean; Tty: boolean }): Promise<DockerExecApi>;
  resize(opts: { h: number; w: number }): Promise<unknown>;
  getArchive(opts: { path: string }): Promise<NodeJS.ReadableStream>;
}

export interface DockerImageApi {
  inspect(): Promise<DockerImageInspect>;
  remove(opts?: { force?: boolean; noprune?: boolean }): Promise<unknown>;
}

export interface DockerApi {
  version(): Promise<DockerVersion>;
  createContainer(opts: Record<string, unknown>): Promise<{ id: string }>;
  getContainer(id: string): DockerContainerApi;
  listContainers(opts: { all: boolean; filters?: string }): Promise<DockerContainerSummary[]>;
  getImage(name: string): DockerImageApi;
  listImages(opts?: { all?: boolean; filters?: string }): Promise<DockerImageSummary[]>;
  /** POST /images/create (pull); the stream carries JSON progress lines (and in-stream errors). */
  createImage(opts: { fromImage: string; tag?: string; abortSignal?: AbortSignal }): Promise<NodeJS.ReadableStream>;
  /** POST /images/load. */
  loadImage(tar: NodeJS.ReadableStream | Buffer, opts: { quiet: boolean }): Promise<NodeJS.ReadableStream>;
  /** POST /build (the classic builder: `FROM scratch` needs no registry). */
  buildImage(context: NodeJS.ReadableStream, opts: { t: string; labels?: string; rm?: boolean; forcerm?: boolean; pull?: boolean; nocache?: boolean }): Promise<NodeJS.ReadableStream>;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** A dockerode client seen through `DockerApi`. */
export function createDockerApi(socketPath: string = DEFAULT_DOCKER_SOCKET): DockerApi {
  return new Dockerode({ socketPath }) as unknown as DockerApi;
}

/** The Engine's message of a failed call (dockerode wraps it as `(HTTP code N) reason - message`). */
export function dockerErrorMessage(err: unknown): string {
  const e = err as { json?: unknown; message?: string; code?: string; address?: string };
  if (e?.code === 'ENOENT' || e?.code === 'ECONNREFUSED' || e?.code === 'EACCES') {
    return `Cannot connect to the Docker daemon at unix://${e.address ?? DEFAULT_DOCKER_SOCKET}. Is the docker daemon running? (${e.code})`;
  }
  const json = e?.json as { message?: string } | Buffer | string | null | undefined;
  if (json && typeof json === 'object' && !Buffer.isBuffer(json) && typeof json.message === 'string') return json.message.trim();
  const raw = Buffer.isBuffer(json) ? json.toString() : typeof json === 'string' ? json : undefined;
  if (raw) {
    try {
      const parsed = JSON.parse(raw) as { message?: string };
      if (parsed.message) return parsed.message.trim();
    } catch {
      // not JSON: use as is
    }
    if (raw.trim()) return raw.trim();
  }
  const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(e?.message ?? '');
  return (m ? m[1] : (e?.message ?? String(err))).trim();
}

/** The HTTP status of a failed Engine call, if it got that far. */
export function dockerStatusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** Reads a JSON-lines progress stream (build, pull, load); rejects on an in-stream error. */
export async function readJsonStream(stream: NodeJS.ReadableStream, onMessage?: (msg: Record<string, unknown>) => void): Promise<Record<string, unknown>[]> {
  const messages: Record<string, unknown>[] = [];
  let pending = '';
  let failure: string | undefined;
  const handle = (line: string) => {
    if (!line.trim()) return;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    messages.push(msg);
    if (typeof msg.error === 'string' && failure === undefined) failure = msg.error;
    else onMessage?.(msg);
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      handle(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  handle(pending);
  if (failure !== undefined) throw Object.assign(new Error(failure), { json: { message: failure } });
  return messages;
}
