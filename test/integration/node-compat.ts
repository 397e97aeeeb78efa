/**
 * Node 20 shims for @kubernetes/client-node 2.0.1's dependency undici 8, which declares
 * `engines.node >= 22.19` and, on Node 20, fails at import (zlib.createZstdDecompress,
 * worker_threads.markAsUncloneable) and on the first watch (Promise.withResolvers).
 * lite itself targets Node 20 (package.json engines), so the tests patch the three gaps here.
 * Import this module FIRST in every integration test file, before @kubernetes/client-node.
 */
import zlib from 'node:zlib';
import workerThreads from 'node:worker_threads';

const z = zlib as unknown as Record<string, unknown>;
if (typeof z.createZstdDecompress !== 'function') {
  z.createZstdDecompress = () => {
    throw new Error('zstd content-encoding is not supported on this Node version');
  };
}
const wt = workerThreads as unknown as Record<string, unknown>;
if (typeof wt.markAsUncloneable !== 'function') wt.markAsUncloneable = () => undefined;
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (v: T | PromiseLike<T>) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
