/**
 * The resource metrics API (metrics.k8s.io/v1beta1, what `kubectl top` reads) on an in-process
 * server with simulated nodes: the built-in scraper reads each simulated kubelet's
 * /stats/summary (usage from the lite.dev/sim-* annotations), and the API answers as
 * metrics-server does — discovery, lists and gets, selectors, tables, 404 and 405 Statuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestServer, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ simulatedNodes: { count: 2, podStartDelayMs: [10, 30] }, metricResolutionMs: 300 });
});
afterAll(async () => {
  await ts?.stop();
});

const json = { 'Content-Type': 'application/json' };

function pod(name: string, labels: Record<string, string>, annotations: Record<string, string>, containers = ['app']) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, annotations },
    spec: { containers: containers.map((c) => ({ name: c, image: 'example/app:1' })) },
  });
}

describe('metrics.k8s.io on simulated nodes', () => {
  beforeAll(async () => {
    const created = await Promise.all([
      rawRequest(ts.server, { method: 'POST', path: '/api/v1/namespaces/default/pods', headers: json, body: pod('busy', { app: 'busy' }, { 'lite.dev/sim-cpu-usage': '250m', 'lite.dev/sim-memory-usage': '64Mi' }, ['app', 'side']) }),
      rawRequest(ts.server, { method: 'POST', path: '/api/v1/namespaces/default/pods', headers: json, body: pod('quiet', { app: 'quiet' }, {}) }),
    ]);
    expect(created.map((r) => r.status)).toEqual([201, 201]);
    // Usage needs two scrapes of the pod while it runs.
    await waitFor('pod metrics of both pods', async () => {
      const r = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods' });
      return r.status === 200 && r.json.items.length === 2 ? r : undefined;
    }, 20_000, 100);
  });

  it('is advertised in discovery and the OpenAPI documents', async () => {
    const groups = await rawRequest(ts.server, { path: '/apis' });
    const metrics = groups.json.groups.find((g: { name: string }) => g.name === 'metrics.k8s.io');
    expect(metrics).toMatchObject({ versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }], preferredVersion: { version: 'v1beta1' } });
    const resources = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1' });
    expect(resources.json.resources.map((r: { name: string; kind: string; namespaced: boolean; verbs: string[] }) => [r.name, r.kind, r.namespaced, r.verbs])).toEqual([
      ['nodes', 'NodeMetrics', false, ['get', 'list']],
      ['pods', 'PodMetrics', true, ['get', 'list']],
    ]);
    const openapi = await rawRequest(ts.server, { path: '/openapi/v3/apis/metrics.k8s.io/v1beta1' });
    expect(Object.keys(openapi.json.components.schemas)).toEqual(expect.arrayContaining(['io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics', 'io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics']));
  });

  it('serves each running container\'s usage, and pods without annotations as using nothing', async () => {
    const busy = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy' });
    expect(busy.status).toBe(200);
    expect(busy.json).toMatchObject({ kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { name: 'busy', namespace: 'default', labels: { app: 'busy' } } });
    expect(busy.json.containers).toEqual([
      { name: 'app', usage: { cpu: '250m', memory: '64Mi' } },
      { name: 'side', usage: { cpu: '250m', memory: '64Mi' } },
    ]);
    expect(busy.json.window).toMatch(/^[0-9.]+m?s$/);
    expect(Date.parse(busy.json.timestamp)).not.toBeNaN();
    const quiet = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/quiet' });
    expect(quiet.json.containers).toEqual([{ name: 'app', usage: { cpu: '0', memory: '0' } }]);
  });

  it('adds up a node from its pods, and filters with label and field selectors', async () => {
    const node = await rawRequest(ts.server, { path: '/api/v1/namespaces/default/pods/busy' });
    const nodeName = node.json.spec.nodeName as string;
    const nm = await waitFor('node metrics with the pod', async () => {
      const r = await rawRequest(ts.server, { path: `/apis/metrics.k8s.io/v1beta1/nodes/${nodeName}` });
      return r.status === 200 && r.json.usage.cpu !== '0' ? r : undefined;
    }, 10_000, 100);
    // Both pods may run there: the quiet one adds nothing.
    expect(nm.json.usage).toEqual({ cpu: '500m', memory: '128Mi' });
    const nodes = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/nodes' });
    expect(nodes.json.kind).toBe('NodeMetricsList');
    expect(nodes.json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['sim-node-0', 'sim-node-1']);
    const labelled = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dquiet' });
    expect(labelled.json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['quiet']);
    const byName = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?fieldSelector=metadata.name%3Dbusy' });
    expect(byName.json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['busy']);
    const other = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods' });
    expect(other.json.items).toEqual([]);
  });

  it('answers kubectl\'s Table request with metrics-server\'s columns', async () => {
    const r = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    expect(r.json.kind).toBe('Table');
    expect(r.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'CPU', 'Memory', 'Window']);
    const busy = r.json.rows.find((row: { cells: string[] }) => row.cells[0] === 'busy');
    expect(busy.cells.slice(0, 3)).toEqual(['busy', '500m', '128Mi']);
  });

  it('is 404 for unknown pods and nodes, 405 for writes and watches, 400 for bad selectors', async () => {
    const missing = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope' });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods "nope" not found' });
    const node = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/nodes/nope' });
    expect(node.json).toMatchObject({ reason: 'NotFound', message: 'nodes "nope" not found' });
    for (const req of [
      { path: '/apis/metrics.k8s.io/v1beta1/pods?watch=1' },
      { path: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', method: 'POST', headers: json, body: JSON.stringify({ apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics', metadata: { name: 'x' } }) },
      { path: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy', method: 'DELETE' },
    ]) {
      const r = await rawRequest(ts.server, req);
      expect(r.status, `${req.method ?? 'GET'} ${req.path}`).toBe(405);
      expect(r.json).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed' });
    }
    const bad = await rawRequest(ts.server, { path: '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=%3D%3D%3D' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });
});

describe('metrics.k8s.io and RBAC', () => {
  it('lets the view, edit and admin roles read metrics (system:aggregated-metrics-reader)', async () => {
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'ann-view', namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'ann' }] };
    expect((await rawRequest(ts.server, { method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', headers: json, body: JSON.stringify(binding) })).status).toBe(201);
    const review = (namespace: string) =>
      rawRequest(ts.server, {
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        headers: json,
        body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'ann', resourceAttributes: { namespace, verb: 'list', group: 'metrics.k8s.io', resource: 'pods' } } }),
      });
    // The aggregation controller folds the reader's rules into view.
    await waitFor('ann may list pod metrics in default', async () => ((await review('default')).json.status?.allowed === true ? true : undefined), 10_000, 50);
    expect((await review('kube-system')).json.status.allowed).toBe(false);
  });
});

describe('--disable-metrics-server', () => {
  it('serves no metrics.k8s.io group at all', async () => {
    const off = await startTestServer({ disableMetricsServer: true });
    try {
      const groups = await rawRequest(off.server, { path: '/apis' });
      expect(groups.json.groups.map((g: { name: string }) => g.name)).not.toContain('metrics.k8s.io');
      const r = await rawRequest(off.server, { path: '/apis/metrics.k8s.io/v1beta1/nodes' });
      expect(r.status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});
