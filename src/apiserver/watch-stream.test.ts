import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import type { StoreWatchEvent } from '../registry/resource-store.js';
import { streamWatch, WATCH_WRITE_BUFFER_BYTES } from './watch-stream.js';

/** A response that, like Node's, answers false to write() beyond 16 KiB until 'drain' is emitted. */
class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  writableLength = 0;
  writableEnded = false;
  socket = { setNoDelay: () => undefined };
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.writableLength += Buffer.byteLength(chunk);
    return this.writableLength < 16 * 1024;
  }
  /** The socket took everything written so far. */
  drain(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
  end(): void {
    this.writableEnded = true;
  }
}

function pod(i: number): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, resourceVersion: String(i) }, spec: { padding: 'x'.repeat(4000) } };
}

async function* events(n: number): AsyncGenerator<StoreWatchEvent> {
  for (let i = 1; i <= n; i++) yield { type: 'ADDED', object: pod(i) };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('streamWatch', () => {
  it('keeps writing while the unflushed bytes stay under the watch buffer, then waits for drain', async () => {
    const res = new FakeResponse();
    const perEvent = JSON.stringify({ type: 'ADDED', object: pod(1) }).length + 1;
    const fit = Math.floor(WATCH_WRITE_BUFFER_BYTES / perEvent) + 1;
    const total = fit + 50;
    const controller = new AbortController();
    const done = streamWatch(res as unknown as ServerResponse, events(total), {
      encodeObject: (ev) => ev.object as never,
      bookmarkObject: () => ({}),
      allowBookmarks: false,
      controller,
    });
    for (let i = 0; i < 20; i++) await settle();
    // Far past Node's 16 KiB mark without a single 'drain'; paused once past the watch buffer.
    expect(res.chunks.length).toBe(fit);
    expect(res.writableLength).toBeGreaterThan(WATCH_WRITE_BUFFER_BYTES);
    res.drain();
    await done;
    expect(res.chunks.length).toBe(total);
    expect(JSON.parse(res.chunks[total - 1] as string)).toMatchObject({ type: 'ADDED', object: { metadata: { name: `p-${total}` } } });
    expect(res.writableEnded).toBe(true);
  });
});
