/**
 * The slice of spdy-transport@3 that port-forward uses (the package ships no types). Only the
 * SPDY server side: a connection over a duplex byte stream, and its streams.
 */
declare module 'spdy-transport' {
  import type { EventEmitter } from 'node:events';
  import type { Duplex } from 'node:stream';

  export interface SpdyStream extends Duplex {
    readonly id: number;
    /** Request headers of the SYN_STREAM (lower-case names). */
    readonly headers: Record<string, string | undefined>;
    /** Sends SYN_REPLY. */
    respond(status: number, headers: Record<string, string>, callback?: (err?: Error | null) => void): void;
    /** Sends RST_STREAM (code default CANCEL). */
    abort(code?: string, callback?: () => void): void;
  }

  export interface SpdyParser {
    parseKVs(buffer: unknown, callback: (err: Error | null, headers?: Record<string, string>) => void): void;
  }

  export interface SpdyConnection extends EventEmitter {
    /** Sets the protocol version before the first frame (3.1 enables session flow control). */
    start(version: number): void;
    /** Sends GOAWAY. */
    end(callback?: () => void): void;
    destroyStreams(err?: Error): void;
    /** Internal state; only the frame parser is touched (see port-forward-spdy.ts). */
    readonly _spdyState: { readonly parser: SpdyParser };
  }

  export interface ConnectionOptions {
    readonly protocol: 'spdy' | 'http2';
    readonly isServer: boolean;
    /** Receive window per stream and for the session (default 1 MiB). */
    readonly windowSize?: number;
    readonly maxStreams?: number;
  }

  const transport: {
    readonly connection: { create(socket: Duplex, options: ConnectionOptions): SpdyConnection };
  };
  export default transport;
}
