/**
 * A Node Duplex over the kubelet's end of a stream: its readable side yields the messages the API
 * server relays (concatenated: for SPDY they are just bytes), its writable side sends. Both
 * directions keep backpressure: reading stops while the Duplex's buffer is full, and writes
 * complete only when the stream's window has room.
 */
import { Duplex } from 'node:stream';
import type { KubeletStreamServer } from '../../tunnel/kubelet-connection.js';

export function streamDuplex(stream: KubeletStreamServer): Duplex {
  let wantRead: (() => void) | undefined;
  let reading = false;
  const duplex = new Duplex({
    allowHalfOpen: true,
    read() {
      const w = wantRead;
      wantRead = undefined;
      w?.();
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
      const w = wantRead;
      wantRead = undefined;
      w?.();
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
  stream.signal.addEventListener('abort', () => duplex.destroy(), { once: true });
  return duplex;
}
