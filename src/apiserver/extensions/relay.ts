/**
 * Copies a kubelet stream's body to an HTTP response with backpressure (waits for 'drain'), and
 * closes the stream when the client goes away. Shared by pods/log and the proxy subresources.
 */
import type { ServerResponse } from 'node:http';
import type { KubeletStream } from '../../tunnel/kubelet-connection.js';

export interface RelayOptions {
  /** Read the body but write nothing (HEAD requests). */
  readonly discard?: boolean;
  /**
   * When the kubelet's stream breaks: 'end' finishes the response normally (a log simply ends
   * short), 'destroy' cuts the connection so the client sees the body is incomplete.
   */
  readonly onBroken: 'end' | 'destroy';
}

export async function relayKubeletStream(stream: KubeletStream, res: ServerResponse, options: RelayOptions): Promise<void> {
  let gone = false;
  const onClose = () => {
    gone = true;
    stream.close('the client went away');
  };
  res.once('close', onClose);
  try {
    for await (const chunk of stream.data) {
      if (gone) break;
      if (options.discard) continue;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
    }
  } catch {
    if (options.onBroken === 'destroy') res.destroy();
  } finally {
    res.off('close', onClose);
    stream.close();
    if (!res.writableEnded && !res.destroyed) res.end();
  }
}
