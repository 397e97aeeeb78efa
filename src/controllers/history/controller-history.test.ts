import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/index.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  ControllerHistory,
  controllerRevisionName,
  controllerRevisionsResource,
  equalRevision,
  findEqualRevisions,
  newControllerRevision,
  nextRevision,
  revisionsBeyondLimit,
  sortControllerRevisions,
} from './controller-history.js';
import { canonicalJson, computeTemplateHash, Fnv32, hashRevisionData, safeEncodeString } from './hash.js';

const owner: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'uid-web' } };
const kind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

function rev(name: string, revision: number, data: unknown = { v: name }, creationTimestamp = '2025-01-01T00:00:00Z'): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name, namespace: 'default', creationTimestamp }, data, revision };
}

describe('revision hashing', () => {
  it('implements FNV-32 and FNV-32a', () => {
    // Reference values of Go's hash/fnv for "hello".
    expect(new Fnv32('32').writeString('hello').sum32()).toBe(0xb6fa7167);
    expect(new Fnv32('32a').writeString('hello').sum32()).toBe(0x4f9f2cab);
  });

  it('encodes with the safe alphabet (no vowels)', () => {
    expect(safeEncodeString('1234567890')).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(safeEncodeString('0')).toBe(safeEncodeString('0'));
  });

  it('is independent of key order and sensitive to content and collision count', () => {
    const a = { spec: { containers: [{ name: 'c', image: 'x' }] }, metadata: { labels: { app: 'web' } } };
    const b = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ image: 'x', name: 'c' }] } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(computeTemplateHash(a)).toBe(computeTemplateHash(b));
    expect(computeTemplateHash(a)).not.toBe(computeTemplateHash({ ...a, spec: { containers: [{ name: 'c', image: 'y' }] } }));
    expect(computeTemplateHash(a, 1)).not.toBe(computeTemplateHash(a));
    expect(hashRevisionData(a, 0)).toBe(hashRevisionData(b, 0));
    expect(hashRevisionData(a, 0)).not.toBe(hashRevisionData(a, 1));
  });

  it('names revisions <owner>-<hash>, cutting long owner names to 223 characters', () => {
    expect(controllerRevisionName('web', 'abc')).toBe('web-abc');
    expect(controllerRevisionName('x'.repeat(300), 'h')).toBe(`${'x'.repeat(223)}-h`);
    const cr = newControllerRevision(owner, kind, { app: 'web' }, { spec: {} }, 3, 0);
    expect(cr.metadata.name).toBe(`web-${cr.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]}`);
    expect(cr).toMatchObject({ revision: 3, metadata: { namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }] } });
  });
});

describe('revision ordering and limits', () => {
  it('sorts by revision, then creation time, then name', () => {
    const sorted = sortControllerRevisions([rev('c', 2), rev('b', 1, {}, '2025-01-02T00:00:00Z'), rev('a', 1, {}, '2025-01-02T00:00:00Z'), rev('z', 1)]);
    expect(sorted.map((r) => r.metadata.name)).toEqual(['z', 'a', 'b', 'c']);
    expect(nextRevision(sorted)).toBe(3);
    expect(nextRevision([])).toBe(1);
  });

  it('compares revisions by data', () => {
    expect(equalRevision(rev('a', 1, { x: 1, y: [1] }), rev('b', 2, { y: [1], x: 1 }))).toBe(true);
    expect(equalRevision(rev('a', 1, { x: 1 }), rev('b', 2, { x: 2 }))).toBe(false);
    expect(equalRevision(undefined, undefined)).toBe(true);
    expect(findEqualRevisions([rev('a', 1, 1), rev('b', 2, 2), rev('c', 3, 1)], rev('n', 0, 1)).map((r) => r.metadata.name)).toEqual(['a', 'c']);
  });

  it('deletes the oldest non-live revisions beyond the limit', () => {
    const revs = [1, 2, 3, 4, 5].map((n) => rev(`r${n}`, n));
    expect(revisionsBeyondLimit(revs, new Set(['r5', 'r1']), 2).map((r) => r.metadata.name)).toEqual(['r2']);
    expect(revisionsBeyondLimit(revs, new Set(['r5']), 0).map((r) => r.metadata.name)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(revisionsBeyondLimit(revs, new Set(), 10)).toEqual([]);
    expect(revisionsBeyondLimit(revs, new Set(), -1)).toEqual([]);
  });
});

describe('ControllerHistory', () => {
  let api: TestApi;
  let history: ControllerHistory;
  let parent: KubeObject;
  beforeEach(async () => {
    api = await startTestApi();
    const informer = api.informers.informer(controllerRevisionsResource);
    history = new ControllerHistory({ client: api.client, informer, fieldManager: 'test' });
    await informer.waitForSync(api.signal);
    parent = await api.client.create({ group: 'apps', version: 'v1', resource: 'statefulsets' }, 'default', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: { serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    });
  });
  afterEach(() => api.stop());

  const selector = labelSelectorFromObject({ matchLabels: { app: 'web' } });

  it('creates revisions, returning an existing equal one and stepping around name collisions', async () => {
    const count = { value: 0 };
    const first = await history.createControllerRevision(parent, newControllerRevision(parent, kind, { app: 'web' }, { v: 1 }, 1, 0), count);
    expect(count.value).toBe(0);
    const again = await history.createControllerRevision(parent, newControllerRevision(parent, kind, { app: 'web' }, { v: 1 }, 1, 0), count);
    expect(again.metadata.uid).toBe(first.metadata.uid);

    // Squat the name the next revision would get, with other data: the collision count moves on.
    const next = newControllerRevision(parent, kind, { app: 'web' }, { v: 2 }, 2, 0);
    await api.client.create(controllerRevisionsResource, 'default', { ...next, data: { squatter: true }, metadata: { ...next.metadata, ownerReferences: [] } });
    const created = await history.createControllerRevision(parent, next, count);
    expect(count.value).toBe(1);
    expect(created.metadata.name).toBe(controllerRevisionName('web', hashRevisionData({ v: 2 }, 1)));
    expect(created.data).toEqual({ v: 2 });

    await until(() => history.listControllerRevisions(parent, selector).length === 3, 'listed');
    // Owned revisions plus the orphan squatter (which matches the selector and could be adopted).
    expect(history.listControllerRevisions(parent, selector).map((r) => r.data)).toEqual(expect.arrayContaining([{ v: 1 }, { v: 2 }, { squatter: true }]));
  });

  it('renumbers, adopts, releases and deletes revisions', async () => {
    const count = { value: 0 };
    const r = await history.createControllerRevision(parent, newControllerRevision(parent, kind, { app: 'web' }, { v: 1 }, 1, 0), count);
    const renumbered = await history.updateControllerRevision(r, 7);
    expect(renumbered.revision).toBe(7);

    const released = await history.releaseControllerRevision(parent, renumbered);
    expect(released?.metadata.ownerReferences ?? []).toEqual([]);
    await expect(history.adoptControllerRevision(parent, kind, r)).rejects.toThrow(/attempt to adopt revision owned by/);
    const adopted = await history.adoptControllerRevision(parent, kind, released as KubeObject);
    expect(adopted.metadata.ownerReferences).toMatchObject([{ uid: parent.metadata.uid, controller: true }]);

    await history.deleteControllerRevision(adopted);
    await history.deleteControllerRevision(adopted); // already gone: no error
    await expect(api.client.get(controllerRevisionsResource, 'default', r.metadata.name ?? '')).rejects.toMatchObject({ code: 404 });
  });
});
