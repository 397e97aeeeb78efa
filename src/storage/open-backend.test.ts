import { describe, expect, it } from 'vitest';
import { StorageError } from './backend.js';
import { MemoryBackend } from './memory/memory-backend.js';
import { openBackend, parseBackendEndpoint } from './open-backend.js';
import { SqliteBackend } from './sqlite/sqlite-backend.js';

describe('parseBackendEndpoint', () => {
  it.each([
    ['sqlite:///var/lib/lite/state.db', { kind: 'sqlite', path: '/var/lib/lite/state.db', sync: 'full' }],
    ['sqlite://data/state.db?sync=normal', { kind: 'sqlite', path: 'data/state.db', sync: 'normal' }],
    ['sqlite:///x.db?writer=worker&sync=normal', { kind: 'sqlite', path: '/x.db', sync: 'normal', writer: 'worker' }],
    ['sqlite:///x.db?writer=inline', { kind: 'sqlite', path: '/x.db', sync: 'full', writer: 'inline' }],
    ['sqlite://:memory:', { kind: 'sqlite', path: ':memory:', sync: 'full' }],
    ['sqlite:state.db', { kind: 'sqlite', path: 'state.db', sync: 'full' }],
    ['/tmp/x.db', { kind: 'sqlite', path: '/tmp/x.db', sync: 'full' }],
    ['./x.db', { kind: 'sqlite', path: './x.db', sync: 'full' }],
    ['memory:', { kind: 'memory' }],
  ])('%s', (endpoint, expected) => {
    expect(parseBackendEndpoint(endpoint)).toEqual(expected);
  });

  it.each([
    ['postgres://u@h/db', /unsupported datastore "postgres"/],
    ['sqlite://', /missing database path/],
    ['sqlite:///x.db?sync=off', /invalid sync mode "off"/],
    ['sqlite:///x.db?foo=1', /unknown parameter "foo"/],
    ['sqlite:///x.db?writer=thread', /invalid writer "thread"/],
    ['state.db', /invalid datastore endpoint/],
  ])('rejects %s', (endpoint, message) => {
    expect(() => parseBackendEndpoint(endpoint)).toThrow(StorageError);
    expect(() => parseBackendEndpoint(endpoint)).toThrow(message);
  });
});

describe('openBackend', () => {
  it('builds the backend the endpoint names', async () => {
    expect(openBackend({ endpoint: 'memory:' })).toBeInstanceOf(MemoryBackend);
    const b = openBackend({ endpoint: 'sqlite://:memory:', compaction: false });
    expect(b).toBeInstanceOf(SqliteBackend);
    await b.start();
    expect((await b.create('/x', new Uint8Array([1]))).modRevision).toBe(1);
    await b.close();
    expect((openBackend({ endpoint: 'sqlite:///tmp/x.db?writer=worker' }) as SqliteBackend).writerMode).toBe('worker');
  });
});
