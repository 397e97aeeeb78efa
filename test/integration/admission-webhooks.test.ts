/**
 * Admission webhooks through the in-process server over HTTPS: Mutating- and
 * ValidatingWebhookConfigurations created through the API send the writes they match to a
 * loopback HTTPS webhook server (url client configs), or — for a Service client config — to the
 * same server behind a Service whose endpoint is a pod on node n1, reached through n1's kubelet
 * CONNECT /dial (the real path; only the kubelet's TCP dialer maps the pod IP to loopback, as
 * api-proxy.test.ts does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import { resources } from '../../src/client/client.js';
import { startWebhookServer, type TestWebhookServer } from '../../src/admission/webhook/testing/webhook-server.js';
import { rawRequest, startLoopbackNode, startTestServer, waitFor, type TestServer } from './helpers.js';

const NS = 'hooked';
const POD_IP = '10.42.7.5';
const MUTATING = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
const VALIDATING = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const PODS = `/api/v1/namespaces/${NS}/pods`;

let ts: TestServer;
let hooks: TestWebhookServer;
let unregister: () => void = () => undefined;

const pod = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

function post(path: string, body: unknown, query = '') {
  return rawRequest(ts.server, { method: 'POST', path: `${path}${query}`, body: JSON.stringify(body) });
}

function del(path: string) {
  return rawRequest(ts.server, { method: 'DELETE', path });
}

function urlHook(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    clientConfig: { url: `https://127.0.0.1:${hooks.port}/${name}`, caBundle: hooks.caBundle },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } },
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...extra,
  };
}

async function configure(path: string, kind: string, name: string, webhooks: unknown[]): Promise<void> {
  const res = await post(path, { apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name }, webhooks });
  expect(res.status, res.text).toBe(201);
}

/** Configurations reach the plugin through a watch: wait until a probe pod shows the change. */
async function settle(check: (created: { status: number; json: KubeObject & { message?: string } }) => boolean): Promise<void> {
  let n = 0;
  let last = '';
  try {
    await waitFor('the webhook configuration to take effect', async () => {
      const name = `probe-${n++}`;
      const res = await post(PODS, pod(name, { probe: 'yes' }), '?dryRun=All');
      last = `${res.status} ${res.text}`;
      return check({ status: res.status, json: res.json });
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; the last probe answered ${last}`);
  }
}

beforeAll(async () => {
  hooks = await startWebhookServer({ dnsNames: ['hooks.webhooks.svc'] });
  ts = await startTestServer();
  for (const name of [NS, 'webhooks', 'other']) await ts.server.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  // Node n1, whose kubelet's dial of the webhook pod's IP reaches the loopback webhook server.
  unregister = await startLoopbackNode(ts, { name: 'n1', podCidr: '10.42.7.0/24', nodeIp: '10.99.0.1', route: (host, port) => (host === POD_IP && port === 8443 ? hooks.port : undefined) });
  await ts.server.client.create(resources.services, 'webhooks', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hooks', namespace: 'webhooks' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }] } });
  await ts.server.client.create(resources.endpointslices, 'webhooks', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'hooks-manual', namespace: 'webhooks', labels: { 'kubernetes.io/service-name': 'hooks', 'endpointslice.kubernetes.io/managed-by': 'lite.test' } },
    addressType: 'IPv4',
    ports: [{ name: 'https', port: 8443, protocol: 'TCP' }],
    endpoints: [{ addresses: [POD_IP], conditions: { ready: true }, nodeName: 'n1' }],
  });
});

afterAll(async () => {
  unregister();
  await ts?.stop();
  await hooks?.close();
});

describe('admission webhooks', () => {
  it('a mutating webhook patches pods created over HTTP and by controllers; warnings reach the client', async () => {
    hooks.handler = (path, r) => {
      if (!path.startsWith('/inject.lite.dev')) return { allowed: true };
      const labels = (r.object as KubeObject).metadata.labels;
      return { allowed: true, warnings: ['injected a sidecar label'], patch: labels ? [{ op: 'add', path: '/metadata/labels/injected', value: 'yes' }] : [{ op: 'add', path: '/metadata/labels', value: { injected: 'yes' } }] };
    };
    await configure(MUTATING, 'MutatingWebhookConfiguration', 'inject', [urlHook('inject.lite.dev', { reinvocationPolicy: 'IfNeeded' })]);
    await settle((r) => r.json?.metadata?.labels?.injected === 'yes');

    const created = await post(PODS, pod('direct', { app: 'web' }));
    expect(created.status).toBe(201);
    expect(created.json.metadata.labels).toEqual({ app: 'web', injected: 'yes' });
    expect(created.headers.warning).toBe('299 - "injected a sidecar label"');
    const stored = await ts.server.client.get(resources.pods, NS, 'direct');
    expect(stored.metadata.labels).toEqual({ app: 'web', injected: 'yes' });
    // A pod in another namespace is not matched by the namespaceSelector.
    const elsewhere = await post('/api/v1/namespaces/other/pods', pod('untouched'));
    expect(elsewhere.json.metadata.labels).toBeUndefined();

    // The ReplicaSet controller's pods go through the same admission (in-process client).
    const rs = await post(`/apis/apps/v1/namespaces/${NS}/replicasets`, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'rs' } }, template: { metadata: { labels: { app: 'rs' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    expect(rs.status).toBe(201);
    const pods = await waitFor('the ReplicaSet’s pods', async () => {
      const list = await ts.server.client.list(resources.pods, NS, { labelSelector: 'app=rs' });
      return list.items.length === 2 ? list.items : undefined;
    });
    for (const p of pods) expect(p.metadata.labels?.injected).toBe('yes');
    expect(hooks.received.some((r) => r.request.userInfo.username === 'system:apiserver' && (r.request.object as KubeObject | null)?.metadata.generateName === 'rs-')).toBe(true);

    expect((await del(`${MUTATING}/inject`)).status).toBe(200);
    await settle((r) => r.status === 201 && r.json.metadata.labels?.injected === undefined);
  });

  it('a validating webhook refuses with its own message and code; its configuration can always be deleted', async () => {
    hooks.handler = (path, r) => ((r.object as KubeObject | null)?.metadata.labels?.owner ? { allowed: true } : { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'every pod needs an owner label' } });
    await configure(VALIDATING, 'ValidatingWebhookConfiguration', 'owners', [urlHook('owners.lite.dev')]);
    await settle((r) => r.status === 403);

    const refused = await post(PODS, pod('ownerless'));
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ kind: 'Status', status: 'Failure', code: 403, reason: 'Forbidden', message: 'admission webhook "owners.lite.dev" denied the request: every pod needs an owner label' });
    expect((await ts.server.client.list(resources.pods, NS, { labelSelector: 'probe' })).items).toHaveLength(0);
    const owned = await post(PODS, pod('owned', { owner: 'me' }));
    expect(owned.status).toBe(201);

    // An update that drops the label is refused too (UPDATE is in the rule); the stored pod keeps it.
    const stored = await ts.server.client.get(resources.pods, NS, 'owned');
    const update = await rawRequest(ts.server, { method: 'PUT', path: `${PODS}/owned`, body: JSON.stringify({ ...stored, metadata: { ...stored.metadata, labels: {} } }) });
    expect(update.status).toBe(403);
    expect((await ts.server.client.get(resources.pods, NS, 'owned')).metadata.labels).toEqual({ owner: 'me' });

    // A webhook that cannot be reached fails requests under failurePolicy Fail (500) …
    hooks.handler = () => ({ allowed: true });
    await configure(VALIDATING, 'ValidatingWebhookConfiguration', 'broken', [urlHook('broken.lite.dev', { clientConfig: { url: 'https://127.0.0.1:1/nowhere' } })]);
    await settle((r) => r.status === 500);
    const failed = await post(PODS, pod('during-outage', { owner: 'me' }));
    expect(failed.status).toBe(500);
    expect(failed.json).toMatchObject({ reason: 'InternalError', message: 'Internal error occurred: failed calling webhook "broken.lite.dev": failed to call webhook: Post "https://127.0.0.1:1/nowhere?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused' });
    // … but configurations themselves never go to webhooks, so the broken one can be removed.
    expect((await del(`${VALIDATING}/broken`)).status).toBe(200);
    expect((await del(`${VALIDATING}/owners`)).status).toBe(200);
    await settle((r) => r.status === 201);
  });

  it('dry runs reach only webhooks without side effects', async () => {
    await configure(VALIDATING, 'ValidatingWebhookConfiguration', 'effects', [urlHook('effects.lite.dev', { sideEffects: 'NoneOnDryRun', rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }] })]);
    const bad = await post(VALIDATING, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'side-effects' },
      webhooks: [urlHook('some.lite.dev', { sideEffects: 'Some' })],
    });
    // v1 accepts only None and NoneOnDryRun.
    expect(bad.status).toBe(422);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } };
    hooks.received.length = 0;
    await waitFor('the configmap webhook to be called', async () => {
      await post(`/api/v1/namespaces/${NS}/configmaps`, { ...cm, metadata: { name: `cm-${hooks.received.length}-${Date.now()}` } }, '?dryRun=All');
      return hooks.received.find((r) => r.path.startsWith('/effects.lite.dev'));
    });
    const seen = hooks.received.find((r) => r.path.startsWith('/effects.lite.dev'));
    expect(seen?.request).toMatchObject({ dryRun: true, options: { dryRun: ['All'] } });
    expect((await del(`${VALIDATING}/effects`)).status).toBe(200);
  });

  it('a webhook behind a Service is reached at its endpoint through the node’s agent, verified for <name>.<namespace>.svc', async () => {
    hooks.handler = (path) => (path.startsWith('/svc-check') ? { allowed: false, status: { message: 'refused by the in-cluster webhook' } } : { allowed: true });
    await configure(VALIDATING, 'ValidatingWebhookConfiguration', 'in-cluster', [
      urlHook('svc.lite.dev', { clientConfig: { service: { namespace: 'webhooks', name: 'hooks', path: '/svc-check', port: 443 }, caBundle: hooks.caBundle } }),
    ]);
    await settle((r) => r.status === 400);
    const refused = await post(PODS, pod('via-service'));
    expect(refused.json.message).toBe('admission webhook "svc.lite.dev" denied the request: refused by the in-cluster webhook');
    expect(hooks.received.at(-1)?.path).toBe('/svc-check?timeout=10s');

    // Connections are kept alive: the next call reuses the first one.
    expect((await post(PODS, pod('again'))).status).toBe(400);

    // A Service without endpoints fails the call (Fail policy), its name in the message.
    await ts.server.client.create(resources.services, 'webhooks', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'idle', namespace: 'webhooks' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }] } });
    const current = await ts.server.client.get({ group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingwebhookconfigurations' }, undefined, 'in-cluster');
    const webhooks = current.webhooks as Record<string, unknown>[];
    await ts.server.client.update({ group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingwebhookconfigurations' }, undefined, {
      ...current,
      webhooks: [{ ...webhooks[0], clientConfig: { service: { namespace: 'webhooks', name: 'idle', path: '/svc-check', port: 443 }, caBundle: hooks.caBundle } }],
    });
    await settle((r) => r.status === 500);
    const failed = await post(PODS, pod('no-endpoints'));
    expect(failed.json.message).toBe('Internal error occurred: failed calling webhook "svc.lite.dev": failed to call webhook: Post "https://idle.webhooks.svc:443/svc-check?timeout=10s": endpoints "idle" not found');
    expect((await del(`${VALIDATING}/in-cluster`)).status).toBe(200);
  });

  it('CONNECT requests (exec, port-forward) reach webhooks with their connect options; a refusal stops them', async () => {
    await ts.server.client.create(resources.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shell', namespace: NS }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
    hooks.handler = (path, r) => (path.startsWith('/no-exec') ? { allowed: false, status: { code: 403, reason: 'Forbidden', message: `no ${r.subResource} into ${r.name}` } } : { allowed: true });
    await configure(VALIDATING, 'ValidatingWebhookConfiguration', 'no-exec', [urlHook('no-exec.lite.dev', { rules: [{ operations: ['CONNECT'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/exec', 'pods/portforward'] }] })]);
    const exec = () => rawRequest(ts.server, { method: 'POST', path: `${PODS}/shell/exec?command=sh&command=-c&command=id&stdin=true&stdout=true&container=c` });
    await waitFor('the exec webhook to take effect', async () => (await exec()).status === 403);
    const refused = await exec();
    expect(refused.json).toMatchObject({ code: 403, reason: 'Forbidden', message: 'admission webhook "no-exec.lite.dev" denied the request: no exec into shell' });
    const sent = hooks.received.filter((r) => r.path.startsWith('/no-exec')).at(-1)?.request;
    expect(sent).toMatchObject({ operation: 'CONNECT', name: 'shell', namespace: NS, subResource: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, resource: { group: '', version: 'v1', resource: 'pods' }, object: { kind: 'PodExecOptions', apiVersion: 'v1', stdin: true, stdout: true, container: 'c', command: ['sh', '-c', 'id'] }, oldObject: null, options: null });
    const forward = await rawRequest(ts.server, { method: 'POST', path: `${PODS}/shell/portforward?ports=8080` });
    expect(forward.json.message).toBe('admission webhook "no-exec.lite.dev" denied the request: no portforward into shell');
    // attach is not in the rules: it goes on to the kubelet (and fails there for want of an upgrade, not by the webhook).
    const attach = await rawRequest(ts.server, { method: 'POST', path: `${PODS}/shell/attach?stdout=true` });
    expect(attach.json?.message ?? attach.text).not.toContain('admission webhook');
    expect((await del(`${VALIDATING}/no-exec`)).status).toBe(200);
  });

  it('evictions (pods/eviction CREATE) reach webhooks with the Eviction as the object', async () => {
    await ts.server.client.create(resources.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'keeper', namespace: NS }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
    hooks.handler = (path, r) => (path.startsWith('/no-evict') ? { allowed: false, status: { code: 429, reason: 'TooManyRequests', message: `${r.name} must be drained by its operator` } } : { allowed: true });
    await configure(VALIDATING, 'ValidatingWebhookConfiguration', 'no-evict', [urlHook('no-evict.lite.dev', { rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/eviction'] }] })]);
    const evict = () => post(`${PODS}/keeper/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'keeper', namespace: NS } });
    await waitFor('the eviction webhook to take effect', async () => (await evict()).status === 429);
    const refused = await evict();
    expect(refused.json).toMatchObject({ code: 429, reason: 'TooManyRequests', message: 'admission webhook "no-evict.lite.dev" denied the request: keeper must be drained by its operator' });
    expect(hooks.received.filter((r) => r.path.startsWith('/no-evict')).at(-1)?.request).toMatchObject({ operation: 'CREATE', subResource: 'eviction', name: 'keeper', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, object: { kind: 'Eviction' }, options: { kind: 'CreateOptions' } });
    expect((await ts.server.client.get(resources.pods, NS, 'keeper')).metadata.deletionTimestamp).toBeUndefined();
    expect((await del(`${VALIDATING}/no-evict`)).status).toBe(200);
    await waitFor('the eviction to go through', async () => (await evict()).status === 201);
  });

  it('custom resources and status writes are matched by their own rules', async () => {
    const crd = await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.lite.dev' },
      spec: {
        group: 'lite.dev',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } }, status: { type: 'object', properties: { ok: { type: 'boolean' } } } } } } }],
      },
    });
    expect(crd.status).toBe(201);
    const WIDGETS = `/apis/lite.dev/v1/namespaces/${NS}/widgets`;
    await waitFor('widgets to be served', async () => (await rawRequest(ts.server, { path: WIDGETS })).status === 200);
    hooks.handler = (path, r) => {
      if (path.startsWith('/widget-size')) return ((r.object as { spec?: { size?: number } }).spec?.size ?? 0) > 10 ? { allowed: false, status: { message: 'widgets are at most 10 big' } } : { allowed: true };
      if (path.startsWith('/widget-status')) return { allowed: false, status: { message: `status write by ${r.userInfo.username}` } };
      return { allowed: true };
    };
    await configure(VALIDATING, 'ValidatingWebhookConfiguration', 'widgets', [
      urlHook('widget-size.lite.dev', { rules: [{ operations: ['CREATE'], apiGroups: ['lite.dev'], apiVersions: ['*'], resources: ['widgets'] }] }),
      urlHook('widget-status.lite.dev', { rules: [{ operations: ['UPDATE'], apiGroups: ['lite.dev'], apiVersions: ['v1'], resources: ['widgets/status'] }] }),
    ]);
    await waitFor('the widget webhook to refuse', async () => (await post(WIDGETS, { apiVersion: 'lite.dev/v1', kind: 'Widget', metadata: { name: `big-${Date.now()}` }, spec: { size: 11 } }, '?dryRun=All')).status === 400);
    const small = await post(WIDGETS, { apiVersion: 'lite.dev/v1', kind: 'Widget', metadata: { name: 'small' }, spec: { size: 3 } });
    expect(small.status).toBe(201);
    // A main-resource update is not matched by the widgets/status rule; a status write is.
    const w = small.json as KubeObject;
    const specUpdate = await rawRequest(ts.server, { method: 'PUT', path: `${WIDGETS}/small`, body: JSON.stringify({ ...w, spec: { size: 4 } }) });
    expect(specUpdate.status).toBe(200);
    const statusUpdate = await rawRequest(ts.server, { method: 'PUT', path: `${WIDGETS}/small/status`, body: JSON.stringify({ ...specUpdate.json, status: { ok: true } }) });
    expect([statusUpdate.status, statusUpdate.json.message]).toEqual([400, 'admission webhook "widget-status.lite.dev" denied the request: status write by system:admin']);
    expect((await del(`${VALIDATING}/widgets`)).status).toBe(200);
  });
});
