import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { JsonObject } from '../object.js';
import { schemaFromRegistry } from './schema-from-registry.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { CONFIG_MAP, DEPLOYMENT, SERVICE, fixtureRegistry } from './testing/fixture-schemas.js';

const registry = fixtureRegistry();
const deploymentSchema = schemaFromRegistry(registry, DEPLOYMENT);
const serviceSchema = schemaFromRegistry(registry, SERVICE);
const configMapSchema = schemaFromRegistry(registry, CONFIG_MAP);

function deployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' }, finalizers: ['a.io/x', 'b.io/y'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'front' } },
        spec: {
          containers: [
            {
              name: 'a',
              image: 'nginx:1.24',
              args: ['x', 'y'],
              env: [{ name: 'X', value: '1' }],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              volumeMounts: [
                { name: 'v1', mountPath: '/a' },
                { name: 'v2', mountPath: '/b' },
              ],
            },
            { name: 'b', image: 'busybox' },
          ],
          volumes: [
            { name: 'v1', emptyDir: {} },
            { name: 'v2', configMap: { name: 'cm' } },
          ],
        },
      },
    },
  };
}

function apply(doc: JsonObject, patch: JsonObject, schema = deploymentSchema): JsonObject {
  return applyStrategicMergePatch(doc, patch, schema);
}

function podSpec(obj: JsonObject): JsonObject {
  return ((obj.spec as JsonObject).template as JsonObject).spec as JsonObject;
}

function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('applyStrategicMergePatch: the kubectl apply patch of the notes (§8.3)', () => {
  const patch: JsonObject = {
    metadata: { '$deleteFromPrimitiveList/finalizers': ['b.io/y'], '$setElementOrder/finalizers': ['a.io/x'] },
    spec: {
      strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
          '$setElementOrder/volumes': [{ name: 'v2' }],
          containers: [{ '$setElementOrder/volumeMounts': [{ mountPath: '/b' }], args: ['z'], name: 'a', volumeMounts: [{ $patch: 'delete', mountPath: '/a' }] }],
          volumes: [
            { $retainKeys: ['name', 'secret'], configMap: null, name: 'v2', secret: { secretName: 's' } },
            { $patch: 'delete', name: 'v1' },
          ],
        },
      },
    },
  };

  it('applies every directive and persists none', () => {
    const out = apply(deployment(), patch);
    expect((out.metadata as JsonObject).finalizers).toEqual(['a.io/x']);
    expect((out.spec as JsonObject).strategy).toEqual({ type: 'Recreate' });
    const spec = podSpec(out);
    expect((spec.containers as JsonObject[]).map((c) => c.name)).toEqual(['b', 'a']);
    const a = (spec.containers as JsonObject[])[1];
    expect(a.args).toEqual(['z']);
    expect(a.volumeMounts).toEqual([{ name: 'v2', mountPath: '/b' }]);
    expect(a.image).toBe('nginx:1.24');
    expect(spec.volumes).toEqual([{ name: 'v2', secret: { secretName: 's' } }]);
    expect(JSON.stringify(out)).not.toContain('$');
  });

  it('does not modify its inputs', () => {
    const doc = deployment();
    const before = JSON.stringify(doc);
    const p = structuredClone(patch);
    apply(doc, p);
    expect(JSON.stringify(doc)).toBe(before);
    expect(p).toEqual(patch);
  });
});

