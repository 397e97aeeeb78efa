import { describe, expect, it } from 'vitest';
import { MemoryBackend } from './memory-backend.js';
import { CONFORMANCE_WATCH_QUEUE_LIMIT, describeBackendConformance } from '../testing/conformance.js';
import { FakeClock } from '../../util/clock.js';

describeBackendConformance('memory', async () => ({
  backend: new MemoryBackend({ watchQueueLimit: CONFORMANCE_WATCH_QUEUE_LIMIT }),
  cleanup: async () => undefined,
}));

describe('MemoryBackend', () => {
  it('compacts in the background on its clock, keeping the configured number of revisions', async () => {
    const clock = new FakeClock();
    const b = new MemoryBackend({ clock, compaction: { intervalMs: 1000, retainRevisions: 10 } });
    await b.start();
    let kv = await b.create('/k', new Uint8Array([0]));
    for (let i = 1; i <= 30; i++) kv = await b.update('/k', new Uint8Array([i]), kv.modRevision);
    clock.advance(1000);
    // The first run may only compact up to the revision seen when the compactor started (0).
    expect(await b.compactRevision()).toBe(0);
    for (let i = 31; i <= 60; i++) kv = await b.update('/k', new Uint8Array([i]), kv.modRevision);
    clock.advance(1000);
    await Promise.resolve();
    // Second run: up to the revision seen at the first run (31), below current - 10 (51).
    expect(await b.compactRevision()).toBe(31);
    expect((await b.get('/k')).kv?.value[0]).toBe(60);
    await b.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
