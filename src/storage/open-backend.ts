import { StorageError, type Backend } from './backend.js';
import type { CompactionPolicy } from './auto-compactor.js';
import { MemoryBackend } from './memory/memory-backend.js';
import { SqliteBackend } from './sqlite/sqlite-backend.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

/** Where state lives, parsed from a datastore endpoint string. */
export type BackendEndpoint =
  | { readonly kind: 'sqlite'; readonly path: string; readonly sync: 'full' | 'normal'; readonly writer?: 'worker' | 'inline' }
  | { readonly kind: 'memory' };

export interface OpenBackendConfig {
  /**
   * `sqlite:///var/lib/lite/state.db` (absolute), `sqlite://data/state.db` (relative),
   * `sqlite://:memory:`, optional `?sync=normal` and `?writer=worker` (see SqliteBackendConfig,
   * joined with `&`); a bare file path means SQLite too;
   * `memory:` is the in-memory backend (nothing persists).
   */
  readonly endpoint: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Background compaction (backend default when absent). */
  readonly compaction?: CompactionPolicy | false;
  readonly watchQueueLimit?: number;
}

/** Parses an endpoint; throws StorageError naming what is wrong. */
export function parseBackendEndpoint(endpoint: string): BackendEndpoint {
  const trimmed = endpoint.trim();
  if (trimmed === 'memory:' || trimmed === 'memory://') return { kind: 'memory' };
  if (trimmed.startsWith('/') || trimmed.startsWith('./') || trimmed.startsWith('../')) return { kind: 'sqlite', path: trimmed, sync: 'full' };
  if (trimmed.startsWith('sqlite:')) {
    let rest = trimmed.slice('sqlite:'.length);
    if (rest.startsWith('//')) rest = rest.slice(2);
    const q = rest.indexOf('?');
    const path = q >= 0 ? rest.slice(0, q) : rest;
    const params = new URLSearchParams(q >= 0 ? rest.slice(q + 1) : '');
    const sync = params.get('sync') ?? 'full';
    if (sync !== 'full' && sync !== 'normal') throw new StorageError(`invalid sync mode "${sync}" in ${endpoint}: use full or normal`);
    const writer = params.get('writer') ?? undefined;
    if (writer !== undefined && writer !== 'worker' && writer !== 'inline') throw new StorageError(`invalid writer "${writer}" in ${endpoint}: use worker or inline`);
    for (const name of params.keys()) if (name !== 'sync' && name !== 'writer') throw new StorageError(`unknown parameter "${name}" in ${endpoint}`);
    if (!path) throw new StorageError(`missing database path in ${endpoint}`);
    return { kind: 'sqlite', path: decodeURIComponent(path), sync, ...(writer && { writer }) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  throw new StorageError(scheme ? `unsupported datastore "${scheme}" in ${endpoint}: supported are sqlite and memory` : `invalid datastore endpoint "${endpoint}"`);
}

/** Builds the backend an endpoint names (not started: call `start()`). */
export function openBackend(config: OpenBackendConfig): Backend {
  const ep = parseBackendEndpoint(config.endpoint);
  const common = {
    ...(config.logger && { logger: config.logger }),
    ...(config.clock && { clock: config.clock }),
    ...(config.compaction !== undefined && { compaction: config.compaction }),
    ...(config.watchQueueLimit !== undefined && { watchQueueLimit: config.watchQueueLimit }),
  };
  switch (ep.kind) {
    case 'memory':
      return new MemoryBackend(common);
    case 'sqlite':
      return new SqliteBackend({ ...common, path: ep.path, sync: ep.sync, ...(ep.writer && { writer: ep.writer }) });
  }
}