describe('applyStrategicMergePatch: patches real kubectl apply produces', () => {
  it('changes a container image', () => {
    const out = apply(deployment(), {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ image: 'nginx:1.25', name: 'a' }] } } },
    });
    const containers = podSpec(out).containers as JsonObject[];
    expect(containers.map((c) => [c.name, c.image])).toEqual([
      ['a', 'nginx:1.25'],
      ['b', 'busybox'],
    ]);
    // Untouched members of the merged container survive.
    expect(containers[0].env).toEqual([{ name: 'X', value: '1' }]);
  });

  it('adds a container at the position $setElementOrder gives', () => {
    const out = apply(deployment(), {
      spec: {
        template: {
          spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }, { name: 'b' }], containers: [{ image: 'redis', name: 'c' }] },
        },
      },
    });
    expect((podSpec(out).containers as JsonObject[]).map((c) => c.name)).toEqual(['a', 'c', 'b']);
  });

  it('removes a container with $patch: delete', () => {
    const out = apply(deployment(), {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ $patch: 'delete', name: 'b' }] } } },
    });
    expect((podSpec(out).containers as JsonObject[]).map((c) => c.name)).toEqual(['a']);
  });

  it('adds an environment variable to a container', () => {
    const out = apply(deployment(), {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
            containers: [{ '$setElementOrder/env': [{ name: 'X' }, { name: 'Y' }], env: [{ name: 'Y', value: '2' }], name: 'a' }],
          },
        },
      },
    });
    expect((podSpec(out).containers as JsonObject[])[0].env).toEqual([
      { name: 'X', value: '1' },
      { name: 'Y', value: '2' },
    ]);
  });

  it('switches the strategy from RollingUpdate to Recreate with $retainKeys', () => {
    const out = apply(deployment(), { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } });
    expect((out.spec as JsonObject).strategy).toEqual({ type: 'Recreate' });
  });

  it('removes a label with null', () => {
    const out = apply(deployment(), { metadata: { labels: { tier: null } }, spec: { template: { metadata: { labels: { tier: null } } } } });
    expect((out.metadata as JsonObject).labels).toEqual({ app: 'web' });
    expect(((out.spec as JsonObject).template as JsonObject).metadata).toEqual({ labels: { app: 'web' } });
  });

  it('replaces atomic lists (args, tolerations) wholesale', () => {
    const doc = deployment();
    podSpec(doc).tolerations = [{ key: 'a', operator: 'Exists' }];
    const out = apply(doc, {
      spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }], containers: [{ name: 'a', args: ['only'] }] } } },
    });
    expect(podSpec(out).tolerations).toEqual([{ key: 'b', operator: 'Exists' }]);
    expect((podSpec(out).containers as JsonObject[])[0].args).toEqual(['only']);
  });

  it('merges container ports by containerPort', () => {
    const out = apply(deployment(), { spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } } } });
    expect((podSpec(out).containers as JsonObject[])[0].ports).toEqual([
      { containerPort: 80, protocol: 'TCP', name: 'http' },
      { containerPort: 443 },
    ]);
  });

  it('merges service ports by port; maps merge by key; atomic lists are replaced', () => {
    const svc: JsonObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'a', tier: 't' }, externalIPs: ['1.1.1.1'] },
    };
    const out = apply(svc, { spec: { ports: [{ port: 443, targetPort: 8443 }], selector: { tier: null }, externalIPs: ['2.2.2.2'] } }, serviceSchema);
    // Items new to the live list come before the remaining live items (upstream ordering).
    expect((out.spec as JsonObject).ports).toEqual([
      { port: 443, targetPort: 8443 },
      { port: 80, targetPort: 8080 },
    ]);
    expect((out.spec as JsonObject).selector).toEqual({ app: 'a' });
    expect((out.spec as JsonObject).externalIPs).toEqual(['2.2.2.2']);
  });
});

