import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { IndexedStore } from './shared-informer.js';

const pod = (name: string, node: string, labels: Record<string, string>, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels, resourceVersion: rv },
  spec: { nodeName: node },
});

describe('IndexedStore', () => {
  it('keeps indexes right through updates that change some, all or none of an object’s index values', () => {
    const store = new IndexedStore({
      node: (o) => (o.spec as { nodeName?: string }).nodeName ? [(o.spec as { nodeName: string }).nodeName] : [],
      label: (o) => Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    });
    const names = (index: string, value: string) => store.byIndex(index, value).map((o) => o.metadata.name).sort();
    store.upsert(pod('a', 'n1', { app: 'x', tier: 'web' }, '1'));
    store.upsert(pod('b', 'n1', { app: 'x' }, '2'));
    expect(names('node', 'n1')).toEqual(['a', 'b']);
    // Nothing indexed changes: the new object is what the indexes return.
    store.upsert(pod('a', 'n1', { app: 'x', tier: 'web' }, '3'));
    expect(store.byIndex('node', 'n1').find((o) => o.metadata.name === 'a')?.metadata.resourceVersion).toBe('3');
    // One of several values changes.
    store.upsert(pod('a', 'n1', { app: 'x', tier: 'db' }, '4'));
    expect(names('label', 'tier=web')).toEqual([]);
    expect(names('label', 'tier=db')).toEqual(['a']);
    expect(names('label', 'app=x')).toEqual(['a', 'b']);
    // Every value changes; values go away entirely.
    store.upsert(pod('b', 'n2', {}, '5'));
    expect(names('node', 'n1')).toEqual(['a']);
    expect(names('node', 'n2')).toEqual(['b']);
    expect(names('label', 'app=x')).toEqual(['a']);
    store.remove('default/a');
    expect(names('node', 'n1')).toEqual([]);
    expect(names('label', 'app=x')).toEqual([]);
    expect(names('namespace', 'default')).toEqual(['b']);
  });
});
