/**
 * Kind-specific create/update steps of upstream registry strategies that clients can observe,
 * through @kubernetes/client-node against the in-process server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1DaemonSet } from '@kubernetes/client-node';
import { retryOnConflict, startTestServer, uniqueName, type TestServer } from './helpers.js';

let t: TestServer;
let apps: AppsV1Api;
let namespace: string;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const GENERATION = 'deprecated.daemonset.template.generation';

beforeAll(async () => {
  t = await startTestServer();
  apps = t.kc.makeApiClient(AppsV1Api);
  namespace = uniqueName('strategies');
  await t.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await t?.stop();
});

function daemonSet(name: string, image: string, annotations?: Record<string, string>): V1DaemonSet {
  return {
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}

describe('DaemonSet template generation (apps/v1 deprecated.daemonset.template.generation)', () => {
  it('starts at 1, follows template changes only, and cannot be set by clients on update', async () => {
    const created = await apps.createNamespacedDaemonSet({ namespace, body: daemonSet('ds', 'example/a:1') });
    expect(created.metadata?.annotations?.[GENERATION]).toBe('1');

    // A change outside the template keeps it.
    const relabelled = await apps.patchNamespacedDaemonSet({ namespace, name: 'ds', body: { spec: { minReadySeconds: 5 } } }, merge);
    expect(relabelled.metadata?.annotations?.[GENERATION]).toBe('1');
    expect(relabelled.metadata?.generation).toBe(2);

    // A template change bumps it.
    const updated = await apps.patchNamespacedDaemonSet({ namespace, name: 'ds', body: { spec: { template: { spec: { containers: [{ name: 'c', image: 'example/a:2' }] } } } } }, merge);
    expect(updated.metadata?.annotations?.[GENERATION]).toBe('2');

    // A client's value is ignored on update.
    const forged = await retryOnConflict(async () => {
      const current = await apps.readNamespacedDaemonSet({ namespace, name: 'ds' });
      current.metadata!.annotations = { ...current.metadata!.annotations, [GENERATION]: '40' };
      return apps.replaceNamespacedDaemonSet({ namespace, name: 'ds', body: current });
    });
    expect(forged.metadata?.annotations?.[GENERATION]).toBe('2');
  });

  it('keeps a valid value given at create, and replaces an invalid one with 1', async () => {
    const kept = await apps.createNamespacedDaemonSet({ namespace, body: daemonSet('given', 'example/a:1', { [GENERATION]: '7' }) });
    expect(kept.metadata?.annotations?.[GENERATION]).toBe('7');
    const fixed = await apps.createNamespacedDaemonSet({ namespace, body: daemonSet('invalid', 'example/a:1', { [GENERATION]: 'x' }) });
    expect(fixed.metadata?.annotations?.[GENERATION]).toBe('1');
  });
});
