/**
 * One end of the multiplexed tunnel between the server and an agent: many KubeletStreams over
 * one message link (a WebSocket), framed as in frames.ts.
 *
 * The server end opens streams (`open`), the agent end serves them (its `handler`). Flow control
 * is credit-based per stream and direction, as HTTP/2's: a sender may have `window` bytes that
 * the receiver's reader has not yet taken; the receiver returns credit with window frames as
 * its reader takes chunks. On top, all streams stop sending while more than `linkHighWater`
 * bytes sit unflushed in the link's socket buffer, so one fast `kubectl logs -f` or
 * port-forward can neither exhaust memory nor starve the link's other streams for long.
 */
import type { Logger } from 'pino';
import { silentLogger } from '../util/log.js';
import { decodeFrame, encodeFrame, FrameError, type Frame } from './frames.js';
import {
  ChunkQueue,
  DEFAULT_STREAM_WINDOW,
  FlowGate,
  type KubeletConnection,
  type KubeletRequest,
  type KubeletRequestHandler,
  type KubeletResponseHead,
  type KubeletStream,
  type KubeletStreamServer,
} from './kubelet-connection.js';

/** The message link under a mux (a WebSocket in production, a pair of queues in tests). */
export interface FrameLink {
  /** Sends one message; `flushed` is called once it left the process (or the link failed). */
  send(message: Uint8Array, flushed: () => void): void;
  /** Ends the link (after a protocol error, or when the mux is shut down by its owner). */
  close(reason: string): void;
}

export interface TunnelMuxConfig {
  readonly role: 'server' | 'agent';
  readonly link: FrameLink;
  /** Serves streams the server opens (agent role). */
  readonly handler?: KubeletRequestHandler;
  /** Per-stream, per-direction window in bytes (default 256 KiB). */
  readonly window?: number;
  /** Unflushed bytes on the link above which every stream waits (default 4 MiB). */
  readonly linkHighWater?: number;
  /** Streams open at once (default 1024); more are refused. */
  readonly maxStreams?: number;
  readonly logger?: Logger;
}

export class TunnelClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TunnelClosedError';
  }
}

class MuxStream {
  readonly incoming: ChunkQueue;
  readonly sendGate: FlowGate;
  readonly aborted = new AbortController();
  localEnded = false;
  remoteEnded = false;
  closed = false;
  responded = false;
  credit = 0;
  answer: (h: KubeletResponseHead) => void = () => {};
  refuse: (e: Error) => void = () => {};
  readonly head: Promise<KubeletResponseHead>;

  constructor(
    readonly id: number,
    window: number,
    onTake: (s: MuxStream, bytes: number) => void,
  ) {
    this.incoming = new ChunkQueue({ onTake: (n) => onTake(this, n) });
    this.sendGate = new FlowGate(window);
    this.head = new Promise<KubeletResponseHead>((resolve, reject) => {
      this.answer = resolve;
      this.refuse = reject;
    });
    this.head.catch(() => undefined);
  }

  get done(): boolean {
    return this.closed || (this.localEnded && this.remoteEnded);
  }
}

export class TunnelMux implements KubeletConnection {
  readonly #role: 'server' | 'agent';
  readonly #link: FrameLink;
  readonly #handler: KubeletRequestHandler | undefined;
  readonly #window: number;
  readonly #maxStreams: number;
  readonly #log: Logger;
  readonly #linkGate: FlowGate;
  readonly #streams = new Map<number, MuxStream>();
  #nextId = 1;
  #shutdown: Error | undefined;

  constructor(config: TunnelMuxConfig) {
    if (config.role === 'agent' && !config.handler) throw new Error('TunnelMux: the agent role needs a handler');
    this.#role = config.role;
    this.#link = config.link;
    this.#handler = config.handler;
    this.#window = config.window ?? DEFAULT_STREAM_WINDOW;
    this.#maxStreams = config.maxStreams ?? 1024;
    this.#log = (config.logger ?? silentLogger).child({ component: 'tunnel-mux', role: config.role });
    this.#linkGate = new FlowGate(config.linkHighWater ?? 4 * 1024 * 1024);
  }

  /** Streams currently open. */
  get activeStreams(): number {
    return this.#streams.size;
  }

  get closed(): boolean {
    return this.#shutdown !== undefined;
  }

