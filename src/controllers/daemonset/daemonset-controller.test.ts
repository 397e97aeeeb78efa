import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rfc3339, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { controllerRevisionsResource, POD_REVISION_LABEL } from '../history/controller-history.js';
import { startTestApi, until, type TestApi, createReadyNode } from '../testing/test-api.js';
import { DaemonSetController, daemonSetsResource } from './daemonset-controller.js';
import { targetNodeName } from './daemonset-util.js';

const NS = 'default';

function daemonSet(name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'agent:1' }], ...podSpec } },
      ...spec,
    },
  };
}

function node(name: string, labels: Record<string, string> = {}, taints: unknown[] = []): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: taints.length ? { taints } : {} };
}

describe('DaemonSetController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new DaemonSetController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const settle = async () => {
    for (let i = 0; i < 60; i++) await new Promise((r) => setImmediate(r));
  };
  const pods = async () => (await api.client.list(resources.pods, NS)).items.filter((p) => !p.metadata.deletionTimestamp);
  /** node name → pods pinned to it */
  const byNode = async () => {
    const out: Record<string, KubeObject[]> = {};
    for (const p of await pods()) (out[targetNodeName(p) ?? '?'] ??= []).push(p);
    return out;
  };
  const nodesWithPods = async () => Object.keys(await byNode()).sort();
  const status = async (name: string) => ((await api.client.get(daemonSetsResource, NS, name)).status ?? {}) as Record<string, unknown>;
  const markReady = async (pod: KubeObject) => {
    const cur = await api.client.get(resources.pods, NS, pod.metadata.name ?? '');
    await api.client.update(
      resources.pods,
      NS,
      { ...cur, status: { ...(cur.status as object), phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(api.clock.now()) }] } },
      { subresource: 'status' },
    );
  };
  const markAllReady = async () => {
    for (const p of await pods()) if (!(p.status as { conditions?: unknown[] } | undefined)?.conditions?.length) await markReady(p);
  };
  const patchSpec = (name: string, spec: Record<string, unknown>) => api.client.patch(daemonSetsResource, NS, name, 'merge', { spec });
  const image = (p: KubeObject) => (p.spec as { containers: { image: string }[] }).containers[0].image;

  it('runs one pod per node, pinned by node affinity and carrying the DaemonSet tolerations', async () => {
    for (const n of ['n1', 'n2', 'n3']) await createReadyNode(api.client, node(n));
    await api.client.create(daemonSetsResource, NS, daemonSet('agent'));
    await until(async () => (await pods()).length === 3, 'three pods');
    await settle();
    expect(await nodesWithPods()).toEqual(['n1', 'n2', 'n3']);

    const pod = (await byNode()).n1[0];
    expect(pod.metadata.name).toMatch(/^agent-[a-z0-9]{5}$/);
    expect(pod.metadata.ownerReferences).toMatchObject([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', controller: true, blockOwnerDeletion: true }]);
    expect(pod.spec).toMatchObject({
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } },
    });
    expect((pod.spec as { nodeName?: string }).nodeName).toBeUndefined();
    expect((pod.spec as { tolerations: unknown[] }).tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    const revs = (await api.client.list(controllerRevisionsResource, NS)).items;
    expect(revs).toHaveLength(1);
    const hash = revs[0].metadata.labels?.[POD_REVISION_LABEL];
    expect(revs[0]).toMatchObject({ revision: 1, metadata: { name: `agent-${hash}`, labels: { app: 'agent' } } });
    // The API server sets the DaemonSet's template generation (1 at create); pods carry it as upstream's do.
    expect(pod.metadata.labels).toEqual({ app: 'agent', [POD_REVISION_LABEL]: hash, 'pod-template-generation': '1' });

    await until(async () => (await status('agent')).desiredNumberScheduled === 3, 'status');
    expect(await status('agent')).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 0, numberAvailable: 0, numberUnavailable: 3, updatedNumberScheduled: 3, numberMisscheduled: 0, observedGeneration: 1 });
    await markAllReady();
    await until(async () => (await status('agent')).numberAvailable === 3, 'available');
    expect(await status('agent')).toMatchObject({ numberReady: 3, numberUnavailable: 0 });

    const events = (await api.events()).map((e) => `${e.reason} ${e.message}`);
    for (const p of await pods()) expect(events).toContain(`SuccessfulCreate Created pod: ${p.metadata.name}`);
  });

  it('adds the network-unavailable toleration for hostNetwork pods', async () => {
    await createReadyNode(api.client, node('n1', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]));
    await api.client.create(daemonSetsResource, NS, daemonSet('cni', {}, { hostNetwork: true }));
    await until(async () => (await pods()).length === 1, 'pod');
    expect((await pods())[0].spec).toMatchObject({ tolerations: expect.arrayContaining([{ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' }]) });
  });

  it('skips a tainted node unless the template tolerates the taint, and runs on cordoned nodes', async () => {
    await createReadyNode(api.client, node('plain'));
    await createReadyNode(api.client, node('gpu', {}, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]));
    await createReadyNode(api.client, node('cordoned', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]));
    await api.client.create(daemonSetsResource, NS, daemonSet('a'));
    await api.client.create(daemonSetsResource, NS, { ...daemonSet('b', {}, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }) });
    await until(async () => (await pods()).length === 5, 'five pods');
    await settle();
    const owner = (p: KubeObject) => p.metadata.ownerReferences?.[0]?.name;
    const placed = (await pods()).map((p) => `${owner(p)}@${targetNodeName(p)}`).sort();
    expect(placed).toEqual(['a@cordoned', 'a@plain', 'b@cordoned', 'b@gpu', 'b@plain']);
    await until(async () => (await status('a')).desiredNumberScheduled === 2, 'a desired 2');

    // A NoExecute taint the pod does not tolerate evicts it; NoSchedule alone would not.
    await api.client.patch(resources.nodes, undefined, 'plain', 'merge', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    await until(async () => !(await pods()).some((p) => targetNodeName(p) === 'plain'), 'evicted from plain');
  });

  it('follows nodeSelector as node labels change', async () => {
    await createReadyNode(api.client, node('n1', { disk: 'ssd' }));
    await createReadyNode(api.client, node('n2'));
    await api.client.create(daemonSetsResource, NS, daemonSet('ssd', {}, { nodeSelector: { disk: 'ssd' } }));
    await until(async () => (await pods()).length === 1, 'one pod');
    await settle();
    expect(await nodesWithPods()).toEqual(['n1']);

    await api.client.patch(resources.nodes, undefined, 'n2', 'merge', { metadata: { labels: { disk: 'ssd' } } });
    await until(async () => (await nodesWithPods()).join() === 'n1,n2', 'pod on n2');
    await api.client.patch(resources.nodes, undefined, 'n1', 'merge', { metadata: { labels: { disk: null } } });
    await until(async () => (await nodesWithPods()).join() === 'n2', 'pod gone from n1');
    await until(async () => (await status('ssd')).desiredNumberScheduled === 1 && (await status('ssd')).numberMisscheduled === 0, 'status');
    const events = (await api.events()).map((e) => e.reason);
    expect(events).toContain('SuccessfulDelete');
  });

  it('honours required node affinity of the template', async () => {
    await createReadyNode(api.client, node('a1', { zone: 'a' }));
    await createReadyNode(api.client, node('b1', { zone: 'b' }));
    await api.client.create(
      daemonSetsResource,
      NS,
      daemonSet('zonal', {}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }] } } } }),
    );
    await until(async () => (await pods()).length === 1, 'one pod');
    await settle();
    const pod = (await pods())[0];
    expect(targetNodeName(pod)).toBe('b1');
    // The template's affinity is replaced by the node pin on the pod.
    expect((pod.spec as { affinity: unknown }).affinity).toEqual({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b1'] }] }] } },
    });
  });

  it('creates a pod on a new node and removes the pending pod of a deleted node', async () => {
    await createReadyNode(api.client, node('n1'));
    await api.client.create(daemonSetsResource, NS, daemonSet('agent'));
    await until(async () => (await pods()).length === 1, 'one pod');
    await createReadyNode(api.client, node('n2'));
    await until(async () => (await nodesWithPods()).join() === 'n1,n2', 'pod on n2');
    await until(async () => (await status('agent')).desiredNumberScheduled === 2, 'desired 2');
    await api.client.delete(resources.nodes, undefined, 'n1');
    await until(async () => (await nodesWithPods()).join() === 'n2', 'pod on n1 removed');
    await until(async () => (await status('agent')).desiredNumberScheduled === 1, 'desired 1');
  });

  it('replaces a deleted pod and a failed pod (with a FailedDaemonPod event)', async () => {
    await createReadyNode(api.client, node('n1'));
    await api.client.create(daemonSetsResource, NS, daemonSet('agent'));
    await until(async () => (await pods()).length === 1, 'one pod');
    const first = (await pods())[0];
    await api.client.delete(resources.pods, NS, first.metadata.name ?? '');
    await until(async () => (await pods()).length === 1 && (await pods())[0].metadata.name !== first.metadata.name, 'replaced');
    const second = (await pods())[0];
    await api.client.update(resources.pods, NS, { ...second, status: { ...(second.status as object), phase: 'Failed' } }, { subresource: 'status' });
    await until(async () => (await pods()).length === 1 && (await pods())[0].metadata.name !== second.metadata.name, 'failed pod replaced');
    const events = (await api.events()).map((e) => `${e.type} ${e.reason} ${e.message}`);
    expect(events).toContain(`Warning FailedDaemonPod Found failed daemon pod default/${second.metadata.name} on node n1, will try to kill it`);
    expect(events).toContain(`Normal SuccessfulDelete Deleted pod: ${second.metadata.name}`);
  });

  it('rolls a new template out one node at a time (maxUnavailable 1)', async () => {
    for (const n of ['n1', 'n2', 'n3']) await createReadyNode(api.client, node(n));
    await api.client.create(daemonSetsResource, NS, daemonSet('agent'));
    await until(async () => (await pods()).length === 3, 'three pods');
    await markAllReady();
    await until(async () => (await status('agent')).numberAvailable === 3, 'available');

    await patchSpec('agent', { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:2' }] } } });
    for (let round = 1; round <= 3; round++) {
      // One old pod goes, its replacement comes; nothing more until the replacement is ready.
      await until(async () => (await pods()).filter((p) => image(p) === 'agent:2').length === round && (await pods()).length === 3, `round ${round}`);
      await settle();
      expect((await pods()).filter((p) => image(p) === 'agent:2')).toHaveLength(round);
      expect(await pods()).toHaveLength(3);
      await markAllReady();
    }
    await until(async () => (await status('agent')).updatedNumberScheduled === 3 && (await status('agent')).numberAvailable === 3, 'rollout done');
    expect(await status('agent')).toMatchObject({ observedGeneration: 2, desiredNumberScheduled: 3 });
    const revs = (await api.client.list(controllerRevisionsResource, NS)).items.sort((a, b) => Number(a.revision) - Number(b.revision));
    expect(revs.map((r) => r.revision)).toEqual([1, 2]);
    const hash = revs[1].metadata.labels?.[POD_REVISION_LABEL];
    for (const p of await pods()) expect(p.metadata.labels?.[POD_REVISION_LABEL]).toBe(hash);

    // Rolling back to the first template renumbers its revision instead of making a third.
    await patchSpec('agent', { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }] } } });
    await until(async () => (await api.client.list(controllerRevisionsResource, NS)).items.some((r) => r.revision === 3), 'rollback revision');
    expect((await api.client.list(controllerRevisionsResource, NS)).items).toHaveLength(2);
  });

  it('surges a new pod beside each old one (maxSurge) and removes the old once the new is available', async () => {
    for (const n of ['n1', 'n2']) await createReadyNode(api.client, node(n));
    await api.client.create(daemonSetsResource, NS, daemonSet('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }));
    await until(async () => (await pods()).length === 2, 'two pods');
    await markAllReady();
    await until(async () => (await status('agent')).numberAvailable === 2, 'available');

    await patchSpec('agent', { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:2' }] } } });
    await until(async () => (await pods()).length === 3, 'one surge pod');
    await settle();
    expect(await pods()).toHaveLength(3);
    const surged = (await pods()).find((p) => image(p) === 'agent:2');
    expect(surged).toBeDefined();
    await markReady(surged as KubeObject);
    // The old pod of that node goes; the other node surges next.
    await until(async () => (await byNode())[targetNodeName(surged as KubeObject) ?? '']?.length === 1 && (await pods()).filter((p) => image(p) === 'agent:2').length === 2, 'second surge');
    await markAllReady();
    await until(async () => (await pods()).length === 2 && (await pods()).every((p) => image(p) === 'agent:2'), 'rollout done');
    await until(async () => (await status('agent')).updatedNumberScheduled === 2, 'status');
  });

  it('with OnDelete keeps old pods until they are deleted', async () => {
    await createReadyNode(api.client, node('n1'));
    await api.client.create(daemonSetsResource, NS, daemonSet('agent', { updateStrategy: { type: 'OnDelete' } }));
    await until(async () => (await pods()).length === 1, 'one pod');
    await markAllReady();
    await patchSpec('agent', { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:2' }] } } });
    await until(async () => (await status('agent')).observedGeneration === 2, 'observed');
    await settle();
    const old = (await pods())[0];
    expect(image(old)).toBe('agent:1');
    expect(await status('agent')).toMatchObject({ updatedNumberScheduled: 0 });
    await api.client.delete(resources.pods, NS, old.metadata.name ?? '');
    await until(async () => (await pods()).length === 1 && image((await pods())[0]) === 'agent:2', 'replaced at new revision');
  });

  it('keeps revisionHistoryLimit old revisions', async () => {
    await createReadyNode(api.client, node('n1'));
    await api.client.create(daemonSetsResource, NS, daemonSet('agent', { revisionHistoryLimit: 1, updateStrategy: { type: 'OnDelete' } }));
    await until(async () => (await pods()).length === 1, 'one pod');
    for (let v = 2; v <= 5; v++) {
      await patchSpec('agent', { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: `agent:${v}` }] } } });
      await until(async () => (await status('agent')).observedGeneration === v, `generation ${v}`);
    }
    await settle();
    // The current revision, the one the (OnDelete) pod still runs, and none else beyond the limit of 1.
    const revs = (await api.client.list(controllerRevisionsResource, NS)).items.map((r) => r.revision).sort();
    expect(revs).toEqual([1, 5]);
  });
});
