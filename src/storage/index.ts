/** The storage layer: the Backend contract, its implementations and helpers. */
export * from './backend.js';
export { SqliteBackend, type SqliteBackendConfig } from './sqlite/sqlite-backend.js';
export type { SqliteDatabase, SqliteStatement, SqliteParam, SqliteRunResult } from './sqlite/sqlite-database.js';
export { MemoryBackend, type MemoryBackendConfig } from './memory/memory-backend.js';
export { DEFAULT_COMPACTION_POLICY, type CompactionPolicy } from './auto-compactor.js';
export { openBackend, parseBackendEndpoint, type BackendEndpoint, type OpenBackendConfig } from './open-backend.js';
