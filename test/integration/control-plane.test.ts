/**
 * The whole control plane in-process (issue 3, acceptance 6): `startServer` with three simulated
 * nodes (fast pod starts), driven over HTTPS by @kubernetes/client-node. A Deployment rolls out
 * to Available, a Job completes, the garbage collector removes (or orphans) dependents, the
 * scheduler records FailedScheduling in kube-scheduler's words. Seconds, not minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { uniqueName, waitFor } from './helpers.js';

let server: RunningServer | undefined;
let dataDir = '';
let core: CoreV1Api;
let apps: AppsV1Api;
let batch: BatchV1Api;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lite-it-cp-'));
  server = await startServer({
    dataDir,
    bindAddress: '127.0.0.1',
    httpsPort: 0,
    tlsSans: [],
    kubeconfigPath: join(dataDir, 'kubeconfig.yaml'),
    serviceCidr: '10.43.0.0/16',
    nodePortRange: [30000, 32767],
    datastore: 'memory',
    simulatedNodes: { count: 3, podStartDelayMs: [20, 60] },
  });
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  batch = kc.makeApiClient(BatchV1Api);
});

afterAll(async () => {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function namespace(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function deployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'example/web' }] } },
    },
  };
}

async function available(namespace: string, name: string): Promise<V1Deployment> {
  return await waitFor(`deployment ${name} Available`, async () => {
    const d = await apps.readNamespacedDeployment({ name, namespace });
    const cond = d.status?.conditions?.find((c) => c.type === 'Available');
    return d.status?.observedGeneration === d.metadata?.generation && d.status?.availableReplicas === d.spec?.replicas && d.status?.updatedReplicas === d.spec?.replicas && cond?.status === 'True' ? d : undefined;
  });
}

describe('control plane on simulated nodes', () => {
  it('registers three Ready simulated nodes', async () => {
    const nodes = await waitFor('three Ready nodes without the not-ready taint', async () => {
      const list = await core.listNode();
      return list.items.length === 3 &&
        list.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready'))
        ? list.items
        : undefined;
    });
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['sim-node-0', 'sim-node-1', 'sim-node-2']);
  });

  it('a Deployment rolls out to Available over the nodes, and a new template rolls out again', async () => {
    const ns = await namespace('cp-deploy');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 6) });
    const d = await available(ns, 'web');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
    expect(pods).toHaveLength(6);
    expect(pods.every((p) => p.status?.phase === 'Running' && p.metadata?.ownerReferences?.[0]?.kind === 'ReplicaSet')).toBe(true);
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(3);

    await apps.patchNamespacedDeployment(
      { name: 'web', namespace: ns, body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'example/web:2' }] },
    );
    await waitFor('revision 2 rolled out', async () => {
      const cur = await available(ns, 'web');
      const live = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
      return cur.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2' && live.length === 6 && live.every((p) => p.spec?.containers[0].image === 'example/web:2');
    });
    const rss = (await apps.listNamespacedReplicaSet({ namespace: ns })).items;
    expect(rss.map((rs) => `${rs.spec?.template?.spec?.containers[0].image}=${rs.spec?.replicas}`).sort()).toEqual(['example/web:2=6', 'example/web=0']);
  });

  it('a Job with completions 3 and parallelism 2 completes', async () => {
    const ns = await namespace('cp-job');
    await batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'work' },
        spec: {
          completions: 3,
          parallelism: 2,
          template: {
            metadata: { annotations: { 'lite.dev/sim-duration': '100ms' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'w', image: 'example/job' }] },
          },
        },
      },
    });
    const job = await waitFor('job complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'work', namespace: ns });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    expect(job.status?.succeeded).toBe(3);
    expect(job.status?.active ?? 0).toBe(0);
    expect(job.status?.completionTime).toBeTruthy();
    const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=work' })).items;
    expect(pods.map((p) => p.status?.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  });

  it('the garbage collector deletes dependents in the background and orphans them on request', async () => {
    const ns = await namespace('cp-gc');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('bg', 2) });
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('orphan', 2) });
    await available(ns, 'bg');
    await available(ns, 'orphan');

    await apps.deleteNamespacedDeployment({ name: 'bg', namespace: ns, propagationPolicy: 'Background' });
    await waitFor('bg ReplicaSet and pods gone', async () => {
      const rs = (await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=bg' })).items;
      const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=bg' })).items;
      return rs.length === 0 && pods.length === 0;
    });

    await apps.deleteNamespacedDeployment({ name: 'orphan', namespace: ns, propagationPolicy: 'Orphan' });
    const rs = await waitFor('orphaned ReplicaSet without owner references, deployment gone', async () => {
      const list = (await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=orphan' })).items;
      const deps = (await apps.listNamespacedDeployment({ namespace: ns })).items;
      return deps.length === 0 && list.length === 1 && (list[0].metadata?.ownerReferences ?? []).length === 0 ? list[0] : undefined;
    });
    const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=orphan' })).items;
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p.metadata?.ownerReferences?.[0]?.uid === rs.metadata?.uid && !p.metadata?.deletionTimestamp)).toBe(true);
  });

  it('an unschedulable pod gets a FailedScheduling event in kube-scheduler form', async () => {
    const ns = await namespace('cp-sched');
    const pod: V1Pod = {
      metadata: { name: 'big' },
      spec: { containers: [{ name: 'c', image: 'example/web', resources: { requests: { cpu: '1000' } } }] },
    };
    await core.createNamespacedPod({ namespace: ns, body: pod });
    const event = await waitFor('FailedScheduling event', async () => {
      const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=big,reason=FailedScheduling' });
      return list.items[0];
    });
    expect(event.type).toBe('Warning');
    expect(event.source?.component ?? event.reportingComponent).toBe('default-scheduler');
    expect(event.message).toBe('0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..');
    const p = await core.readNamespacedPod({ name: 'big', namespace: ns });
    expect(p.spec?.nodeName).toBeUndefined();
    expect(p.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable' });
  });
});
