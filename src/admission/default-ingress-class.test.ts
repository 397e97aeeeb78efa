import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import { DefaultIngressClassPlugin } from './default-ingress-class.js';

const INGRESS = { group: 'networking.k8s.io', kind: 'Ingress', plural: 'ingresses' } as unknown as ResourceDef;
const cls = (name: string, created: string, isDefault: boolean): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller: `example.com/${name}` },
});
const ingress = (spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'd', ...(annotations ? { annotations } : {}) }, spec });
const user = { username: 'u', groups: [] };

async function admitted(classes: KubeObject[], object: KubeObject, operation: 'create' | 'update' = 'create'): Promise<KubeObject> {
  await new DefaultIngressClassPlugin(async () => classes).admit({ operation, def: INGRESS, object, old: undefined, ctx: { user } });
  return object;
}

describe('DefaultIngressClassPlugin', () => {
  it('gives a class-less Ingress the default class, the newest when several are marked', async () => {
    expect((await admitted([cls('a', '2026-01-01T00:00:00Z', true), cls('b', '2026-02-01T00:00:00Z', false)], ingress())).spec).toEqual({ ingressClassName: 'a' });
    expect((await admitted([cls('old', '2026-01-01T00:00:00Z', true), cls('new', '2026-03-01T00:00:00Z', true)], ingress({ rules: [] }))).spec).toEqual({ rules: [], ingressClassName: 'new' });
  });

  it('leaves Ingresses that name a class (either way), updates, and clusters without a default alone', async () => {
    const classes = [cls('a', '2026-01-01T00:00:00Z', true)];
    expect((await admitted(classes, ingress({ ingressClassName: 'x' }))).spec).toEqual({ ingressClassName: 'x' });
    expect((await admitted(classes, ingress({}, { 'kubernetes.io/ingress.class': 'nginx' }))).spec).toEqual({});
    expect((await admitted(classes, ingress(), 'update')).spec).toEqual({});
    expect((await admitted([cls('b', '2026-01-01T00:00:00Z', false)], ingress())).spec).toEqual({});
  });
});
