/**
 * Docker's stream framing: without a TTY, attach/exec/logs output is multiplexed — each frame is an
 * 8-byte header (stream type: 0 stdin, 1 stdout, 2 stderr; 3 zero bytes; payload length uint32 BE)
 * followed by the payload. With a TTY the bytes come raw.
 */
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { StreamSession } from '../container-runtime.js';

export type FrameHandler = (stream: 0 | 1 | 2, payload: Buffer) => void;

/** Incremental demultiplexer: feed chunks, get whole frames. */
export class FrameDemuxer {
  #buf: Buffer = Buffer.alloc(0);
  readonly #onFrame: FrameHandler;

  constructor(onFrame: FrameHandler) {
    this.#onFrame = onFrame;
  }

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    while (this.#buf.length >= 8) {
      const type = this.#buf[0];
      const len = this.#buf.readUInt32BE(4);
      if (this.#buf.length < 8 + len) break;
      const payload = this.#buf.subarray(8, 8 + len);
      this.#buf = this.#buf.subarray(8 + len);
      this.#onFrame(type === 2 ? 2 : type === 0 ? 0 : 1, payload);
    }
  }

  /** Bytes of an incomplete frame left at the end. */
  get pending(): number {
    return this.#buf.length;
  }
}

/** Payloads of a multiplexed body (a Buffer or a stream), in order. */
export async function* demuxFrames(body: Buffer | NodeJS.ReadableStream): AsyncGenerator<{ stream: 0 | 1 | 2; payload: Buffer }> {
  const queue: { stream: 0 | 1 | 2; payload: Buffer }[] = [];
  const demux = new FrameDemuxer((stream, payload) => queue.push({ stream, payload }));
  if (Buffer.isBuffer(body)) {
    demux.push(body);
    yield* queue;
    return;
  }
  for await (const chunk of body as AsyncIterable<Buffer>) {
    demux.push(chunk);
    while (queue.length) yield queue.shift()!;
  }
}

/** Lines (each with its `\n`, the last possibly without) of a raw body. */
export async function* rawLines(body: Buffer | NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  const chunks: AsyncIterable<Buffer> | Buffer[] = Buffer.isBuffer(body) ? [body] : (body as AsyncIterable<Buffer>);
  for await (const chunk of chunks) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let nl: number;
    while ((nl = pending.indexOf(0x0a)) !== -1) {
      yield pending.subarray(0, nl + 1);
      pending = pending.subarray(nl + 1);
    }
  }
  if (pending.length) yield pending;
}

export interface SessionOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  /** The process has a TTY: output is raw and all of it goes to stdout. */
  readonly tty: boolean;
  /**
   * What the end of the caller's stdin does. 'half-close' (exec; attach to a stdinOnce container):
   * the Engine closes the process's stdin and keeps sending output. 'stop' (attach otherwise):
   * stdin is no longer forwarded and the connection stays open, because the Engine ends an
   * attach's output as soon as its stdin ends unless the container is stdinOnce — output written
   * after the caller's last keystroke would be lost (the CRI keeps a container's stdin open then).
   */
  readonly stdinEnd?: 'half-close' | 'stop';
  readonly signal?: AbortSignal;
  readonly resize: (width: number, height: number) => Promise<void>;
  /** Called once the connection ended (`closedByCaller`: close() or the signal did it); resolves with the exit code. */
  readonly exitCode: (closedByCaller: boolean) => Promise<number>;
}

/** Wraps a hijacked Engine connection as a StreamSession. */
export function hijackedSession(sock: Duplex, opts: SessionOptions): StreamSession {
  const stdout = opts.stdout ? new PassThrough() : undefined;
  const stderr = opts.stderr && !opts.tty ? new PassThrough() : undefined;
  let closed = false;

  const write = (target: PassThrough | undefined, payload: Buffer) => {
    if (!target || target.writableEnded) return;
    if (!target.write(payload)) {
      sock.pause();
      target.once('drain', () => sock.resume());
    }
  };
  const demux = new FrameDemuxer((type, payload) => write(type === 2 ? stderr : stdout, payload));
  sock.on('data', (chunk: Buffer) => (opts.tty ? write(stdout, chunk) : demux.push(chunk)));

  const ended = new Promise<void>((resolve) => {
    const done = () => {
      stdout?.end();
      stderr?.end();
      resolve();
    };
    sock.once('end', done);
    sock.once('close', done);
    sock.once('error', done);
  });

  let stdin: Writable | undefined;
  if (opts.stdin) {
    stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (closed || sock.destroyed) return cb();
        sock.write(chunk, () => cb());
      },
      final(cb) {
        // Half-close: the Engine closes the process's stdin and keeps sending its output.
        if (opts.stdinEnd !== 'stop' && !sock.destroyed) sock.end();
        cb();
      },
    });
    stdin.on('error', () => undefined);
  }

  const close = () => {
    if (closed) return;
    closed = true;
    sock.destroy();
  };
  opts.signal?.addEventListener('abort', close, { once: true });
  if (opts.signal?.aborted) close();

  const exited = ended.then(() => {
    opts.signal?.removeEventListener('abort', close);
    return opts.exitCode(closed);
  });
  exited.catch(() => undefined);

  return {
    stdin,
    stdout,
    stderr,
    resize: (w, h) => opts.resize(w, h),
    exited,
    close,
  };
}
