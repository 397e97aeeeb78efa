/**
 * A Node Duplex over either end of a tunnel stream (the API server's KubeletStream or the
 * kubelet's KubeletStreamServer): its readable side yields what the other end sends, its
 * writable side sends. Both directions keep backpressure: reading stops while the Duplex's
 * buffer is full, and writes complete only when the stream's window has room. end() ends this
 * end's direction; destroy() runs `onDestroy` (tear the stream down) and wakes a waiting reader.
 */
import { Duplex } from 'node:stream';

/** What both ends of a tunnel stream offer. */
export interface DuplexableStream {
  readonly data: AsyncIterable<Uint8Array>;
  send(chunk: Uint8Array): boolean;
  writable(): Promise<void>;
  end(): void;
}

export function duplexOverStream(stream: DuplexableStream, onDestroy: (err: Error | null) => void = () => undefined): Duplex {
  let wantRead: (() => void) | undefined;
  let reading = false;
  const wake = () => {
    const w = wantRead;
    wantRead = undefined;
    w?.();
  };
  const duplex = new Duplex({
    allowHalfOpen: true,
    read() {
      wake();
      if (!reading) {
        reading = true;
        void pull();
      }
    },
    write(chunk: Buffer, _enc, cb) {
      if (stream.send(chunk)) cb();
      else void stream.writable().then(() => cb());
    },
    final(cb) {
      stream.end();
      cb();
    },
    destroy(err, cb) {
      wake();
      onDestroy(err);
      cb(err);
    },
  });
  const pull = async () => {
    try {
      for await (const chunk of stream.data) {
        if (duplex.destroyed) return;
        if (!duplex.push(chunk)) await new Promise<void>((r) => (wantRead = r));
      }
      if (!duplex.destroyed) duplex.push(null);
    } catch (e) {
      duplex.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  };
  return duplex;
}
