/**
 * How the API server reaches a kubelet's streaming API (container logs, exec, attach,
 * port-forward, stats): one request = one bidirectional stream. The same interfaces serve the
 * embedded agent (an in-memory pair, `streamPair`) and remote agents (multiplexed over the
 * WebSocket tunnel the agent dials, so a worker behind NAT needs no open port).
 *
 * The API server is a pipe: it forwards the client's request and WebSocket messages and relays
 * whatever the kubelet answers. Protocols (the v4/v5 channel protocol of exec, SPDY inside
 * WebSockets for kubectl port-forward) are spoken by the kubelet end, as upstream's kubelet does.
 *
 * Flow control: each direction of a stream has a window of bytes sent but not yet taken by the
 * receiver's reader. `send()` returns false once the window is full; a well-behaved sender then
 * awaits `writable()` before sending more. A receiver whose buffer goes far past the window
 * (a sender that ignores `send()`'s answer) fails the stream instead of buffering without bound.
 */
import type { ApiError } from '../api/errors.js';

export const KUBELET_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT'] as const;
export type KubeletMethod = (typeof KUBELET_METHODS)[number];

export function isKubeletMethod(m: unknown): m is KubeletMethod {
  return typeof m === 'string' && (KUBELET_METHODS as readonly string[]).includes(m);
}

/** A request from the API server to a kubelet. */
export interface KubeletRequest {
  /**
   * GET/POST for the streaming API; any of KUBELET_METHODS for nodes/proxy (the kubelet answers
   * 405 where it serves no such method); CONNECT for a TCP dial (`path` `/dial`, query
   * `host=<ip>&port=<n>`): after a 200 head the stream carries the connection's raw bytes both
   * ways — how pods/proxy and services/proxy reach pod IPs on the agent's node (k3s' egress
   * selector mode "agent"); an error head (Status body) means the dial failed or was refused.
   */
  readonly method: KubeletMethod;
  /**
   * Kubelet API paths, as upstream's: `/containerLogs/<ns>/<pod>/<container>`,
   * `/exec/<ns>/<pod>/<container>`, `/attach/<ns>/<pod>/<container>`, `/portForward/<ns>/<pod>`,
   * `/stats/summary`, `/healthz`, `/pods`. The pod's uid travels in the `podUID` query
   * parameter when known.
   */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Present when the client asked to upgrade to a WebSocket: the subprotocols it offered. */
  readonly websocket?: { readonly protocols: readonly string[] };
}

export interface KubeletResponseHead {
  /** 200 (HTTP body follows), 101 (WebSocket accepted) or an error status. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The WebSocket subprotocol the kubelet chose (101 only). */
  readonly protocol?: string;
}

/** The API server's end of one request. */
export interface KubeletStream {
  /** The kubelet's answer; rejects if the stream broke before it answered. */
  readonly head: Promise<KubeletResponseHead>;
  /**
   * What the kubelet sends: HTTP body chunks, or whole WebSocket messages after a 101. Ends when
   * the kubelet is done; throws if the stream broke. One reader only.
   */
  readonly data: AsyncIterable<Uint8Array>;
  /**
   * WebSocket messages (or request body chunks) to the kubelet. Returns false when the window is
   * full: wait for `writable()` before sending more.
   */
  send(chunk: Uint8Array): boolean;
  /** Resolves when `send` may be called again (at once if it may; also once the stream is over). */
  writable(): Promise<void>;
  /** Nothing more will be sent to the kubelet. */
  end(): void;
  /** Tears the stream down in both directions (idempotent; a no-op once both ends are done). */
  close(reason?: string): void;
}

/** The kubelet's end of one request. */
export interface KubeletStreamServer {
  readonly request: KubeletRequest;
  /** Answers the request (once; later calls are ignored). */
  respond(head: KubeletResponseHead): void;
  /** What the API server sends (WebSocket messages from the client). Ends on end()/close(). */
  readonly data: AsyncIterable<Uint8Array>;
  /** Returns false when the window is full: wait for `writable()` before sending more. */
  send(chunk: Uint8Array): boolean;
  /** Resolves when `send` may be called again (at once if it may; also once the stream is over). */
  writable(): Promise<void>;
  /** The response is complete (answers 200 first if respond() was not called). */
  end(): void;
  /** Aborted when the API server (or client) goes away: stop work, release resources. */
  readonly signal: AbortSignal;
}

/** Implemented by the kubelet (agent side). */
export interface KubeletRequestHandler {
  handle(stream: KubeletStreamServer): void;
}

/** Implemented by the tunnel registry (server side) and by the embedded agent's direct link. */
export interface KubeletConnection {
  open(request: KubeletRequest): KubeletStream;
  /**
   * A request this node refuses before any stream is opened, or undefined. A kubelet whose
   * containers are not processes (a simulated node) has nothing to exec into, attach to or
   * forward ports to: that is a fact about the request, like a pod without a node, so the API
   * server answers the client with this error as is (a 4xx Status) — not as a kubelet that failed
   * an upgrade (which upstream reports as an InternalError on the stream's error channel).
   */
  refuse?(request: KubeletRequest): ApiError | undefined;
}

/** Where an in-process kubelet (the embedded agent) registers its connection. */
export interface DirectKubeletRegistry {
  /** Returns the function that removes the registration. */
  registerDirect(nodeName: string, connection: KubeletConnection): () => void;
}

