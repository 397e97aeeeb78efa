import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../api/object.js';
import { resources, type Client } from '../client/client.js';
import { silentLogger } from '../util/log.js';
import { ClientEventRecorder } from './event-recorder.js';
import { startTestApi, type TestApi } from '../controllers/testing/test-api.js';

describe('ClientEventRecorder', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  it('records events about objects and folds repeats into count', async () => {
    const pod = await api.client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const rec = api.context.recorder('default-scheduler');
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.');
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.');
    api.clock.advance(5_000);
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.');
    rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/p to n1');
    const events = await api.events();
    expect(events).toHaveLength(2);
    const failed = events.find((e) => e.reason === 'FailedScheduling');
    expect(failed).toMatchObject({
      type: 'Warning',
      count: 3,
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', uid: pod.metadata.uid, apiVersion: 'v1' },
      source: { component: 'default-scheduler' },
      reportingComponent: 'default-scheduler',
    });
    expect(failed?.lastTimestamp).not.toBe(failed?.firstTimestamp);
    // Named as client-go names them: <object>.<UnixNano in hex> (the clock's milliseconds, low bits random).
    for (const e of events) {
      const m = /^p\.([0-9a-f]+)$/.exec(e.metadata.name ?? '');
      expect(m, e.metadata.name).not.toBeNull();
      const ns = BigInt(`0x${m?.[1] ?? '0'}`);
      expect(ns / 1_000_000n).toBeGreaterThanOrEqual(BigInt(api.clock.now() - 5_000));
      expect(ns / 1_000_000n).toBeLessThanOrEqual(BigInt(api.clock.now()));
    }
  });

  it('files events about cluster-scoped objects in the default namespace', async () => {
    const ns = await api.client.get(resources.namespaces, undefined, 'kube-system');
    api.context.recorder('namespace-controller').event(ns, 'Normal', 'Test', 'hello');
    const events = await api.events();
    expect(events[0].metadata.namespace).toBe('default');
    expect(events[0].involvedObject).toMatchObject({ kind: 'Namespace', name: 'kube-system' });
  });

  it('keeps a fieldPath in involvedObject and aggregates per fieldPath', async () => {
    const pod = await api.client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fp' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }] } });
    const rec = api.context.recorder('kubelet');
    rec.event(pod, 'Warning', 'BackOff', 'Back-off', 'spec.containers{a}');
    rec.event(pod, 'Warning', 'BackOff', 'Back-off', 'spec.containers{b}');
    rec.event(pod, 'Warning', 'BackOff', 'Back-off', 'spec.containers{a}');
    const events = await api.events();
    expect(events.map((e) => [(e.involvedObject as { fieldPath?: string }).fieldPath, e.count]).sort()).toEqual([
      ['spec.containers{a}', 2],
      ['spec.containers{b}', 1],
    ]);
  });

  it('writes several events at once, but never two that fold into one another', async () => {
    // A client whose writes take an event-loop turn each, like a storage group commit.
    let inFlight = 0;
    let most = 0;
    const inFlightKeys = new Set<string>();
    let overlappedSameKey = false;
    const created: KubeObject[] = [];
    const patched: string[] = [];
    const slow = async <T>(key: string, f: () => T): Promise<T> => {
      if (inFlightKeys.has(key)) overlappedSameKey = true;
      inFlightKeys.add(key);
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      inFlightKeys.delete(key);
      return f();
    };
    const keyOf = (e: KubeObject) => `${(e.involvedObject as JsonObject).name as string}/${e.reason as string}`;
    const byName = new Map<string, KubeObject>();
    const client = {
      create: (_r: unknown, _ns: string, e: KubeObject) =>
        slow(keyOf(e), () => {
          created.push(e);
          byName.set(e.metadata.name ?? '', e);
          return e;
        }),
      patch: (_r: unknown, _ns: string, name: string) => {
        const e = byName.get(name) as KubeObject;
        return slow(keyOf(e), () => {
          patched.push(name);
          return e;
        });
      },
    } as unknown as Client;
    const rec = new ClientEventRecorder({ client, component: 'kubelet', host: 'n1', clock: api.clock, logger: silentLogger });
    const pod = (i: number): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'default', uid: `u${i}` } });
    for (let i = 0; i < 40; i++) rec.event(pod(i), 'Normal', 'Started', 'Started container c');
    for (let i = 0; i < 5; i++) rec.event(pod(0), 'Warning', 'BackOff', 'Back-off restarting failed container c');
    await rec.flush();
    expect(created).toHaveLength(41);
    expect(new Set(created.map(keyOf)).size).toBe(41);
    // The repeated event: created once, then counted up four times, never two writes at once.
    expect(patched).toHaveLength(4);
    expect(overlappedSameKey).toBe(false);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(16);
  });
});
