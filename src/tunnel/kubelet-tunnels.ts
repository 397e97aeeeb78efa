/**
 * The server's registry of kubelet connections: one per node, either the agent's tunnel (a
 * WebSocket it dialed to `/v1-lite/connect` with its node client certificate) or the embedded
 * agent's in-process link. The API server finds a node's kubelet here (`forNode`).
 *
 * A node that connects again replaces its previous connection (the old one is closed: its
 * streams fail). A connection that closes is dropped at once, so requests for that node get
 * "no agent connected" rather than waiting on a dead socket.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { ApiError } from '../api/errors.js';
import type { ExtraRoute } from '../apiserver/app.js';
import { acceptWebSocket, isWebSocketRequest, offeredProtocols } from '../apiserver/extensions/websocket-upgrade.js';
import type { UserInfo } from '../registry/context.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { TUNNEL_PROTOCOL, TUNNEL_PROTOCOL_V2 } from './frames.js';
import { streamPair, type KubeletConnection, type KubeletConnections, type KubeletResolver, type KubeletResolverRegistry } from './kubelet-connection.js';
import { TunnelMux } from './tunnel-mux.js';
import { webSocketLink, wireSocket } from './ws-link.js';

export const TUNNEL_PATH = '/v1-lite/connect';

export interface KubeletTunnelsConfig {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Ping period of agent tunnels; a tunnel silent for two periods is dropped (default 15 s). */
  readonly pingIntervalMs?: number;
  /** Per-stream window (default 256 KiB). */
  readonly window?: number;
}

interface Entry {
  readonly kind: 'direct' | 'tunnel';
  readonly connection: KubeletConnection;
  readonly close: (reason: string) => void;
}

export type ConnectionListener = (nodeName: string, connected: boolean) => void;

export class KubeletTunnels implements KubeletConnections, KubeletResolverRegistry {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #pingIntervalMs: number;
  readonly #window: number | undefined;
  readonly #nodes = new Map<string, Entry>();
  readonly #listeners = new Set<ConnectionListener>();
  readonly #resolvers = new Set<KubeletResolver>();
  #closed = false;

  constructor(config: KubeletTunnelsConfig = {}) {
    this.#clock = config.clock ?? systemClock;
    this.#log = (config.logger ?? silentLogger).child({ component: 'kubelet-tunnels' });
    this.#pingIntervalMs = config.pingIntervalMs ?? 15_000;
    this.#window = config.window;
  }

  /** A connected agent's (or the embedded one's) connection; else a resolver's (simulated nodes). */
  forNode(nodeName: string): KubeletConnection | undefined {
    const direct = this.#nodes.get(nodeName)?.connection;
    if (direct) return direct;
    for (const resolve of this.#resolvers) {
      const c = resolve(nodeName);
      if (c) return c;
    }
    return undefined;
  }

  /** Registers a resolver for nodes served in-process (the node simulator's); returns its removal. */
  registerResolver(resolve: KubeletResolver): () => void {
    this.#resolvers.add(resolve);
    return () => this.#resolvers.delete(resolve);
  }

