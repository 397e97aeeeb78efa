/**
 * `kind: List` files (what `kubectl get -o yaml` writes) with the real kubectl 1.32. For a List,
 * kubectl cannot use OpenAPI v3 to decide on server-side field validation, so it validates every
 * item on the client against the OpenAPI v2 document, fetched as gnostic protobuf from
 * /openapi/v2 (kubectl pkg/validation). These tests make it do that: `create -f`, `apply -f`
 * (twice), `replace -f` of a `get -o yaml` dump, an unknown field caught by kubectl itself, and the
 * endpoint itself over plain HTTPS in both forms.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { decodeOpenApiV2 } from '../../src/apiserver/openapi-v2-protobuf.js';
import { scratchDir, uniqueName, useCluster } from './support/cluster.js';
import { AdminHttpsClient } from './support/https-client.js';
import { eventually } from './support/wait.js';

const ctx = useCluster();

/** kubectl's Accept for /openapi/v2 (client-go discovery_client.go openAPIV2mimePb). */
const KUBECTL_V2_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const GROUP = `${uniqueName('oapi')}.example.com`;
const CRD_NAME = `gizmos.${GROUP}`;

/** A CRD with the shapes kubectl's v2 validator must not trip over. */
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: CRD_NAME },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', listKind: 'GizmoList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 0, default: 1 },
                  port: { 'x-kubernetes-int-or-string': true },
                  memory: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^[0-9]+(Mi|Gi)?$' },
                  note: { type: 'string', nullable: true },
                  mode: { type: 'string', enum: ['on', 'off'] },
                  selector: { type: 'object', properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } } },
                  config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  targets: { type: 'array', items: { type: 'object', properties: { host: { type: 'string' }, weight: { type: 'number' } } } },
                },
              },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
};

