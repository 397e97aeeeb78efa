import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../object.js';
import { crdTablePrinter } from './crd-table.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');

const widget: KubeObject = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w1', namespace: 'default', creationTimestamp: '2025-06-01T11:00:00Z' },
  spec: { replicas: 3, ratio: 0.75, size: 2.9, enabled: true, color: 'red', tags: ['a', 'b'], config: { b: 1, a: 'x' }, nothing: null },
  status: {
    lastSync: '2025-06-01T11:58:00Z',
    broken: 'not a time',
    conditions: [
      { type: 'Synced', status: 'True' },
      { type: 'Ready', status: 'False' },
    ],
  },
};

describe('crdTablePrinter', () => {
  it('adds only Name and Age when the CRD declares no columns', () => {
    const p = crdTablePrinter([]);
    expect(p.columns.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0],
      ['Age', 'date', '', 0],
    ]);
    expect(p.row(widget, NOW)).toEqual(['w1', '60m']);
    expect(p.problem).toBeUndefined();
  });

  it('does not add Age when columns are declared', () => {
    const p = crdTablePrinter([
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1, description: 'Readiness' },
    ]);
    expect(p.columns.map((c) => c.name)).toEqual(['Name', 'Replicas', 'Ready']);
    expect(p.columns[2]).toMatchObject({ priority: 1, description: 'Readiness' });
    expect(p.row(widget, NOW)).toEqual(['w1', 3, 'False']);
  });

  it('formats cells by column type', () => {
    const p = crdTablePrinter([
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio' },
      { name: 'On', type: 'boolean', jsonPath: '.spec.enabled' },
      { name: 'Synced', type: 'date', jsonPath: '.status.lastSync' },
      { name: 'Broken', type: 'date', jsonPath: '.status.broken' },
      { name: 'Tags', type: 'string', jsonPath: '.spec.tags' },
      { name: 'Config', type: 'string', jsonPath: '.spec.config' },
      { name: 'Count', type: 'string', jsonPath: '.spec.replicas' },
      { name: 'Null', type: 'string', jsonPath: '.spec.nothing' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.absent' },
      { name: 'Wrong', type: 'boolean', jsonPath: '.spec.color' },
      { name: 'First', type: 'string', jsonPath: '.spec.tags[*]' },
      { name: 'OutOfRange', type: 'string', jsonPath: '.spec.tags[5]' },
    ]);
    expect(p.row(widget, NOW)).toEqual(['w1', 2, 0.75, true, '2m', '<invalid>', '["a","b"]', '{"a":"x","b":1}', '3', '<no value>', null, null, 'a', null]);
  });

  it('keeps the columns before an unparseable JSONPath and reports it', () => {
    const p = crdTablePrinter([
      { name: 'Color', type: 'string', jsonPath: '.spec.color' },
      { name: 'Bad', type: 'string', jsonPath: '.spec[' },
      { name: 'After', type: 'string', jsonPath: '.spec.color' },
    ]);
    expect(p.problem).toBe('unrecognized column definition ".spec["');
    expect(p.columns.map((c) => c.name)).toEqual(['Name', 'Color']);
    expect(p.row(widget, NOW)).toEqual(['w1', 'red']);
  });
});