  /** Opens a stream to the agent's kubelet (server role). */
  open(request: KubeletRequest): KubeletStream {
    if (this.#role !== 'server') throw new Error('TunnelMux: only the server opens streams');
    const s = new MuxStream(this.#nextId, this.#window, (st, n) => this.#took(st, n));
    this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    if (this.#shutdown) {
      this.#failStream(s, this.#shutdown);
    } else if (this.#streams.size >= this.#maxStreams) {
      this.#failStream(s, new TunnelClosedError(`too many streams open to this node's agent (${this.#maxStreams})`));
    } else {
      this.#streams.set(s.id, s);
      this.#write({ type: 'open', id: s.id, request });
    }
    return this.#clientView(s);
  }

  /** Feeds one message from the link. */
  receive(message: Uint8Array): void {
    if (this.#shutdown) return;
    let frame: Frame;
    try {
      frame = decodeFrame(message);
    } catch (e) {
      const reason = e instanceof FrameError ? e.message : String(e);
      this.#log.warn({ reason }, 'malformed tunnel frame; closing the tunnel');
      this.shutdown(`tunnel protocol error: ${reason}`);
      this.#link.close(`protocol error: ${reason}`);
      return;
    }
    this.#dispatch(frame);
  }

  /** The link is gone (or the owner closes it): every open stream fails with `reason`. */
  shutdown(reason: string): void {
    if (this.#shutdown) return;
    this.#shutdown = new TunnelClosedError(reason);
    for (const s of [...this.#streams.values()]) this.#failStream(s, this.#shutdown);
    this.#streams.clear();
    this.#linkGate.close();
  }

  #dispatch(frame: Frame): void {
    if (frame.type === 'open') {
      if (this.#role !== 'agent') return this.#protocolError(`unexpected open frame for stream ${frame.id}`);
      if (this.#streams.has(frame.id)) return this.#protocolError(`stream ${frame.id} opened twice`);
      const s = new MuxStream(frame.id, this.#window, (st, n) => this.#took(st, n));
      if (this.#streams.size >= this.#maxStreams) {
        this.#write({ type: 'close', id: frame.id, reason: `too many streams (${this.#maxStreams})` });
        return;
      }
      this.#streams.set(s.id, s);
      try {
        this.#handler!.handle(this.#serverView(s, frame.request));
      } catch (e) {
        this.#log.error({ err: e, path: frame.request.path }, 'kubelet handler threw');
        this.#closeStream(s, 'kubelet handler failed');
      }
      return;
    }
    const s = this.#streams.get(frame.id);
    // Frames for a stream closed here may still be in flight: drop them.
    if (!s) return;
    switch (frame.type) {
      case 'head':
        if (this.#role !== 'server') return this.#protocolError('unexpected head frame');
        s.responded = true;
        s.answer(frame.head);
        return;
      case 'data':
        if (s.remoteEnded) return this.#closeStream(s, 'data after end');
        // A sender may overshoot its window by one chunk; far beyond it, it ignores flow control.
        if (s.incoming.bufferedBytes > 4 * this.#window) return this.#closeStream(s, 'flow control window exceeded');
        s.incoming.push(frame.data);
        return;
      case 'end':
        s.remoteEnded = true;
        s.incoming.end();
        if (this.#role === 'server' && !s.responded) {
          s.responded = true;
          s.answer({ status: 200, headers: {} });
        }
        this.#maybeDone(s);
        return;
      case 'close':
        this.#failStream(s, new TunnelClosedError(frame.reason || 'stream closed by peer'));
        this.#streams.delete(s.id);
        return;
      case 'window':
        s.sendGate.release(frame.bytes);
        return;
    }
  }

  #protocolError(reason: string): void {
    this.#log.warn({ reason }, 'tunnel protocol error; closing the tunnel');
    this.shutdown(`tunnel protocol error: ${reason}`);
    this.#link.close(`protocol error: ${reason}`);
  }

  #write(frame: Frame): void {
    if (this.#shutdown && frame.type !== 'close') return;
    const bytes = encodeFrame(frame);
    this.#linkGate.add(bytes.length);
    try {
      this.#link.send(bytes, () => this.#linkGate.release(bytes.length));
    } catch (e) {
      this.#linkGate.release(bytes.length);
      this.#log.debug({ err: e }, 'tunnel send failed');
    }
  }

  /** The local reader took bytes: return credit in batches of a quarter window. */
  #took(s: MuxStream, bytes: number): void {
    if (s.closed || s.remoteEnded) return;
    s.credit += bytes;
    if (s.credit >= this.#window / 4) {
      const credit = s.credit;
      s.credit = 0;
      this.#write({ type: 'window', id: s.id, bytes: credit });
    }
  }

  #send(s: MuxStream, chunk: Uint8Array): boolean {
    if (s.localEnded || s.closed || this.#shutdown) return false;
    this.#write({ type: 'data', id: s.id, data: chunk });
    const streamRoom = s.sendGate.add(chunk.byteLength);
    return streamRoom && this.#linkGate.ready;
  }

  async #writable(s: MuxStream): Promise<void> {
    await s.sendGate.wait();
    await this.#linkGate.wait();
  }

  #end(s: MuxStream): void {
    if (s.localEnded || s.closed || this.#shutdown) return;
    s.localEnded = true;
    this.#write({ type: 'end', id: s.id });
    this.#maybeDone(s);
  }

  #maybeDone(s: MuxStream): void {
    if (!s.localEnded || !s.remoteEnded) return;
    s.sendGate.close();
    this.#streams.delete(s.id);
  }

  /** Closes a stream from this end: tells the peer, fails local readers. */
  #closeStream(s: MuxStream, reason: string): void {
    if (s.done) return;
    this.#write({ type: 'close', id: s.id, reason });
    this.#failStream(s, new TunnelClosedError(reason));
    this.#streams.delete(s.id);
  }

  #failStream(s: MuxStream, error: Error): void {
    if (s.closed) return;
    s.closed = true;
    s.incoming.fail(error);
    if (!s.responded) {
      s.responded = true;
      s.refuse(error);
    }
    s.sendGate.close();
    s.aborted.abort(error);
  }

  #clientView(s: MuxStream): KubeletStream {
    return {
      head: s.head,
      data: s.incoming,
      send: (chunk) => this.#send(s, chunk),
      writable: () => this.#writable(s),
      end: () => this.#end(s),
      close: (reason) => this.#closeStream(s, reason ?? 'stream closed'),
    };
  }

  #serverView(s: MuxStream, request: KubeletRequest): KubeletStreamServer {
    return {
      request,
      respond: (head) => {
        if (s.responded || s.closed || this.#shutdown) return;
        s.responded = true;
        this.#write({ type: 'head', id: s.id, head });
      },
      data: s.incoming,
      send: (chunk) => this.#send(s, chunk),
      writable: () => this.#writable(s),
      end: () => {
        if (!s.responded && !s.closed && !this.#shutdown) {
          s.responded = true;
          this.#write({ type: 'head', id: s.id, head: { status: 200, headers: {} } });
        }
        this.#end(s);
      },
      signal: s.aborted.signal,
    };
  }
}
