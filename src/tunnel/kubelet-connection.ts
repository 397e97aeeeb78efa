/**
 * How the API server reaches a kubelet's streaming API (container logs, exec, attach,
 * port-forward, stats): one request = one bidirectional stream. The same interfaces serve the
 * embedded agent (an in-memory pair, `streamPair`) and remote agents (multiplexed over the
 * WebSocket tunnel the agent dials, so a worker behind NAT needs no open port).
 *
 * The API server is a pipe: it forwards the client's request and WebSocket messages and relays
 * whatever the kubelet answers. Protocols (the v4/v5 channel protocol of exec, SPDY inside
 * WebSockets for kubectl port-forward) are spoken by the kubelet end, as upstream's kubelet does.
 */

/** A request from the API server to a kubelet. */
export interface KubeletRequest {
  readonly method: 'GET' | 'POST';
  /**
   * Kubelet API paths, as upstream's: `/containerLogs/<ns>/<pod>/<container>`,
   * `/exec/<ns>/<pod>/<container>`, `/attach/<ns>/<pod>/<container>`, `/portForward/<ns>/<pod>`,
   * `/stats/summary`. The pod's uid travels in the `podUID` query parameter when known.
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
   * the kubelet is done; throws if the stream broke.
   */
  readonly data: AsyncIterable<Uint8Array>;
  /** WebSocket messages (or request body chunks) to the kubelet. */
  send(chunk: Uint8Array): void;
  /** Nothing more will be sent to the kubelet. */
  end(): void;
  /** Tears the stream down in both directions. */
  close(reason?: string): void;
}

/** The kubelet's end of one request. */
export interface KubeletStreamServer {
  readonly request: KubeletRequest;
  /** Answers the request (once). */
  respond(head: KubeletResponseHead): void;
  /** What the API server sends (WebSocket messages from the client). Ends on end()/close(). */
  readonly data: AsyncIterable<Uint8Array>;
  send(chunk: Uint8Array): void;
  /** The response is complete. */
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
}

/** Finds the connection to a node's kubelet (undefined: that node has no agent connected). */
export interface KubeletConnections {
  forNode(nodeName: string): KubeletConnection | undefined;
}

/** A bounded async queue of chunks with an end and an error, used by both ends of a stream. */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  readonly #items: Uint8Array[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  push(chunk: Uint8Array): void {
    if (this.#ended) return;
    this.#items.push(chunk);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  fail(error: Error): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#wake?.();
  }

  get ended(): boolean {
    return this.#ended;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const item = this.#items.shift();
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
 * An in-memory stream: the API server's end and the kubelet's end of one request, for the agent
 * embedded in the server process (no sockets).
 */
export function streamPair(request: KubeletRequest): { client: KubeletStream; server: KubeletStreamServer } {
  const toKubelet = new ChunkQueue();
  const toServer = new ChunkQueue();
  const aborted = new AbortController();
  let answer: (h: KubeletResponseHead) => void = () => {};
  let refuse: (e: Error) => void = () => {};
  const head = new Promise<KubeletResponseHead>((resolve, reject) => {
    answer = resolve;
    refuse = reject;
  });
  head.catch(() => undefined);
  let responded = false;
  const client: KubeletStream = {
    head,
    data: toServer,
    send: (c) => toKubelet.push(c),
    end: () => toKubelet.end(),
    close: (reason) => {
      const e = new Error(reason ?? 'stream closed');
      toKubelet.end();
      toServer.fail(e);
      if (!responded) refuse(e);
      aborted.abort(e);
    },
  };
  const server: KubeletStreamServer = {
    request,
    respond: (h) => {
      if (responded) return;
      responded = true;
      answer(h);
    },
    data: toKubelet,
    send: (c) => toServer.push(c),
    end: () => {
      if (!responded) {
        responded = true;
        answer({ status: 200, headers: {} });
      }
      toServer.end();
    },
    signal: aborted.signal,
  };
  return { client, server };
}

/** A connection to a kubelet in the same process. */
export function directConnection(handler: KubeletRequestHandler): KubeletConnection {
  return {
    open(request) {
      const { client, server } = streamPair(request);
      handler.handle(server);
      return client;
    },
  };
}
