import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import { TokenManager, type ServiceAccountTokenRequest } from './token-manager.js';

/** A TokenRequest API that numbers its tokens and can be made to fail. */
function fakeApi(clock: FakeClock) {
  const calls: KubeObject[] = [];
  let failing = false;
  return {
    calls,
    fail(v: boolean) {
      failing = v;
    },
    client: {
      async createToken(_ns: string, _sa: string, req: KubeObject): Promise<KubeObject> {
        if (failing) throw new Error('connection refused');
        calls.push(req);
        const seconds = (req.spec as { expirationSeconds: number }).expirationSeconds;
        return { ...req, status: { token: `token-${calls.length}`, expirationTimestamp: new Date(clock.now() + seconds * 1000).toISOString() } };
      },
    },
  };
}

const request = (over: Partial<ServiceAccountTokenRequest> = {}): ServiceAccountTokenRequest => ({
  namespace: 'default',
  serviceAccount: 'default',
  audiences: [],
  expirationSeconds: 3607,
  boundPod: { name: 'p', uid: 'uid-1' },
  ...over,
});

describe('TokenManager', () => {
  it('asks for a pod-bound token and reuses it until 80% of its TTL', async () => {
    const clock = new FakeClock();
    const api = fakeApi(clock);
    const tm = new TokenManager({ client: api.client, clock, logger: silentLogger, random: () => 0 });
    expect(await tm.getServiceAccountToken(request())).toBe('token-1');
    expect(api.calls[0].spec).toEqual({ audiences: [], expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'uid-1' } });
    clock.advance(2800_000); // < 80% of 3607 s (2885.6 s)
    expect(await tm.getServiceAccountToken(request())).toBe('token-1');
    clock.advance(100_000); // past 80%
    expect(await tm.getServiceAccountToken(request())).toBe('token-2');
    expect(api.calls).toHaveLength(2);
  });

  it('keys tokens by audience, lifetime and pod', async () => {
    const clock = new FakeClock();
    const api = fakeApi(clock);
    const tm = new TokenManager({ client: api.client, clock, logger: silentLogger, random: () => 0 });
    await tm.getServiceAccountToken(request());
    await tm.getServiceAccountToken(request({ audiences: ['vault'] }));
    await tm.getServiceAccountToken(request({ expirationSeconds: 600 }));
    await tm.getServiceAccountToken(request({ boundPod: { name: 'q', uid: 'uid-2' } }));
    expect(api.calls).toHaveLength(4);
    expect(tm.size).toBe(4);
    tm.deleteServiceAccountToken('uid-1');
    expect(tm.size).toBe(1);
  });

  it('refreshes tokens older than 24 h even when they live longer', async () => {
    const clock = new FakeClock();
    const api = fakeApi(clock);
    const tm = new TokenManager({ client: api.client, clock, logger: silentLogger, random: () => 0 });
    const week = request({ expirationSeconds: 7 * 24 * 3600 });
    await tm.getServiceAccountToken(week);
    clock.advance(23 * 3600_000);
    expect(await tm.getServiceAccountToken(week)).toBe('token-1');
    clock.advance(2 * 3600_000);
    expect(await tm.getServiceAccountToken(week)).toBe('token-2');
  });

  it('serves the cached token while a refresh fails and it is still valid, then fails', async () => {
    const clock = new FakeClock();
    const api = fakeApi(clock);
    const tm = new TokenManager({ client: api.client, clock, logger: silentLogger, random: () => 0 });
    await tm.getServiceAccountToken(request({ expirationSeconds: 600 }));
    api.fail(true);
    clock.advance(500_000);
    expect(await tm.getServiceAccountToken(request({ expirationSeconds: 600 }))).toBe('token-1');
    clock.advance(200_000);
    await expect(tm.getServiceAccountToken(request({ expirationSeconds: 600 }))).rejects.toThrow('connection refused');
    tm.cleanUp();
    expect(tm.size).toBe(0);
  });
});
