/**
 * Image pulls as a kubelet does them: pull policies, Pulling/Pulled events, and a missing image
 * going ErrImagePull → ImagePullBackOff with the runtime's message, then pulled once it can be.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../api/object.js';
import type { SimImage } from '../runtime/sim/sim-runtime.js';
import { boundPod, containerStatus, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

const waiting = (s: JsonObject | undefined) => ((s?.state ?? {}) as JsonObject).waiting as JsonObject | undefined;

describe('kubelet: images', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('pulls what is missing (IfNotPresent) and always with Always', async () => {
    const registry: SimImage[] = [{ name: 'registry.example/tools:2' }, { name: 'app:1' }];
    h = await startHarness({ registry });
    await h.createPod(boundPod('pull', { containers: [{ name: 'a', image: 'registry.example/tools:2', imagePullPolicy: 'IfNotPresent' }, { name: 'b', image: 'app:1', imagePullPolicy: 'Always' }] }));
    await h.until(async () => statusOf(await h.getPod('pull')).phase === 'Running', 'Running');
    const msgs = (await h.events()).map((e) => `${e.reason as string}: ${e.message as string}`);
    expect(msgs).toContain('Pulling: Pulling image "registry.example/tools:2"');
    expect(msgs).toContain('Pulling: Pulling image "app:1"');
    expect(msgs.filter((m) => m.startsWith('Pulled: Successfully pulled image'))).toHaveLength(2);
    expect(msgs.some((m) => /^Pulled: Successfully pulled image "app:1" in \d+m?s \(\d+m?s including waiting\)\. Image size: \d+ bytes\.$/.test(m))).toBe(true);
  });

  it('goes ErrImagePull → ImagePullBackOff with the runtime message, and runs once the image can be pulled', async () => {
    const registry: SimImage[] = [];
    h = await startHarness({ registry });
    await h.createPod(boundPod('missing', { containers: [{ name: 'c', image: 'nowhere.example/app:9' }] }));
    await h.until(async () => waiting(containerStatus(await h.getPod('missing'), 'c'))?.reason === 'ErrImagePull', 'ErrImagePull');
    const w = waiting(containerStatus(await h.getPod('missing'), 'c'));
    expect(w?.message).toBe('Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host');
    let events = (await h.events()).map((e) => `${e.type as string} ${e.reason as string}: ${e.message as string}`);
    expect(events).toContain(`Warning Failed: Failed to pull image "nowhere.example/app:9": ${w?.message as string}`);
    expect(events).toContain('Warning Failed: Error: ErrImagePull');
    // The PLEG and resyncs come back before the back-off ends: ImagePullBackOff.
    await h.until(async () => waiting(containerStatus(await h.getPod('missing'), 'c'))?.reason === 'ImagePullBackOff', 'ImagePullBackOff', { stepMs: 1000, maxSteps: 30 });
    expect(waiting(containerStatus(await h.getPod('missing'), 'c'))?.message).toBe('Back-off pulling image "nowhere.example/app:9"');
    events = (await h.events()).map((e) => `${e.type as string} ${e.reason as string}: ${e.message as string}`);
    expect(events).toContain('Normal BackOff: Back-off pulling image "nowhere.example/app:9"');
    expect(events).toContain('Warning Failed: Error: ImagePullBackOff');
    // The registry gets the image; after the back-off the pull succeeds.
    registry.push({ name: 'nowhere.example/app:9' });
    await h.until(async () => statusOf(await h.getPod('missing')).phase === 'Running', 'Running', { stepMs: 1000, maxSteps: 60 });
  });

  it('never pulls with Never', async () => {
    h = await startHarness({ registry: 'any' });
    await h.createPod(boundPod('never', { containers: [{ name: 'c', image: 'absent:1', imagePullPolicy: 'Never' }] }));
    await h.until(async () => waiting(containerStatus(await h.getPod('never'), 'c'))?.reason === 'ErrImageNeverPull', 'ErrImageNeverPull');
    expect(waiting(containerStatus(await h.getPod('never'), 'c'))?.message).toBe('Container image "absent:1" is not present with pull policy of Never');
    expect((await h.events()).some((e) => e.reason === 'Pulling')).toBe(false);
  });
});
