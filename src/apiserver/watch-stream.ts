/**
 * Writes a watch as a chunked stream of newline-terminated JSON events (notes §6.2). Headers are
 * flushed at once: client-go informers block until they arrive. The stream ends cleanly at
 * `timeoutSeconds`, when the client goes away, or when the event source ends (the client then
 * re-watches from its last resourceVersion).
 */
import type { ServerResponse } from 'node:http';
import type { JsonObject } from '../api/object.js';
import type { StoreWatchEvent } from '../registry/resource-store.js';

/**
 * Bytes a watch may have written but not yet flushed to the socket before it waits for 'drain'.
 * Node's own mark (16 KiB, a handful of pod events) would make a watch wait for the next
 * event-loop turn every few events, however fast the client reads: on a busy server a watcher
 * then falls behind, its queue overflows and it is cut off. Like the kernel's socket buffer that
 * kube-apiserver's writes fill, this absorbs bursts; the watch's queue in the bus stays the bound.
 */
export const WATCH_WRITE_BUFFER_BYTES = 1024 * 1024;

export interface WatchStreamOptions {
  /** Serialises one event's object (JSON object or a one-row Table). */
  readonly encodeObject: (ev: Extract<StoreWatchEvent, { object: unknown }>) => JsonObject;
  readonly bookmarkObject: (resourceVersion: string, initialEventsEnd: boolean) => JsonObject;
  readonly allowBookmarks: boolean;
  readonly timeoutMs?: number;
  readonly controller: AbortController;
  readonly headers?: Record<string, string>;
}

export async function streamWatch(res: ServerResponse, events: AsyncGenerator<StoreWatchEvent>, opts: WatchStreamOptions): Promise<void> {
  const { controller } = opts;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...(opts.headers ?? {}) });
  res.flushHeaders();
  res.socket?.setNoDelay(true);

  const stop = () => controller.abort();
  res.on('close', stop);
  const timeout = opts.timeoutMs !== undefined ? setTimeout(stop, opts.timeoutMs) : undefined;

  // End the event source promptly on abort, even while it waits for the next event.
  const onAbort = () => void events.return(undefined);
  controller.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const ev of events) {
      if (controller.signal.aborted || res.writableEnded) break;
      let text: string;
      if (ev.type === 'BOOKMARK') {
        // Progress notifications from the watch bus (periodic) become BOOKMARK events.
        if (!opts.allowBookmarks && !ev.initialEventsEnd) continue;
        text = line('BOOKMARK', opts.bookmarkObject(ev.resourceVersion, ev.initialEventsEnd === true));
      } else if (ev.type === 'ERROR') {
        text = line('ERROR', ev.error.toStatus() as unknown as JsonObject);
      } else {
        text = line(ev.type, opts.encodeObject(ev));
      }
      if (!res.write(text) && res.writableLength > WATCH_WRITE_BUFFER_BYTES) await drained(res, controller.signal);
      if (ev.type === 'ERROR') break;
    }
  } finally {
    controller.signal.removeEventListener('abort', onAbort);
    if (timeout) clearTimeout(timeout);
    res.off('close', stop);
    if (!res.writableEnded) res.end();
  }
}

function line(type: string, object: JsonObject): string {
  return `{"type":"${type}","object":${JSON.stringify(object)}}\n`;
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