/** Pod, Deployment, Service, ConfigMap and a Gizmo, as one List (canonical quantities, so re-applying changes nothing). */
function listOf(prefix: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'List',
    metadata: { resourceVersion: '' },
    items: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-cfg`, labels: { app: prefix } }, data: { LOG_LEVEL: 'info', PORT: '8080' } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${prefix}-pod`, labels: { app: prefix }, annotations: { 'example.com/owner': 'team-a' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              args: ['--port', '80'],
              ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
              env: [
                { name: 'MODE', value: 'fast' },
                { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: `${prefix}-cfg`, key: 'LOG_LEVEL' } } },
              ],
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 3 },
              securityContext: { runAsNonRoot: false, capabilities: { drop: ['ALL'] } },
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: `${prefix}-cfg`, items: [{ key: 'PORT', path: 'port' }] } },
            { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
          ],
        },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `${prefix}-web` },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: `${prefix}-web` } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
          template: {
            metadata: { labels: { app: `${prefix}-web` } },
            spec: {
              containers: [{ name: 'web', image: 'nginx:1.25', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
              tolerations: [{ key: 'example.com/dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `${prefix}-svc` },
        spec: {
          selector: { app: prefix },
          ports: [
            { name: 'http', port: 80, targetPort: 'http' },
            { name: 'alt', port: 81, targetPort: 8081, protocol: 'TCP' },
          ],
        },
      },
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'Gizmo',
        metadata: { name: `${prefix}-gizmo` },
        spec: {
          size: 3,
          port: 8080,
          memory: '512Mi',
          mode: 'on',
          selector: { matchLabels: { tier: 'backend' } },
          config: { anything: { goes: [1, 'two', { three: true }] } },
          targets: [
            { host: 'a', weight: 0.5 },
            { host: 'b', weight: 2 },
          ],
        },
      },
    ],
  };
}

function writeList(name: string, doc: unknown, format: 'yaml' | 'json' = 'yaml'): string {
  const path = join(scratchDir(ctx, 'oapi2'), name);
  writeFileSync(path, format === 'json' ? JSON.stringify(doc, null, 2) : stringify(doc, { version: '1.1' }));
  return path;
}

function lines(out: string): string[] {
  return out.trim().split('\n');
}

let http: AdminHttpsClient;

beforeAll(async () => {
  http = new AdminHttpsClient(ctx.server.credentials());
  const file = writeList('crd.yaml', CRD);
  await ctx.kubectl.ok(['apply', '-f', file]);
  await ctx.kubectl.ok(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=20s']);
});

afterAll(() => {
  http?.close();
});

describe('kubectl with a kind: List file (client-side validation against /openapi/v2)', () => {
  test('create -f of a List with a Pod, a Deployment, a Service, a ConfigMap and a custom resource succeeds without a warning', async () => {
    const ns = uniqueName('create');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const doc = listOf('shop') as { items: Record<string, any>[] };
    // Shapes a user writes that are valid but not canonical: numbers for quantities, a null for a nullable field.
    doc.items[1].spec.containers[0].resources.requests = { cpu: 0.1, memory: 67108864 };
    doc.items[4].spec.note = null;
    for (const format of ['yaml', 'json'] as const) {
      const target = format === 'yaml' ? ns : `${ns}-json`;
      if (format === 'json') await ctx.kubectl.ok(['create', 'namespace', target]);
      const file = writeList(`list.${format}`, doc, format);
      expect(lines(await ctx.kubectl.ok(['create', '-n', target, '-f', file]))).toEqual([
        'configmap/shop-cfg created',
        'pod/shop-pod created',
        'deployment.apps/shop-web created',
        'service/shop-svc created',
        `gizmo.${GROUP}/shop-gizmo created`,
      ]);
    }
    const gizmo = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, `gizmos.${GROUP}/shop-gizmo`, '-o', 'json']));
    expect(gizmo.spec).toMatchObject({ size: 3, port: 8080, memory: '512Mi', note: null, config: { anything: { goes: [1, 'two', { three: true }] } } });
    const svc = JSON.parse(await ctx.kubectl.ok(['get', '-n', ns, 'service/shop-svc', '-o', 'json']));
    expect(svc.spec.ports.map((p: { targetPort: unknown }) => p.targetPort)).toEqual(['http', 8081]);
  });

  test('an unknown field or a wrong type in a List item is kubectl’s own validation error; nothing is created', async () => {
    const ns = uniqueName('invalid');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const doc = listOf('bad') as { items: Record<string, any>[] };
    doc.items[1].spec.containers[0].bogusField = 1;
    const one = writeList('one-error.yaml', doc);
    const r = await ctx.kubectl.fails(['create', '-n', ns, '-f', one]);
    // The message of kubectl's validation package (kube-openapi pkg/util/proto/validation errors),
    // naming the field and the upstream definition it is missing from.
    expect(r.stderr.trim()).toBe(
      `error: error validating "${one}": error validating data: ValidationError(Pod.spec.containers[0]): unknown field "bogusField" in io.k8s.api.core.v1.Container; ` +
        'if you choose to ignore these errors, turn validation off with --validate=false',
    );
    doc.items[2].spec.replicas = 'two';
    doc.items[4].spec.colour = 'red';
    const three = writeList('three-errors.json', doc, 'json');
    const r3 = await ctx.kubectl.fails(['apply', '-n', ns, '-f', three]);
    expect(r3.stderr.trim()).toBe(
      `error: error validating "${three}": error validating data: [` +
        'ValidationError(Pod.spec.containers[0]): unknown field "bogusField" in io.k8s.api.core.v1.Container, ' +
        'ValidationError(Deployment.spec.replicas): invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got "string", expected "integer", ' +
        `ValidationError(Gizmo.spec): unknown field "colour" in ${GROUP.split('.').reverse().join('.')}.v1.Gizmo.spec]; ` +
        'if you choose to ignore these errors, turn validation off with --validate=false',
    );
    // (`run`, not `ok`: with nothing at all in the namespace kubectl says so on stderr.)
    const left = await ctx.kubectl.run(['get', '-n', ns, `configmaps,pods,deployments,services,gizmos.${GROUP}`, '-o', 'name']);
    expect(left.code).toBe(0);
    expect(left.stdout).not.toContain('bad-');
    // With the errors fixed, the same namespace takes the List.
    await ctx.kubectl.ok(['create', '-n', ns, '-f', writeList('valid.yaml', listOf('fine'))]);
  });

  test('apply -f of a List twice: created, then unchanged', async () => {
    const ns = uniqueName('apply');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const file = writeList('list.yaml', listOf('app'));
    expect(lines(await ctx.kubectl.ok(['apply', '-n', ns, '-f', file]))).toEqual([
      'configmap/app-cfg created',
      'pod/app-pod created',
      'deployment.apps/app-web created',
      'service/app-svc created',
      `gizmo.${GROUP}/app-gizmo created`,
    ]);
    // The Pod says "configured" on every re-apply, as on any cluster: ServiceAccount admission
    // appended its kube-api-access volume, so the live volumes list is longer than the manifest's
    // and kubectl's three-way patch always carries $setElementOrder/volumes (strategicpatch
    // isOrderSame compares lengths). That patch changes nothing.
    expect(lines(await ctx.kubectl.ok(['apply', '-n', ns, '-f', file]))).toEqual([
      'configmap/app-cfg unchanged',
      'pod/app-pod configured',
      'deployment.apps/app-web unchanged',
      'service/app-svc unchanged',
      `gizmo.${GROUP}/app-gizmo unchanged`,
    ]);
    const edited = listOf('app') as { items: Record<string, any>[] };
    edited.items[0].data.LOG_LEVEL = 'debug';
    edited.items[4].spec.port = 'http';
    expect(lines(await ctx.kubectl.ok(['apply', '-n', ns, '-f', writeList('edited.yaml', edited)]))).toEqual([
      'configmap/app-cfg configured',
      'pod/app-pod configured',
      'deployment.apps/app-web unchanged',
      'service/app-svc unchanged',
      `gizmo.${GROUP}/app-gizmo configured`,
    ]);
  });

  test('get -o yaml > f.yaml && replace -f f.yaml: the server’s own objects pass validation', async () => {
    const ns = uniqueName('replace');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await ctx.kubectl.ok(['apply', '-n', ns, '-f', writeList('list.yaml', listOf('rep'))]);
    // The Deployment's pods exist (and carry status, managedFields, ownerReferences) before the dump.
    await eventually(async () => lines(await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-o', 'name'])).length === 3, { timeoutMs: 20_000 });
    const dir = scratchDir(ctx, 'replace');
    // A controller may write an object between get and replace (409); a user would re-run both.
    const replaced = await eventually(
      async () => {
        const dump = join(dir, 'pods.yaml');
        writeFileSync(dump, await ctx.kubectl.ok(['get', 'pods', '-n', ns, '-o', 'yaml']));
        const r = await ctx.kubectl.run(['replace', '-f', dump]);
        if (r.code !== 0 && r.stderr.includes('the object has been modified')) return undefined;
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        return lines(r.stdout);
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(replaced).toHaveLength(3);
    for (const l of replaced) expect(l).toMatch(/^pod\/rep-\S+ replaced$/);

    const all = join(dir, 'all.yaml');
    writeFileSync(all, await ctx.kubectl.ok(['get', `configmaps,services,deployments,replicasets,gizmos.${GROUP}`, '-n', ns, '-o', 'yaml']));
    // Client-side only: every item of the server's own dump validates against /openapi/v2.
    const out = lines(await ctx.kubectl.ok(['create', '--dry-run=client', '-f', all, '-o', 'name']));
    expect(out).toEqual(expect.arrayContaining(['configmap/rep-cfg', 'service/rep-svc', 'deployment.apps/rep-web', `gizmo.${GROUP}/rep-gizmo`]));
  });
});

describe('GET /openapi/v2 over HTTPS', () => {
  test('JSON and gnostic protobuf (kubectl’s Accept) carry the same document, one ETag, Vary: Accept, 304 on If-None-Match', async () => {
    const json = await http.send({ path: '/openapi/v2', headers: { Accept: 'application/json' } });
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe('application/json');
    expect(String(json.headers.vary)).toContain('Accept');
    const etag = String(json.headers.etag);
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    const doc = JSON.parse(json.body);
    expect(doc.swagger).toBe('2.0');
    expect(doc.securityDefinitions.BearerToken).toMatchObject({ type: 'apiKey', name: 'authorization', in: 'header' });
    expect(doc.definitions['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    const gizmoDef = `${GROUP.split('.').reverse().join('.')}.v1.Gizmo`;
    expect(doc.definitions[gizmoDef]['x-kubernetes-group-version-kind']).toEqual([{ group: GROUP, kind: 'Gizmo', version: 'v1' }]);
    expect(doc.definitions[gizmoDef].properties.spec.properties.note).toEqual({}); // nullable → any value in v2

    const pb = await http.send({ path: '/openapi/v2?timeout=32s', headers: { Accept: KUBECTL_V2_ACCEPT, 'Accept-Encoding': 'gzip' } });
    expect(pb.status).toBe(200);
    expect(pb.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect(pb.headers['content-encoding']).toBe('gzip');
    expect(pb.headers.etag).toBe(etag);
    const decoded = decodeOpenApiV2(gunzipSync(pb.bytes));
    expect(Object.keys(decoded.definitions as object)).toEqual(Object.keys(doc.definitions));
    expect((decoded.definitions as any)['io.k8s.api.apps.v1.Deployment']).toEqual(doc.definitions['io.k8s.api.apps.v1.Deployment']);
    expect((decoded.paths as any)['/api/v1/namespaces/{namespace}/pods/{name}'].patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });

    const none = await http.send({ path: '/openapi/v2', headers: { Accept: '' } });
    expect(none.headers['content-type']).toBe('application/json');
    const cached = await http.send({ path: '/openapi/v2', headers: { Accept: KUBECTL_V2_ACCEPT, 'If-None-Match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.bytes.length).toBe(0);
    expect((await http.send({ path: '/openapi/v2', headers: { Accept: 'text/html' } })).status).toBe(406);
  });

  test('the document follows CRDs: a new CRD appears (new ETag), a deleted one goes', async () => {
    const before = await http.send({ path: '/openapi/v2' });
    const group = `${uniqueName('later')}.example.com`;
    const crd = structuredClone(CRD) as any;
    crd.metadata.name = `gizmos.${group}`;
    crd.spec.group = group;
    await ctx.kubectl.ok(['apply', '-f', writeList('crd2.yaml', crd)]);
    const def = `${group.split('.').reverse().join('.')}.v1.Gizmo`;
    const after = await eventually(async () => {
      const r = await http.send({ path: '/openapi/v2' });
      return JSON.parse(r.body).definitions[def] ? r : undefined;
    });
    expect(after.headers.etag).not.toBe(before.headers.etag);
    await ctx.kubectl.ok(['delete', 'crd', `gizmos.${group}`]);
    await eventually(async () => JSON.parse((await http.send({ path: '/openapi/v2' })).body).definitions[def] === undefined);
  });
});
