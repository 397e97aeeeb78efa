import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { JsonObject, KubeObject } from '../api/object.js';
import { resources } from '../client/client.js';
import { startTestApi, type TestApi } from '../controllers/testing/test-api.js';

let api: TestApi;

afterEach(async () => {
  await api?.stop();
});

async function createPod(name: string, annotations?: Record<string, string>): Promise<KubeObject> {
  return api.client.create(resources.pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'a' }, ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'app', image: 'example/app:1' }], ...(annotations ? { nodeName: 'n1' } : {}) },
  });
}

const debugger_ = (name: string, extra: JsonObject = {}): JsonObject => ({ name, image: 'example/busybox:1', command: ['sh'], stdin: true, tty: true, ...extra });
const ephemeral = (o: KubeObject) => ((o.spec as JsonObject).ephemeralContainers ?? []) as JsonObject[];

async function rejected(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

describe('pods/ephemeralcontainers', () => {
  it('a strategic merge patch adds an ephemeral container, defaulted; nothing else in the body changes the pod', async () => {
    api = await startTestApi();
    const pod = await createPod('p');
    const kubectl = api.client.withFieldManager('kubectl-debug');
    const patched = await kubectl.patch(
      resources.pods,
      'default',
      'p',
      'strategic',
      { metadata: { labels: { app: 'changed' } }, spec: { ephemeralContainers: [debugger_('debugger-1', { targetContainerName: 'app' })], activeDeadlineSeconds: 5 } },
      { subresource: 'ephemeralcontainers' },
    );
    expect(ephemeral(patched)).toEqual([
      expect.objectContaining({ name: 'debugger-1', targetContainerName: 'app', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }),
    ]);
    expect(patched.metadata.labels).toEqual({ app: 'a' });
    expect((patched.spec as JsonObject).activeDeadlineSeconds).toBeUndefined();
    expect((patched.metadata.managedFields ?? []).some((f) => f.manager === 'kubectl-debug' && f.subresource === 'ephemeralcontainers')).toBe(true);
    expect(Number(patched.metadata.resourceVersion)).toBeGreaterThan(Number(pod.metadata.resourceVersion));

    // A second one is added beside the first (as kubectl debug sends it, with the element order);
    // a PUT of the same object is a no-op.
    const two = await kubectl.patch(
      resources.pods,
      'default',
      'p',
      'strategic',
      { spec: { '$setElementOrder/ephemeralContainers': [{ name: 'debugger-1' }, { name: 'debugger-2' }], ephemeralContainers: [debugger_('debugger-2')] } },
      { subresource: 'ephemeralcontainers' },
    );
    expect(ephemeral(two).map((c) => c.name)).toEqual(['debugger-1', 'debugger-2']);
    const same = await kubectl.update(resources.pods, 'default', two, { subresource: 'ephemeralcontainers' });
    expect(same.metadata.resourceVersion).toBe(two.metadata.resourceVersion);
  });

  it('the main resource still refuses ephemeral containers', async () => {
    api = await startTestApi();
    const pod = await createPod('p');
    const e = await rejected(api.client.update(resources.pods, 'default', { ...pod, spec: { ...(pod.spec as JsonObject), ephemeralContainers: [debugger_('d')] } }));
    expect(e.code).toBe(422);
  });

  it('existing ephemeral containers may be neither changed nor removed', async () => {
    api = await startTestApi();
    await createPod('p');
    const added = await api.client.patch(resources.pods, 'default', 'p', 'strategic', { spec: { ephemeralContainers: [debugger_('d')] } }, { subresource: 'ephemeralcontainers' });
    const changed = structuredClone(added);
    ephemeral(changed)[0].image = 'example/busybox:2';
    const e = await rejected(api.client.update(resources.pods, 'default', changed, { subresource: 'ephemeralcontainers' }));
    expect(e.code).toBe(422);
    expect(e.message).toContain('Pod "p" is invalid: spec.ephemeralContainers[d]: Forbidden: existing ephemeral containers "d" may not be changed');
    expect(e.message).toContain('+ image: "example/busybox:2"');

    const removed = { ...added, spec: { ...(added.spec as JsonObject), ephemeralContainers: [] } };
    const r = await rejected(api.client.update(resources.pods, 'default', removed, { subresource: 'ephemeralcontainers' }));
    expect(r.message).toContain('spec.ephemeralContainers: Forbidden: existing ephemeral containers "d" may not be removed');
  });

  it('names must be unique among all containers; ports, probes, lifecycle and resources are forbidden', async () => {
    api = await startTestApi();
    await createPod('p');
    const dup = await rejected(api.client.patch(resources.pods, 'default', 'p', 'strategic', { spec: { ephemeralContainers: [debugger_('app')] } }, { subresource: 'ephemeralcontainers' }));
    expect(dup.message).toContain('spec.ephemeralContainers[0].name: Duplicate value: "app"');
    const bad = await rejected(
      api.client.patch(
        resources.pods,
        'default',
        'p',
        'strategic',
        {
          spec: {
            ephemeralContainers: [
              debugger_('d', {
                ports: [{ containerPort: 80 }],
                readinessProbe: { exec: { command: ['true'] } },
                lifecycle: { preStop: { exec: { command: ['true'] } } },
                resources: { limits: { cpu: '1' } },
                targetContainerName: 'nope',
              }),
            ],
          },
        },
        { subresource: 'ephemeralcontainers' },
      ),
    );
    expect(bad.code).toBe(422);
    for (const f of ['ports', 'readinessProbe', 'lifecycle', 'resources']) expect(bad.message).toContain(`spec.ephemeralContainers[0].${f}: Forbidden: cannot be set for an Ephemeral Container`);
    expect(bad.message).toContain('spec.ephemeralContainers[0].targetContainerName: Not found: "nope"');
  });

  it('static (mirror) pods take no ephemeral containers', async () => {
    api = await startTestApi();
    await createPod('m', { 'kubernetes.io/config.mirror': 'abc' });
    const e = await rejected(api.client.patch(resources.pods, 'default', 'm', 'strategic', { spec: { ephemeralContainers: [debugger_('d')] } }, { subresource: 'ephemeralcontainers' }));
    expect(e.message).toContain('Forbidden: static pods do not support ephemeral containers');
  });
});
