import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJsonObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { startTestApi, until, type TestApi } from '../controllers/testing/test-api.js';
import { silentLogger } from '../util/log.js';
import { LeaderElector } from './leader-elector.js';

describe('LeaderElector', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  const elector = (identity: string) =>
    new LeaderElector({ client: api.client, namespace: 'kube-system', name: 'kube-controller-manager', identity, clock: api.clock, logger: silentLogger, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });

  const holder = async () => {
    const lease = await api.client.get(resources.leases, 'kube-system', 'kube-controller-manager');
    return isJsonObject(lease.spec) ? lease.spec.holderIdentity : undefined;
  };

  it('elects one leader; the other takes over only after the lease expires', async () => {
    const a = elector('a');
    const b = elector('b');
    const stopA = new AbortController();
    const stopB = new AbortController();
    let aLeading = false;
    let bLeading = false;
    const runA = a.run(stopA.signal, async (s) => {
      aLeading = true;
      await new Promise((r) => s.addEventListener('abort', r, { once: true }));
      aLeading = false;
    });
    await until(() => aLeading, 'a leads');
    const runB = b.run(stopB.signal, () => {
      bLeading = true;
    });
    // b keeps trying while a renews.
    for (let i = 0; i < 5; i++) {
      api.clock.advance(2_000);
      await until(async () => (await holder()) === 'a', 'a still holds');
    }
    expect(bLeading).toBe(false);
    // a stops: it releases the lease, so b takes over on its next try.
    stopA.abort();
    await runA;
    expect(aLeading).toBe(false);
    for (let i = 0; i < 10 && !bLeading; i++) {
      api.clock.advance(2_000);
      await until(async () => bLeading || (await holder()) !== 'b', 'b retry', 50).catch(() => undefined);
    }
    expect(bLeading).toBe(true);
    expect(await holder()).toBe('b');
    stopB.abort();
    await runB;
  });
});