/** The connection to a node's kubelet, if this resolver serves that node. */
export type KubeletResolver = (nodeName: string) => KubeletConnection | undefined;

/**
 * Where a component serving many nodes' kubelets in-process (the node simulator) registers one
 * resolver, rather than one connection per node: thousands of simulated nodes cost nothing until
 * a request names one of them.
 */
export interface KubeletResolverRegistry {
  /** Returns the function that removes the resolver. */
  registerResolver(resolve: KubeletResolver): () => void;
}

/** Finds the connection to a node's kubelet (undefined: that node has no agent connected). */
export interface KubeletConnections {
  forNode(nodeName: string): KubeletConnection | undefined;
}

/** Bytes a sender may have in flight per stream direction before `send` answers false. */
export const DEFAULT_STREAM_WINDOW = 256 * 1024;

/**
 * An async queue of chunks with an end and an error; one reader. `onTake` is told how many bytes
 * the reader took (the receiver's side of flow control).
 */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  #items: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #onTake: ((bytes: number) => void) | undefined;

  constructor(options: { onTake?: (bytes: number) => void } = {}) {
    this.#onTake = options.onTake;
  }

  push(chunk: Uint8Array): void {
    if (this.#ended) return;
    this.#items.push(chunk);
    this.#bytes += chunk.byteLength;
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  /** Ends the queue with an error (the reader throws it after the chunks already queued are dropped). */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#wake?.();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes queued and not yet taken by the reader. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  #take(): Uint8Array | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++];
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#bytes -= item.byteLength;
    this.#onTake?.(item.byteLength);
    return item;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const item = this.#take();
      if (item) {
        yield item;
        continue;
      }
      if (this.#ended) {
        if (this.#error) throw this.#error;
        return;
      }
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }
}

/**
 * Bytes in flight toward a receiver: `add` on send, `release` when the receiver took them.
 * Writers wait while it is at or over its limit; `close` releases every waiter for good.
 */
export class FlowGate {
  #inFlight = 0;
  #closed = false;
  #waiters: (() => void)[] = [];
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Counts bytes sent; true while there is still room. */
  add(bytes: number): boolean {
    this.#inFlight += bytes;
    return this.ready;
  }

  release(bytes: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - bytes);
    if (this.ready) this.#wakeAll();
  }

  get ready(): boolean {
    return this.#closed || this.#inFlight < this.#limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  wait(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  #wakeAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * An in-memory stream: the API server's end and the kubelet's end of one request, for the agent
 * embedded in the server process (no sockets). Each direction's window is `window` bytes.
 */
export function streamPair(request: KubeletRequest, window = DEFAULT_STREAM_WINDOW): { client: KubeletStream; server: KubeletStreamServer } {
  const toKubeletGate = new FlowGate(window);
  const toServerGate = new FlowGate(window);
  const toKubelet = new ChunkQueue({ onTake: (n) => toKubeletGate.release(n) });
  const toServer = new ChunkQueue({ onTake: (n) => toServerGate.release(n) });
  const aborted = new AbortController();
  let answer: (h: KubeletResponseHead) => void = () => {};
  let refuse: (e: Error) => void = () => {};
  const head = new Promise<KubeletResponseHead>((resolve, reject) => {
    answer = resolve;
    refuse = reject;
  });
  head.catch(() => undefined);
  let responded = false;
  let clientEnded = false;
  let serverEnded = false;
  let closed = false;
  const finish = () => {
    toKubeletGate.close();
    toServerGate.close();
  };
  const client: KubeletStream = {
    head,
    data: toServer,
    send: (c) => {
      if (clientEnded || closed) return false;
      toKubelet.push(c);
      return toKubeletGate.add(c.byteLength);
    },
    writable: () => toKubeletGate.wait(),
    end: () => {
      clientEnded = true;
      toKubelet.end();
    },
    close: (reason) => {
      if (closed || (clientEnded && serverEnded)) return;
      closed = true;
      const e = new Error(reason ?? 'stream closed');
      toKubelet.end();
      toServer.fail(e);
      if (!responded) refuse(e);
      finish();
      aborted.abort(e);
    },
  };
  const server: KubeletStreamServer = {
    request,
    respond: (h) => {
      if (responded || closed) return;
      responded = true;
      answer(h);
    },
    data: toKubelet,
    send: (c) => {
      if (serverEnded || closed) return false;
      toServer.push(c);
      return toServerGate.add(c.byteLength);
    },
    writable: () => toServerGate.wait(),
    end: () => {
      if (serverEnded || closed) return;
      if (!responded) {
        responded = true;
        answer({ status: 200, headers: {} });
      }
      serverEnded = true;
      toServer.end();
    },
    signal: aborted.signal,
  };
  return { client, server };
}

/** A connection to a kubelet in the same process. */
export function directConnection(handler: KubeletRequestHandler, window = DEFAULT_STREAM_WINDOW): KubeletConnection {
  return {
    open(request) {
      const { client, server } = streamPair(request, window);
      handler.handle(server);
      return client;
    },
  };
}

/** Sends a chunk and waits for room when the window is full. */
export async function sendWithBackpressure(target: { send(chunk: Uint8Array): boolean; writable(): Promise<void> }, chunk: Uint8Array): Promise<void> {
  if (!target.send(chunk)) await target.writable();
}