  /** Names of the nodes with a connected kubelet. */
  connectedNodes(): string[] {
    return [...this.#nodes.keys()].sort();
  }

  /** Told whenever a node's kubelet connects or goes away; returns the unsubscribe function. */
  subscribe(listener: ConnectionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Registers an in-process kubelet (the embedded agent); returns the function that removes it. */
  registerDirect(nodeName: string, connection: KubeletConnection): () => void {
    const entry: Entry = { kind: 'direct', connection, close: () => undefined };
    this.#set(nodeName, entry);
    return () => this.#remove(nodeName, entry);
  }

  /**
   * Takes over the WebSocket of an authenticated agent. `protocol`: the subprotocol agreed; on a
   * v1 tunnel only GET and POST requests are sent (the agent would take others for a protocol
   * error), the rest fail at once and say the agent is too old.
   */
  accept(nodeName: string, ws: WebSocket, protocol: string = TUNNEL_PROTOCOL_V2): void {
    if (this.#closed) {
      ws.close(1001, 'server shutting down');
      return;
    }
    const mux = new TunnelMux({ role: 'server', link: webSocketLink(ws), logger: this.#log, ...(this.#window ? { window: this.#window } : {}) });
    const connection: KubeletConnection = protocol === TUNNEL_PROTOCOL ? getPostOnly(nodeName, mux) : mux;
    const entry: Entry = {
      kind: 'tunnel',
      connection,
      close: (reason) => {
        mux.shutdown(reason);
        ws.close(1001, reason.slice(0, 120));
      },
    };
    wireSocket(ws, mux, {
      clock: this.#clock,
      pingIntervalMs: this.#pingIntervalMs,
      onClose: (reason) => {
        this.#log.info({ node: nodeName, reason }, 'agent tunnel closed');
        this.#remove(nodeName, entry);
      },
    });
    this.#log.info({ node: nodeName }, 'agent tunnel connected');
    this.#set(nodeName, entry);
  }

  /** Closes every tunnel (server shutdown). */
  close(): void {
    this.#closed = true;
    for (const [name, entry] of [...this.#nodes]) {
      entry.close('server shutting down');
      this.#remove(name, entry);
    }
  }

  #set(nodeName: string, entry: Entry): void {
    const previous = this.#nodes.get(nodeName);
    this.#nodes.set(nodeName, entry);
    if (previous) {
      this.#log.info({ node: nodeName }, 'node connected again; closing its previous connection');
      previous.close('replaced by a newer connection from the same node');
    }
    this.#emit(nodeName, true);
  }

  #remove(nodeName: string, entry: Entry): void {
    if (this.#nodes.get(nodeName) !== entry) return;
    this.#nodes.delete(nodeName);
    this.#emit(nodeName, false);
  }

  #emit(nodeName: string, connected: boolean): void {
    for (const l of this.#listeners) {
      try {
        l(nodeName, connected);
      } catch (e) {
        this.#log.error({ err: e }, 'connection listener threw');
      }
    }
  }
}

/** A v1 agent's connection: requests it cannot parse fail here instead of closing its tunnel. */
function getPostOnly(nodeName: string, mux: TunnelMux): KubeletConnection {
  return {
    open(request) {
      if (request.method === 'GET' || request.method === 'POST') return mux.open(request);
      const { client } = streamPair(request);
      client.close(`the agent of node "${nodeName}" runs an older lite whose tunnel cannot carry ${request.method} requests (proxy connections): upgrade lite on that node`);
      return client;
    },
  };
}

const NODE_PREFIX = 'system:node:';

/** The node an authenticated user speaks for (group system:nodes, name system:node:<name>). */
export function nodeNameOf(user: UserInfo | undefined): string | undefined {
  if (!user || !user.groups.includes('system:nodes') || !user.username.startsWith(NODE_PREFIX)) return undefined;
  const name = user.username.slice(NODE_PREFIX.length);
  return name || undefined;
}

const fail = (e: ApiError) => ({ status: e.code, body: JSON.stringify(e.toStatus()), contentType: 'application/json' });

/** `GET /v1-lite/connect`: where agents open their tunnel. */
export function tunnelRoute(tunnels: KubeletTunnels, logger: Logger = silentLogger): ExtraRoute {
  return {
    method: 'GET',
    path: TUNNEL_PATH,
    public: false,
    async handle(req: IncomingMessage, user: UserInfo | undefined) {
      const node = nodeNameOf(user);
      if (!node) {
        return fail(new ApiError(403, 'Forbidden', `the agent tunnel is only for nodes: user "${user?.username ?? 'system:anonymous'}" is not a node (a client certificate for "system:node:<name>" in group "system:nodes" is needed)`));
      }
      if (!isWebSocketRequest(req)) return fail(ApiError.badRequest('Upgrade request required: the agent tunnel is a WebSocket'));
      const offered = offeredProtocols(req);
      const protocol = offered.includes(TUNNEL_PROTOCOL_V2) ? TUNNEL_PROTOCOL_V2 : offered.includes(TUNNEL_PROTOCOL) ? TUNNEL_PROTOCOL : undefined;
      if (!protocol) {
        return fail(ApiError.badRequest(`the agent tunnel speaks the WebSocket subprotocol ${TUNNEL_PROTOCOL_V2} or ${TUNNEL_PROTOCOL}; upgrade the agent to the server's version`));
      }
      let ws: WebSocket;
      try {
        ws = await acceptWebSocket(req, protocol);
      } catch (e) {
        logger.debug({ err: e, node }, 'agent went away during the tunnel handshake');
        return 'sent';
      }
      tunnels.accept(node, ws, protocol);
      return 'sent';
    },
  };
}