describe('applyStrategicMergePatch: directives', () => {
  it('$patch: replace on a map replaces it', () => {
    const out = apply(deployment(), { metadata: { labels: { $patch: 'replace', only: 'x' } } });
    expect((out.metadata as JsonObject).labels).toEqual({ only: 'x' });
  });

  it('$patch: delete on a map empties it', () => {
    const out = apply(deployment(), { metadata: { labels: { $patch: 'delete' } } });
    expect((out.metadata as JsonObject).labels).toEqual({});
  });

  it('$patch: replace as a list item replaces the list', () => {
    const out = apply(deployment(), { spec: { template: { spec: { containers: [{ name: 'z', image: 'z' }, { $patch: 'replace' }] } } } });
    expect(podSpec(out).containers).toEqual([{ name: 'z', image: 'z' }]);
  });

  it('$patch: delete removes every item with the merge key', () => {
    const doc = deployment();
    podSpec(doc).containers = [{ name: 'a' }, { name: 'a', image: 'dup' }, { name: 'b' }];
    const out = apply(doc, { spec: { template: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } } } });
    expect(podSpec(out).containers).toEqual([{ name: 'b' }]);
  });

  it('$deleteFromPrimitiveList removes values and merged primitive lists behave as sets', () => {
    const out = apply(deployment(), { metadata: { finalizers: ['c.io/z', 'a.io/x'], '$deleteFromPrimitiveList/finalizers': ['b.io/y'] } });
    // The patch's order wins over the live order.
    expect((out.metadata as JsonObject).finalizers).toEqual(['c.io/z', 'a.io/x']);
  });

  it('new merge-list items are placed before the remaining live items, as upstream orders them', () => {
    const doc = deployment();
    podSpec(doc).containers = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];
    const out = apply(doc, { spec: { template: { spec: { containers: [{ name: 'b', image: 'x' }, { name: 'd' }] } } } });
    expect((podSpec(out).containers as JsonObject[]).map((c) => c.name)).toEqual(['a', 'b', 'd', 'c']);
  });

  it('drops content the document lacks when it carries $patch (upstream quirk) and nulls inside new content', () => {
    const doc = deployment();
    const out = apply(doc, { metadata: { annotations: { $patch: 'replace', a: 'b' } }, spec: { template: { spec: { securityContext: { runAsUser: 1, runAsNonRoot: null } } } } });
    expect((out.metadata as JsonObject).annotations).toBeUndefined();
    expect(podSpec(out).securityContext).toEqual({ runAsUser: 1 });
  });

  it('strips directive keys from newly added list items', () => {
    const out = apply(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'n', image: 'i', '$setElementOrder/env': [{ name: 'E' }], env: [{ name: 'E', value: 'v' }] }] } } },
    });
    // Without $setElementOrder, a new item goes before the live ones.
    expect((podSpec(out).containers as JsonObject[])[0]).toEqual({ name: 'n', image: 'i', env: [{ name: 'E', value: 'v' }] });
  });

  it('a null for a missing key and maps of unknown fields merge recursively', () => {
    const cm: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' }, extra: { x: { y: 1 } } };
    const out = apply(cm, { data: { b: '2', zz: null }, extra: { x: { z: 2 } } }, configMapSchema);
    expect(out.data).toEqual({ a: '1', b: '2' });
    expect(out.extra).toEqual({ x: { y: 1, z: 2 } });
  });
});

describe('applyStrategicMergePatch: errors worded and coded as upstream', () => {
  it('400 for a malformed $retainKeys', () => {
    const e = apiErrorOf(() => apply(deployment(), { spec: { strategy: { $retainKeys: 'type', type: 'Recreate' } } }));
    expect([e.code, e.reason, e.message]).toEqual([400, 'BadRequest', 'invalid patch format of retainKeys']);
  });

  it('400 when the patch sets a key $retainKeys does not list', () => {
    const e = apiErrorOf(() => apply(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }));
    expect([e.code, e.message]).toEqual([400, 'invalid patch format of retainKeys']);
  });

  it('400 for a malformed $setElementOrder or $deleteFromPrimitiveList key', () => {
    expect(apiErrorOf(() => apply(deployment(), { metadata: { $setElementOrderfinalizers: [] } })).message).toBe('invalid patch format of setElementOrder list');
    const e = apiErrorOf(() => apply(deployment(), { metadata: { $deleteFromPrimitiveListx: ['a'] } }));
    expect([e.code, e.message]).toEqual([400, 'invalid patch format of primitive list']);
  });

  it('500 with the Go-formatted text for an item without its merge key', () => {
    const e = apiErrorOf(() => apply(deployment(), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }));
    expect(e.code).toBe(500);
    expect(e.message).toBe('map: map[image:x] does not contain declared merge key: name');
  });

  it('500 for an unknown $patch value and for $patch: merge', () => {
    expect(apiErrorOf(() => apply(deployment(), { metadata: { labels: { $patch: 'merge', a: 'b' } } })).message).toBe('unknown patch type: merge in map: map[$patch:merge a:b]');
    expect(apiErrorOf(() => apply(deployment(), { spec: { template: { spec: { containers: [{ $patch: 'merge', name: 'a' }] } } } })).message).toBe(
      'merging lists cannot yet be specified in the patch',
    );
  });

  it('422 for lists of lists', () => {
    const doc = deployment();
    (doc.metadata as JsonObject).finalizers = [['x']];
    const e = apiErrorOf(() => apply(doc, { metadata: { finalizers: [['y']] } }));
    expect([e.code, e.reason, e.message]).toEqual([422, 'Invalid', 'the server rejected our request due to an error in our request']);
  });

  it('500 when the patch list disagrees with $setElementOrder', () => {
    const e = apiErrorOf(() =>
      apply(deployment(), { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b', image: 'x' }] } } } }),
    );
    expect(e.code).toBe(500);
    expect(e.message).toContain("doesn't match $setElementOrder list");
  });
});
