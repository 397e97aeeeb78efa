import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBackend } from './sqlite-backend.js';
import { CONFORMANCE_WATCH_QUEUE_LIMIT, describeBackendConformance } from '../testing/conformance.js';

describeBackendConformance('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lite-sqlite-'));
  return {
    backend: new SqliteBackend({ path: join(dir, 'state.db'), compaction: false, watchQueueLimit: CONFORMANCE_WATCH_QUEUE_LIMIT }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeBackendConformance('sqlite (:memory:)', async () => ({
  backend: new SqliteBackend({ path: ':memory:', compaction: false, watchQueueLimit: CONFORMANCE_WATCH_QUEUE_LIMIT }),
  cleanup: async () => undefined,
}));
