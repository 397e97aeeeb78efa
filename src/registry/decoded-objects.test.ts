import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import type { KeyValue } from '../storage/backend.js';
import { DecodedObjects, jsonCopy } from './decoded-objects.js';
import { encodeObject } from './object-codec.js';

const pod = (name: string, phase = 'Pending'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', resourceVersion: '3', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'app:1' }] },
  status: { phase },
});
const stored = (key: string, obj: KubeObject, modRevision: number): KeyValue => ({ key, value: Uint8Array.from(encodeObject(obj)), createRevision: 1, modRevision });
const KEY = '/registry/pods/default/a';

describe('DecodedObjects', () => {
  it('answers the watch and the next read from the written object, with the stored revision', () => {
    const cache = new DecodedObjects();
    const written = pod('a');
    const bytes = encodeObject(written);
    cache.remember(KEY, bytes, written);
    // The writer keeps its object: changing it afterwards does not reach the cache.
    written.status = { phase: 'Changed' };
    const kv = stored(KEY, pod('a'), 7);
    const shared = cache.shared(kv);
    expect(shared.metadata.resourceVersion).toBe('7');
    expect(shared.status).toEqual({ phase: 'Pending' });
    expect(cache.shared(kv)).toBe(shared);
    // vitest.config.ts sets LITE_CHECK_SHARED_OBJECTS: shared objects are frozen in tests.
    expect(Object.isFrozen(shared.metadata)).toBe(true);
    const owned = cache.owned(kv);
    expect(owned).toEqual(shared);
    expect(owned).not.toBe(shared);
    (owned.status as { phase: string }).phase = 'Mine';
    expect(cache.shared(kv).status).toEqual({ phase: 'Pending' });
    expect(cache.hits).toBe(4);
    expect(cache.misses).toBe(0);
  });

  it('decodes what storage holds when it is not what was written last', () => {
    const cache = new DecodedObjects();
    const mine = pod('a', 'Running');
    cache.remember(KEY, encodeObject(mine), mine);
    // Another value under the key (the write failed, or another process wrote): decoded afresh.
    const other = cache.shared(stored(KEY, pod('a', 'Failed'), 9));
    expect(other.status).toEqual({ phase: 'Failed' });
    expect(other.metadata.resourceVersion).toBe('9');
    expect(cache.misses).toBe(1);
    // The same bytes written again later: its revision is not the entry's, so it is decoded too.
    expect(cache.owned(stored(KEY, pod('a', 'Running'), 5)).metadata.resourceVersion).toBe('5');
    const again = cache.owned(stored(KEY, pod('a', 'Running'), 11));
    expect(again.metadata.resourceVersion).toBe('11');
    expect(again.status).toEqual({ phase: 'Running' });
  });

  it('forgets deleted keys and keeps at most maxEntries, dropping the oldest write', () => {
    const cache = new DecodedObjects(2);
    for (const name of ['a', 'b', 'c']) {
      const obj = pod(name);
      cache.remember(`/registry/pods/default/${name}`, encodeObject(obj), obj);
    }
    expect(cache.size).toBe(2);
    cache.shared(stored('/registry/pods/default/a', pod('a'), 4));
    expect(cache.misses).toBe(1);
    cache.forget('/registry/pods/default/b');
    expect(cache.size).toBe(1);
  });

  it('copies as JSON would: undefined members left out, holes and non-finite numbers null', () => {
    const value = { a: undefined, b: [1, undefined, Number.NaN], c: { toJSON: () => 'as-json' }, d: Number.POSITIVE_INFINITY, e: 'x' };
    expect(jsonCopy(value)).toEqual(JSON.parse(JSON.stringify(value)));
    expect(Object.keys(jsonCopy(value) as object)).toEqual(['b', 'c', 'd', 'e']);
  });
});
