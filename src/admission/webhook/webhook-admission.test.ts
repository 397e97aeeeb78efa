import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceDef } from '../../api/resource.js';
import type { Client, ClientWatchEvent, ResourceRef } from '../../client/client.js';
import type { RequestContext } from '../../registry/context.js';
import type { WriteOperation } from '../../registry/object-lifecycle.js';
import { FakeClock, systemClock } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import { startWebhookServer, type TestWebhookServer } from './testing/webhook-server.js';
import { WebhookAdmission } from './webhook-admission.js';
import { WebhookClient } from './webhook-client.js';

/** Just enough of a Client: lists the configurations the test set; watches stay quiet. */
function configClient(configs: Record<string, KubeObject[]>): Client {
  return {
    list: async (ref: ResourceRef) => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items: configs[ref.resource] ?? [] }),
    watch: (_ref: ResourceRef, _ns: string | undefined, options: { signal: AbortSignal }) =>
      (async function* (): AsyncGenerator<ClientWatchEvent> {
        await new Promise<void>((resolve) => options.signal.addEventListener('abort', () => resolve(), { once: true }));
      })(),
  } as unknown as Client;
}

const PODS = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, strategy: { defaults: (o: KubeObject) => ((o.spec as Record<string, unknown>).restartPolicy ??= 'Always') } } as unknown as ResourceDef;
const WEBHOOKS = { group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations', namespaced: false, strategy: {} } as unknown as ResourceDef;

const pod = (labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
const user = { username: 'alice', groups: ['devs', 'system:authenticated'] };

let server: TestWebhookServer;
const running: AbortController[] = [];

beforeAll(async () => {
  server = await startWebhookServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const c of running.splice(0)) c.abort();
  server.received.length = 0;
  server.handler = () => ({ allowed: true });
});

function webhook(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    clientConfig: { url: `https://127.0.0.1:${server.port}/${name}`, caBundle: server.caBundle },
    rules: [{ operations: ['CREATE', 'UPDATE', 'DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }],
    failurePolicy: 'Fail',
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    timeoutSeconds: 10,
    ...extra,
  };
}

async function admission(mutating: Record<string, unknown>[], validating: Record<string, unknown>[] = []): Promise<WebhookAdmission> {
  const configs = {
    mutatingwebhookconfigurations: mutating.length ? [{ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'm' }, webhooks: mutating }] : [],
    validatingwebhookconfigurations: validating.length ? [{ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'v' }, webhooks: validating }] : [],
  } as Record<string, KubeObject[]>;
  const plugin = new WebhookAdmission({
    client: configClient(configs),
    webhookClient: new WebhookClient({ clock: systemClock }),
    clock: systemClock,
    logger: silentLogger,
    namespaceLabels: async (name) => (name === 'default' ? { 'kubernetes.io/metadata.name': 'default' } : undefined),
  });
  const stop = new AbortController();
  running.push(stop);
  void plugin.run(stop.signal);
  await plugin.whenSynced();
  return plugin;
}

function request(operation: WriteOperation, object: KubeObject, old?: KubeObject, ctx: Partial<RequestContext> = {}, subresource?: string) {
  return { operation, def: PODS, object, old, ctx: { user, warnings: [] as string[], ...ctx }, ...(subresource ? { subresource } : {}) };
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(e)}`);
  return e;
}

describe('WebhookAdmission: start', () => {
  it('requests wait for the configurations to be listed, and are refused (403) if that takes over 10 s', async () => {
    const clock = new FakeClock();
    const stuck = { list: () => new Promise(() => undefined), watch: () => (async function* () {})() } as unknown as Client;
    const plugin = new WebhookAdmission({ client: stuck, webhookClient: new WebhookClient({ clock }), clock, logger: silentLogger, namespaceLabels: async () => undefined });
    const stop = new AbortController();
    running.push(stop);
    void plugin.run(stop.signal);
    const pending = refusal(plugin.admit(request('create', pod())));
    await new Promise((r) => setImmediate(r));
    clock.advance(10_000);
    const e = await pending;
    expect([e.code, e.reason, e.message]).toEqual([403, 'Forbidden', 'pods "p" is forbidden: not yet ready to handle request']);
  });
});

describe('WebhookAdmission: mutating', () => {
  it('sends an admission.k8s.io/v1 AdmissionReview and applies the JSON patch it answers, then defaults', async () => {
    server.handler = () => ({ allowed: true, patch: [{ op: 'add', path: '/metadata/labels/injected', value: 'yes' }, { op: 'remove', path: '/spec/restartPolicy' }] });
    const plugin = await admission([webhook('inject.example.com')]);
    const req = request('create', { ...pod({ app: 'web' }), spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } });
    await plugin.admit(req);
    expect(req.object.metadata.labels).toEqual({ app: 'web', injected: 'yes' });
    // The patch removed restartPolicy; defaulting put upstream's default back.
    expect((req.object.spec as Record<string, unknown>).restartPolicy).toBe('Always');
    const sent = server.received[0];
    expect(sent.path).toBe('/inject.example.com?timeout=10s');
    expect(sent.apiVersion).toBe('admission.k8s.io/v1');
    expect(sent.request).toMatchObject({
      operation: 'CREATE',
      name: 'p',
      namespace: 'default',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      userInfo: { username: 'alice', groups: ['devs', 'system:authenticated'] },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } },
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    });
  });

  it('calls an IfNeeded webhook again when a later webhook changed the object', async () => {
    server.handler = (path, r) => (path.startsWith('/second') && !(r.object as KubeObject).metadata.labels?.second ? { allowed: true, patch: [{ op: 'add', path: '/metadata/labels/second', value: '1' }] } : { allowed: true });
    const plugin = await admission([webhook('first.example.com', { reinvocationPolicy: 'IfNeeded' }), webhook('second.example.com')]);
    await plugin.admit(request('create', pod()));
    expect(server.received.map((r) => r.path.split('?')[0])).toEqual(['/first.example.com', '/second.example.com', '/first.example.com']);
    expect((server.received[2].request.object as KubeObject).metadata.labels).toEqual({ second: '1' });
  });

  it('refuses a patch that changes the kind, and patches that cannot be applied', async () => {
    server.handler = () => ({ allowed: true, patch: [{ op: 'replace', path: '/kind', value: 'Service' }] });
    let plugin = await admission([webhook('kind.example.com')]);
    expect((await refusal(plugin.admit(request('create', pod())))).message).toBe('Internal error occurred: failed calling webhook "kind.example.com": the patch changed the object\'s apiVersion or kind');
    server.handler = () => ({ allowed: true, patch: [{ op: 'remove', path: '/spec/nothing/here' }] });
    plugin = await admission([webhook('bad.example.com')]);
    const e = await refusal(plugin.admit(request('create', pod())));
    expect(e.code).toBe(500);
    expect(e.message).toMatch(/^Internal error occurred: failed calling webhook "bad.example.com": the webhook's JSON patch could not be applied: /);
  });

  it('takes no patch from a v1 answer without patchType', async () => {
    server.handler = (_p, r) => ({ raw: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: r.uid, allowed: true, patch: Buffer.from('[]').toString('base64') } }) });
    const plugin = await admission([webhook('nopt.example.com')]);
    expect((await refusal(plugin.admit(request('create', pod())))).message).toBe('Internal error occurred: failed calling webhook "nopt.example.com": received invalid webhook response: webhook returned response.patch but not response.patchType');
  });
});

describe('WebhookAdmission: validating', () => {
  it('a refusal is the webhook’s Status worded as upstream, code 400 by default', async () => {
    server.handler = () => ({ allowed: false, status: { message: 'pods need an owner label' } });
    const plugin = await admission([], [webhook('owner.example.com')]);
    const e = await refusal(plugin.validate(request('create', pod())));
    expect(e.code).toBe(400);
    expect(e.message).toBe('admission webhook "owner.example.com" denied the request: pods need an owner label');
    server.handler = () => ({ allowed: false, status: { code: 403, reason: 'Forbidden', message: 'not on Fridays' } });
    const e2 = await refusal(plugin.validate(request('create', pod())));
    expect([e2.code, e2.reason, e2.message]).toEqual([403, 'Forbidden', 'admission webhook "owner.example.com" denied the request: not on Fridays']);
    server.handler = () => ({ allowed: false });
    expect((await refusal(plugin.validate(request('create', pod())))).message).toBe('admission webhook "owner.example.com" denied the request without explanation');
  });

  it('passes warnings on, and sends DELETE with the old object only', async () => {
    server.handler = () => ({ allowed: true, warnings: ['this image is old'] });
    const plugin = await admission([], [webhook('warn.example.com')]);
    const req = request('delete', pod(), pod());
    await plugin.validate(req);
    expect(req.ctx.warnings).toEqual(['this image is old']);
    expect(server.received[0].request).toMatchObject({ operation: 'DELETE', object: null, oldObject: { metadata: { name: 'p' } }, options: { kind: 'DeleteOptions' } });
  });

  it('failurePolicy Fail refuses with 500 when the webhook cannot be reached; Ignore lets the request through', async () => {
    const unreachable = { clientConfig: { url: 'https://127.0.0.1:1/check' } };
    let plugin = await admission([], [webhook('down.example.com', unreachable)]);
    const e = await refusal(plugin.validate(request('create', pod())));
    expect(e.code).toBe(500);
    expect(e.message).toBe('Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:1/check?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused');
    plugin = await admission([], [webhook('down.example.com', { ...unreachable, failurePolicy: 'Ignore' })]);
    await expect(plugin.validate(request('create', pod()))).resolves.toBeUndefined();
  });

  it('checks the server certificate against caBundle: another CA, or garbage, fails the call', async () => {
    const other = await startWebhookServer();
    try {
      let plugin = await admission([], [webhook('wrong-ca.example.com', { clientConfig: { url: `https://127.0.0.1:${server.port}/x`, caBundle: other.caBundle } })]);
      let e = await refusal(plugin.validate(request('create', pod())));
      expect(e.message).toBe(`Internal error occurred: failed calling webhook "wrong-ca.example.com": failed to call webhook: Post "https://127.0.0.1:${server.port}/x?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority`);
      plugin = await admission([], [webhook('garbage-ca.example.com', { clientConfig: { url: `https://127.0.0.1:${server.port}/x`, caBundle: Buffer.from('-----BEGIN CERTIFICATE-----\nYWJj\n-----END CERTIFICATE-----\n').toString('base64') } })]);
      e = await refusal(plugin.validate(request('create', pod())));
      expect(e.code).toBe(500);
      expect(e.message).toMatch(/^Internal error occurred: failed calling webhook "garbage-ca.example.com": failed to call webhook: Post /);
    } finally {
      await other.close();
    }
  });

  it('bounds a call by timeoutSeconds', async () => {
    server.handler = () => 'hang';
    const plugin = await admission([], [webhook('slow.example.com', { timeoutSeconds: 1 })]);
    const started = Date.now();
    const e = await refusal(plugin.validate(request('create', pod())));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e.message).toBe(`Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://127.0.0.1:${server.port}/slow.example.com?timeout=1s": context deadline exceeded`);
  });

  it('refuses answers that are not a matching AdmissionReview', async () => {
    const plugin = await admission([], [webhook('odd.example.com')]);
    server.handler = () => ({ raw: '{}' });
    expect((await refusal(plugin.validate(request('create', pod())))).message).toBe('Internal error occurred: failed calling webhook "odd.example.com": received invalid webhook response: expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=');
    server.handler = () => ({ raw: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'other', allowed: true } }) });
    expect((await refusal(plugin.validate(request('create', pod())))).message).toMatch(/received invalid webhook response: expected response.uid="[0-9a-f-]+", got "other"$/);
    server.handler = () => ({ raw: 'oops', statusCode: 500 });
    expect((await refusal(plugin.validate(request('create', pod())))).message).toMatch(/failed to call webhook: Post "[^"]+": an error on the server \("oops"\) has prevented the request from succeeding$/);
  });

  it('sends v1beta1 reviews to webhooks that accept only v1beta1', async () => {
    const plugin = await admission([], [webhook('old.example.com', { admissionReviewVersions: ['v1beta1'] })]);
    await plugin.validate(request('create', pod()));
    expect(server.received[0].apiVersion).toBe('admission.k8s.io/v1beta1');
  });

  it('refuses dry runs for webhooks with side effects, and tells the others', async () => {
    const plugin = await admission([], [webhook('effects.example.com', { sideEffects: 'Some' })]);
    const e = await refusal(plugin.validate(request('create', pod(), undefined, { dryRun: true })));
    expect([e.code, e.message]).toEqual([400, 'admission webhook "effects.example.com" does not support dry run']);
    expect(server.received).toHaveLength(0);
    const safe = await admission([], [webhook('safe.example.com', { sideEffects: 'NoneOnDryRun' })]);
    await safe.validate(request('create', pod(), undefined, { dryRun: true }));
    expect(server.received[0].request).toMatchObject({ dryRun: true, options: { dryRun: ['All'] } });
  });

  it('matches rules, subresources and selectors before calling', async () => {
    const plugin = await admission([], [
      webhook('status.example.com', { rules: [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/status'] }] }),
      webhook('labelled.example.com', { objectSelector: { matchLabels: { check: 'yes' } } }),
      webhook('prod.example.com', { namespaceSelector: { matchLabels: { env: 'prod' } } }),
    ]);
    await plugin.validate(request('create', pod()));
    expect(server.received).toHaveLength(0);
    await plugin.validate(request('update', pod({ check: 'yes' }), pod()));
    await plugin.validate(request('update', pod(), pod(), {}, 'status'));
    expect(server.received.map((r) => [r.path.split('?')[0], r.request.subResource])).toEqual([
      ['/labelled.example.com', undefined],
      ['/status.example.com', 'status'],
    ]);
  });

  it('never sends webhook configurations to webhooks', async () => {
    const plugin = await admission([], [webhook('all.example.com')]);
    expect(plugin.handles(WEBHOOKS)).toBe(false);
    expect(plugin.handles(PODS)).toBe(true);
  });
});
