import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../../controllers/testing/test-api.js';
import { ObjectCache } from '../object-cache.js';
import { silentLogger } from '../../util/log.js';
import { containerEnv, EnvError, type EnvContext } from './env.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secrets = { group: '', version: 'v1', resource: 'secrets' };

function podWith(container: JsonObject, extra: JsonObject = {}): { pod: KubeObject; container: JsonObject } {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', labels: { app: 'web', tier: 'fe' } },
    spec: { nodeName: 'n1', serviceAccountName: 'default', containers: [container], ...extra },
  };
  return { pod, container };
}

const asMap = (env: { name: string; value: string }[]) => Object.fromEntries(env.map((e) => [e.name, e.value]));

describe('containerEnv (upstream makeEnvironmentVariables)', () => {
  let api: TestApi;
  let ctx: EnvContext;
  const warnings: string[] = [];
  beforeEach(async () => {
    api = await startTestApi();
    warnings.length = 0;
    ctx = {
      objects: new ObjectCache(api.client, api.informers, { clock: api.clock, logger: silentLogger }),
      runtimeFields: { podIPs: ['10.42.0.5'], hostIPs: ['192.168.1.10'] },
      allocatable: { cpu: '4', memory: '8Gi' },
      warn: (reason, message) => warnings.push(`${reason}: ${message}`),
    };
    await api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { MODE: 'fast', LEVEL: '3' } });
    await api.client.create(secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { PASSWORD: b64('hunter2') } });
  });
  afterEach(() => api.stop());

  it('resolves values, $(VAR) references, envFrom with prefix and every valueFrom kind', async () => {
    const { pod, container } = podWith({
      name: 'app',
      image: 'x',
      resources: { limits: { memory: '256Mi' }, requests: { cpu: '250m' } },
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'sec' } }, { configMapRef: { name: 'cfg' }, prefix: 'BAD=' }],
      env: [
        { name: 'GREETING', value: 'hello' },
        { name: 'MSG', value: '$(GREETING) world, $(UNDEFINED), $$(GREETING), $(CFG_MODE)' },
        { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
        { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'sec', key: 'PASSWORD' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
        { name: 'MEM_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      ],
    });
    const env = asMap(await containerEnv(pod, container, ctx));
    expect(env).toMatchObject({
      CFG_MODE: 'fast',
      CFG_LEVEL: '3',
      PASSWORD: 'hunter2',
      GREETING: 'hello',
      MSG: 'hello world, $(UNDEFINED), $(GREETING), fast',
      FROM_CM: 'fast',
      FROM_SECRET: 'hunter2',
      POD_NAME: 'web',
      POD_IP: '10.42.0.5',
      HOST_IP: '192.168.1.10',
      NODE: 'n1',
      APP: 'web',
      LABELS: 'app="web"\ntier="fe"',
      MEM_LIMIT_MI: '256',
      CPU_REQ_M: '250',
      // No cpu limit: the node's allocatable, rounded up to whole cores.
      CPU_LIMIT: '4',
    });
    // Names with `=` are not valid variable names: skipped with a warning event.
    expect(Object.keys(env).filter((k) => k.startsWith('BAD'))).toEqual([]);
    expect(warnings).toEqual(['InvalidEnvironmentVariableNames: Keys [BAD=LEVEL, BAD=MODE] from the EnvFrom configMap default/cfg were skipped since they are considered invalid environment variable names.']);
  });

  it('adds service link variables of the namespace and of the kubernetes service', async () => {
    await api.client.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-db' }, spec: { ports: [{ name: 'sql', port: 5432 }], selector: { app: 'db' } } });
    const svc = await api.client.get(resources.services, 'default', 'my-db');
    const ip = (svc.spec as JsonObject).clusterIP as string;
    // The kubelet reads services from its informer: wait until the watch has delivered it.
    await until(() => ctx.objects.informer('services').lister.get('default', 'my-db') !== undefined, 'the service in the informer');
    const { pod, container } = podWith({ name: 'app', image: 'x', env: [{ name: 'MY_DB_SERVICE_PORT', value: 'overridden' }] });
    const env = asMap(await containerEnv(pod, container, ctx));
    expect(env.MY_DB_SERVICE_HOST).toBe(ip);
    expect(env.MY_DB_SERVICE_PORT).toBe('overridden');
    expect(env.MY_DB_SERVICE_PORT_SQL).toBe('5432');
    expect(env.MY_DB_PORT).toBe(`tcp://${ip}:5432`);
    expect(env.MY_DB_PORT_5432_TCP_ADDR).toBe(ip);
    const { pod: noLinks, container: c2 } = podWith({ name: 'app', image: 'x' }, { enableServiceLinks: false });
    expect(asMap(await containerEnv(noLinks, c2, ctx)).MY_DB_SERVICE_HOST).toBeUndefined();
  });

  it('fails with upstream messages for missing objects and keys, unless optional', async () => {
    const missingCm = podWith({ name: 'app', image: 'x', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] });
    await expect(containerEnv(missingCm.pod, missingCm.container, ctx)).rejects.toThrow(new EnvError('configmap "nope" not found'));
    const missingKey = podWith({ name: 'app', image: 'x', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'sec', key: 'nokey' } } }] });
    await expect(containerEnv(missingKey.pod, missingKey.container, ctx)).rejects.toThrow("couldn't find key nokey in Secret default/sec");
    const missingFrom = podWith({ name: 'app', image: 'x', envFrom: [{ secretRef: { name: 'gone' } }] });
    await expect(containerEnv(missingFrom.pod, missingFrom.container, ctx)).rejects.toThrow('secret "gone" not found');
    const optional = podWith({
      name: 'app',
      image: 'x',
      envFrom: [{ secretRef: { name: 'gone', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'missing', optional: true } } },
        { name: 'C', value: 'c' },
      ],
    });
    const env = asMap(await containerEnv(optional.pod, optional.container, ctx));
    expect(env.A).toBeUndefined();
    expect(env.B).toBeUndefined();
    expect(env.C).toBe('c');
  });
});
