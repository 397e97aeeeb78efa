import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../../api/object.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { RESOURCE_QUOTAS, ResourceQuotaController } from './resource-quota-controller.js';

const NS = 'default';
const DEPLOY: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments' };
const SECRETS: ResourceRef = { group: '', version: 'v1', resource: 'secrets' };
const PVCS: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };

describe('ResourceQuotaController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new ResourceQuotaController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const pod = (name: string, requests?: Record<string, string>, limits?: Record<string, string>, spec: JsonObject = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }], ...spec },
  });
  const createQuota = (name: string, hard: Record<string, string>, extra: JsonObject = {}) =>
    api.client.create(RESOURCE_QUOTAS, NS, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard, ...extra } });
  const used = async (name: string): Promise<Record<string, string> | undefined> => ((await api.client.get(RESOURCE_QUOTAS, NS, name)).status as JsonObject | undefined)?.used as Record<string, string> | undefined;
  const usedIs = (name: string, want: Record<string, string>) => async () => {
    const u = await used(name);
    return u !== undefined && Object.entries(want).every(([k, v]) => u[k] === v);
  };
  const setPhase = async (name: string, phase: string) => {
    const p = await api.client.get(resources.pods, NS, name);
    await api.client.update(resources.pods, NS, { ...p, status: { ...(p.status as JsonObject), phase } }, { subresource: 'status' });
  };

  it('counts objects and sums compute resources; mirrors spec.hard', async () => {
    await api.client.create(resources.pods, NS, pod('a', { cpu: '500m', memory: '128Mi' }, { cpu: '1', memory: '256Mi' }));
    await api.client.create(resources.pods, NS, pod('b', { cpu: '1500m', memory: '128Mi' }, { cpu: '2', memory: '256Mi' }));
    await api.client.create(resources.pods, NS, pod('done', { cpu: '4' }));
    await setPhase('done', 'Succeeded');
    await api.client.create(resources.configmaps, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    await api.client.create(SECRETS, NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } });
    await api.client.create(resources.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } });
    await api.client.create(resources.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    await api.client.create(PVCS, NS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } });
    await api.client.create(DEPLOY, NS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });

    const hard = {
      pods: '10',
      'count/pods': '10',
      'requests.cpu': '4',
      'requests.memory': '1Gi',
      'limits.cpu': '8',
      'limits.memory': '2Gi',
      configmaps: '5',
      secrets: '5',
      services: '5',
      'services.nodeports': '5',
      'services.loadbalancers': '1',
      persistentvolumeclaims: '2',
      'requests.storage': '10Gi',
      'count/deployments.apps': '3',
      resourcequotas: '1',
    };
    await createQuota('all', hard);
    await until(async () => (await used('all')) !== undefined, 'status calculated');
    const q = await api.client.get(RESOURCE_QUOTAS, NS, 'all');
    expect((q.status as JsonObject).hard).toEqual(hard);
    expect((q.status as JsonObject).used).toEqual({
      pods: '2',
      'count/pods': '3',
      'requests.cpu': '2',
      'requests.memory': '256Mi',
      'limits.cpu': '3',
      'limits.memory': '512Mi',
      configmaps: '1',
      secrets: '1',
      services: '2',
      'services.nodeports': '3',
      'services.loadbalancers': '1',
      persistentvolumeclaims: '1',
      'requests.storage': '2Gi',
      'count/deployments.apps': '1',
      resourcequotas: '1',
    });
  });

  it('replenishes on deletion and when pods finish; recounts creations on resync', async () => {
    await api.client.create(resources.pods, NS, pod('a', { cpu: '1' }));
    await api.client.create(resources.pods, NS, pod('b', { cpu: '1' }));
    await createQuota('q', { pods: '5', 'requests.cpu': '5', configmaps: '5' });
    await until(usedIs('q', { pods: '2', 'requests.cpu': '2', configmaps: '0' }), 'initial usage');

    await api.client.delete(resources.pods, NS, 'a');
    await until(usedIs('q', { pods: '1', 'requests.cpu': '1' }), 'after delete');
    await setPhase('b', 'Failed');
    await until(usedIs('q', { pods: '0', 'requests.cpu': '0' }), 'after b failed');

    // Creations are charged by the ResourceQuota admission plugin as they are admitted.
    await api.client.create(resources.configmaps, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } });
    await until(usedIs('q', { configmaps: '1' }), 'charged by admission');
    // A usage gone wrong (written by hand here) is put right at the next full resync.
    const q = await api.client.get(RESOURCE_QUOTAS, NS, 'q');
    const status = q.status as { used: Record<string, string> };
    await api.client.update(RESOURCE_QUOTAS, NS, { ...q, status: { ...status, used: { ...status.used, configmaps: '4' } } }, { subresource: 'status' });
    const cached = api.context.informers.informer(RESOURCE_QUOTAS).lister;
    await until(() => (cached.get(NS, 'q')?.status as { used?: Record<string, string> } | undefined)?.used?.configmaps === '4', 'controller sees the bad usage');
    api.clock.advance(5 * 60_000);
    await until(usedIs('q', { configmaps: '1' }), 'resync');
  });

  it('recalculates when spec.hard changes and drops names no longer limited', async () => {
    await api.client.create(resources.pods, NS, pod('a', { memory: '1Gi' }));
    await createQuota('q', { pods: '5' });
    await until(usedIs('q', { pods: '1' }), 'pods');
    const q = await api.client.get(RESOURCE_QUOTAS, NS, 'q');
    await api.client.update(RESOURCE_QUOTAS, NS, { ...q, spec: { hard: { 'requests.memory': '4Gi' } } });
    await until(usedIs('q', { 'requests.memory': '1Gi' }), 'memory');
    expect(await used('q')).toEqual({ 'requests.memory': '1Gi' });
  });

  it('applies scopes: BestEffort, NotBestEffort, Terminating, PriorityClass', async () => {
    // The Priority admission plugin refuses pods naming a class that does not exist.
    await api.client.create({ group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses' }, undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
    await api.client.create(resources.pods, NS, pod('be'));
    await api.client.create(resources.pods, NS, pod('burst', { cpu: '1' }));
    await api.client.create(resources.pods, NS, pod('job', { cpu: '1' }, undefined, { activeDeadlineSeconds: 60 }));
    await api.client.create(resources.pods, NS, pod('vip', { cpu: '2' }, undefined, { priorityClassName: 'high' }));
    await createQuota('besteffort', { pods: '10' }, { scopes: ['BestEffort'] });
    await createQuota('notbesteffort', { pods: '10', 'requests.cpu': '10' }, { scopes: ['NotBestEffort'] });
    await createQuota('terminating', { pods: '10' }, { scopes: ['Terminating'] });
    await createQuota('high', { pods: '10', 'requests.cpu': '10' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } });
    await until(usedIs('besteffort', { pods: '1' }), 'besteffort');
    await until(usedIs('notbesteffort', { pods: '3', 'requests.cpu': '4' }), 'notbesteffort');
    await until(usedIs('terminating', { pods: '1' }), 'terminating');
    await until(usedIs('high', { pods: '1', 'requests.cpu': '2' }), 'priority class');
  });

  it('stops counting a terminating pod when its grace period runs out', async () => {
    await api.client.create(resources.pods, NS, pod('bound', { cpu: '1' }, undefined, { nodeName: 'node-1', terminationGracePeriodSeconds: 30 }));
    await createQuota('q', { pods: '5', 'count/pods': '5' });
    await until(usedIs('q', { pods: '1' }), 'counted');
    const pending = await api.client.delete(resources.pods, NS, 'bound');
    expect(pending?.metadata.deletionTimestamp).toBeDefined();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect((await used('q'))?.pods).toBe('1');
    api.clock.advance(61_000);
    await until(usedIs('q', { pods: '0', 'count/pods': '1' }), 'grace expired');
  });
});
