import { describe, expect, it } from 'vitest';
import { LatestValues } from './latest-values.js';

const kv = (key: string, bytes: number, rev = 1) => ({ key, value: new Uint8Array(bytes), createRevision: 1, modRevision: rev });

describe('LatestValues', () => {
  it('returns the newest value put for a key, and nothing once forgotten', () => {
    const c = new LatestValues(1000);
    c.put(kv('/a', 10, 1));
    c.put(kv('/a', 20, 2));
    expect(c.get('/a')?.modRevision).toBe(2);
    expect(c.bytes).toBe(20);
    c.forget('/a');
    expect(c.get('/a')).toBeUndefined();
    expect(c.bytes).toBe(0);
  });

  it('evicts the least recently used keys beyond its byte bound', () => {
    const c = new LatestValues(1600);
    for (let i = 0; i < 16; i++) c.put(kv(`/k${i}`, 100));
    c.get('/k0'); // /k1 is now the least recently used
    c.put(kv('/k16', 100));
    expect(c.get('/k1')).toBeUndefined();
    expect(c.get('/k0')).toBeDefined();
    expect(c.get('/k16')).toBeDefined();
    expect(c.size).toBe(16);
    expect(c.bytes).toBe(1600);
  });

  it('does not keep values larger than a sixteenth of its bound', () => {
    const c = new LatestValues(160);
    c.put(kv('/small', 10, 1));
    c.put(kv('/small', 11, 2));
    expect(c.get('/small')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('clear empties it', () => {
    const c = new LatestValues(1000);
    c.put(kv('/a', 1));
    c.put(kv('/b', 1));
    c.clear();
    expect(c.size).toBe(0);
    expect(c.bytes).toBe(0);
  });
});
