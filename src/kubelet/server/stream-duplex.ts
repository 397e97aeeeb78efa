/**
 * A Node Duplex over the kubelet's end of a stream: its readable side yields the messages the API
 * server relays (concatenated: for SPDY they are just bytes), its writable side sends, both with
 * backpressure (see tunnel/stream-duplex.ts). The Duplex is destroyed when the API server (or
 * client) goes away.
 */
import type { Duplex } from 'node:stream';
import type { KubeletStreamServer } from '../../tunnel/kubelet-connection.js';
import { duplexOverStream } from '../../tunnel/stream-duplex.js';

export function streamDuplex(stream: KubeletStreamServer): Duplex {
  const duplex = duplexOverStream(stream);
  stream.signal.addEventListener('abort', () => duplex.destroy(), { once: true });
  return duplex;
}
