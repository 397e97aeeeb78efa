import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { TaintEvictionController } from './taint-eviction-controller.js';

let api: TestApi;
let controller: TaintEvictionController;

beforeEach(async () => {
  api = await startTestApi();
  controller = new TaintEvictionController(api.context);
  void controller.run(api.signal);
  await api.informers.waitForCacheSync(api.signal);
});
afterEach(() => api.stop());

async function node(name: string, taints: JsonObject[] = []): Promise<void> {
  await api.client.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: taints.length ? { taints } : {} });
}

async function setTaints(name: string, taints: JsonObject[]): Promise<void> {
  const n = await api.client.get(resources.nodes, undefined, name);
  await api.client.update(resources.nodes, undefined, { ...n, spec: { ...(n.spec as JsonObject), taints } });
}

async function pod(name: string, nodeName: string, tolerations: JsonObject[] = []): Promise<void> {
  await api.client.create(resources.pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, containers: [{ name: 'c', image: 'nginx' }], ...(tolerations.length ? { tolerations } : {}) },
  });
}

async function terminating(name: string): Promise<boolean> {
  try {
    return (await api.client.get(resources.pods, 'default', name)).metadata.deletionTimestamp !== undefined;
  } catch {
    return true;
  }
}

/** Yields to the event loop a few times: informer deliveries and reconciles run. */
async function flush(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

async function advance(ms: number, step = 1000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    api.clock.advance(Math.min(step, ms - t));
    await flush();
  }
}

const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const tolerate = (seconds?: number): JsonObject => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) });

function eventMessages(events: KubeObject[], pod: string): string[] {
  return events.filter((e) => e.reason === 'TaintManagerEviction' && isJsonObject(e.involvedObject) && e.involvedObject.name === pod).map((e) => String(e.message));
}

describe('TaintEvictionController', () => {
  it('deletes pods that do not tolerate a NoExecute taint at once, marking them DisruptionTarget', async () => {
    const broken = { key: 'example.com/broken', effect: 'NoExecute' };
    await node('n1');
    await pod('victim', 'n1');
    await pod('survivor', 'n1', [{ key: 'example.com/broken', operator: 'Exists', effect: 'NoExecute' }]);
    await flush();
    await setTaints('n1', [broken]);
    await until(() => terminating('victim'), 'victim deleted');
    const victim = await api.client.get(resources.pods, 'default', 'victim');
    const conds = ((victim.status as JsonObject).conditions as JsonObject[]).filter((c) => c.type === 'DisruptionTarget');
    expect(conds).toMatchObject([{ status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }]);
    expect(eventMessages(await api.events(), 'victim')).toEqual(['Marking for deletion Pod default/victim']);
    await advance(3_600_000, 600_000);
    expect(await terminating('survivor')).toBe(false);
  });

  it('gives pods the API admitted the default 300 s for unreachable nodes', async () => {
    await node('n1');
    await pod('default', 'n1');
    await flush();
    await setTaints('n1', [unreachable]);
    await until(() => controller.scheduledEvictions === 1, 'eviction scheduled');
    await advance(299_000, 30_000);
    expect(await terminating('default')).toBe(false);
    await advance(2_000);
    await until(() => terminating('default'), 'deleted after 300 s');
  });

  it('deletes a pod when its tolerationSeconds run out, counted from the taint', async () => {
    await node('n1');
    await pod('p30', 'n1', [tolerate(30)]);
    await pod('p60', 'n1', [tolerate(60)]);
    await flush();
    await setTaints('n1', [unreachable]);
    await until(() => controller.scheduledEvictions === 2, 'two evictions scheduled');
    await advance(29_000);
    expect(await terminating('p30')).toBe(false);
    await advance(1_000);
    await until(() => terminating('p30'), 'p30 deleted after 30 s');
    expect(await terminating('p60')).toBe(false);
    await advance(30_000);
    await until(() => terminating('p60'), 'p60 deleted after 60 s');
  });

  it('cancels scheduled deletions when the taint goes away', async () => {
    await node('n1', [unreachable]);
    await flush();
    await pod('p', 'n1', [tolerate(30)]);
    await until(() => controller.scheduledEvictions === 1, 'eviction scheduled');
    await advance(10_000);
    await setTaints('n1', []);
    await until(() => controller.scheduledEvictions === 0, 'eviction cancelled');
    await advance(60_000, 5000);
    expect(await terminating('p')).toBe(false);
    expect(eventMessages(await api.events(), 'p')).toEqual(['Cancelling deletion of Pod default/p']);
  });

  it('ignores NoSchedule taints and tolerated taints without seconds', async () => {
    await node('n1', [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    await node('n2', [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }]);
    await pod('a', 'n1');
    await pod('b', 'n2', [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute' }]);
    await pod('c', 'n2', [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }]);
    await until(() => terminating('c'), 'c (wrong value) deleted');
    await advance(600_000, 60_000);
    expect(await terminating('a')).toBe(false);
    expect(await terminating('b')).toBe(false);
  });
});
