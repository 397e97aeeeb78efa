import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { objectCountName, parseObjectCountName, podResources, QuotaEvaluatorRegistry, quotaMatches, quotaScopes } from './quota-evaluators.js';
import { add, exceeded, parseResourceList, prettyPrint, subtractNonNegative, toJson } from './resource-list.js';

const registry = new QuotaEvaluatorRegistry();
const pods = registry.forResource({ group: '', resource: 'pods' });
const services = registry.forResource({ group: '', resource: 'services' });
const pvcs = registry.forResource({ group: '', resource: 'persistentvolumeclaims' });
const NOW = Date.parse('2025-01-01T00:00:00Z');

const pod = (spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec, ...extra });
const res = (requests?: Record<string, string>, limits?: Record<string, string>) => ({ resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

describe('resource lists', () => {
  it('adds with the format of the first non-zero value, as resource.Quantity', () => {
    const a = parseResourceList({ memory: '128Mi', cpu: '500m' });
    const sum = add(add(parseResourceList({ memory: '0', cpu: '0' }), a), a);
    expect(toJson(sum)).toEqual({ cpu: '1', memory: '256Mi' });
    expect(toJson(subtractNonNegative(parseResourceList({ cpu: '1' }), parseResourceList({ cpu: '2', pods: '1' })))).toEqual({ cpu: '0', pods: '0' });
    expect(exceeded(parseResourceList({ cpu: '3', pods: '2' }), parseResourceList({ cpu: '2' }))).toEqual(['cpu']);
    expect(prettyPrint(parseResourceList({ 'requests.memory': '1Gi', 'requests.cpu': '2' }))).toBe('requests.cpu=2,requests.memory=1Gi');
  });

  it('names object counts as upstream', () => {
    expect(objectCountName({ group: '', resource: 'pods' })).toBe('count/pods');
    expect(objectCountName({ group: 'apps', resource: 'deployments' })).toBe('count/deployments.apps');
    expect(parseObjectCountName('count/widgets.example.com')).toEqual({ group: 'example.com', resource: 'widgets' });
    expect(parseObjectCountName('pods')).toBeUndefined();
  });
});

describe('pod evaluator', () => {
  it('charges effective requests and limits: containers summed, init containers as a maximum, sidecars added, overhead', () => {
    const p = pod({
      containers: [{ name: 'a', ...res({ cpu: '250m', memory: '64Mi' }, { cpu: '500m' }) }, { name: 'b', ...res({ cpu: '250m', memory: '64Mi' }) }],
      initContainers: [
        { name: 'sidecar', restartPolicy: 'Always', ...res({ cpu: '100m' }) },
        { name: 'init', ...res({ cpu: '2', memory: '1Gi' }) },
      ],
      overhead: { cpu: '10m', memory: '1Mi' },
    });
    // requests: max(0.5 + 0.1 sidecar, init 2 + sidecar 0.1) + 10m overhead
    expect(toJson(podResources(p, 'requests'))).toEqual({ cpu: '2110m', memory: '1025Mi' });
    // limits: only cpu has a limit, so overhead only adds to cpu
    expect(toJson(podResources(p, 'limits'))).toEqual({ cpu: '510m' });
    expect(toJson(pods.usage(p, NOW))).toEqual({
      'count/pods': '1',
      cpu: '2110m',
      'limits.cpu': '510m',
      memory: '1025Mi',
      pods: '1',
      'requests.cpu': '2110m',
      'requests.memory': '1025Mi',
    });
  });

  it('stops charging compute for terminal pods and pods past their grace period', () => {
    const running = pod({ containers: [{ name: 'a', ...res({ cpu: '1' }) }] });
    expect(toJson(pods.usage({ ...running, status: { phase: 'Succeeded' } }, NOW))).toEqual({ 'count/pods': '1' });
    const deleting: KubeObject = { ...running, metadata: { ...running.metadata, deletionTimestamp: '2025-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } };
    expect(pods.usage(deleting, NOW).get('pods')).toBeDefined();
    expect(pods.usage(deleting, NOW + 61_000).get('pods')).toBeUndefined();
  });

  it('charges hugepages and extended resources', () => {
    const p = pod({ containers: [{ name: 'a', ...res({ 'hugepages-2Mi': '4Mi', 'example.com/gpu': '2' }) }] });
    expect(toJson(pods.usage(p, NOW))).toMatchObject({ 'hugepages-2Mi': '4Mi', 'requests.hugepages-2Mi': '4Mi', 'requests.example.com/gpu': '2' });
    expect(pods.matchingResources(['requests.example.com/gpu', 'hugepages-2Mi', 'limits.example.com/gpu', 'services'])).toEqual(['requests.example.com/gpu', 'hugepages-2Mi']);
  });

  it('requires cpu and memory to be stated by every container when a quota tracks them', () => {
    const p = pod({ containers: [{ name: 'c' }, { name: 'b', ...res({ cpu: '1' }) }], initContainers: [{ name: 'i', ...res({ cpu: '1' }, { cpu: '1' }) }] });
    expect(pods.constraints(['requests.cpu', 'limits.cpu', 'pods'], p)).toBe('must specify limits.cpu for: b,c; requests.cpu for: c');
    expect(pods.constraints(['pods', 'requests.storage'], p)).toBeUndefined();
  });

  it('matches scopes', () => {
    const besteffort = pod({ containers: [{ name: 'a' }] });
    const burstable = pod({ containers: [{ name: 'a', ...res({ cpu: '1' }) }], activeDeadlineSeconds: 10, priorityClassName: 'high' });
    const scope = (scopeName: string, operator = 'Exists', values: string[] = []) => ({ scopeName, operator, values });
    expect(pods.matchesScope(scope('BestEffort'), besteffort)).toBe(true);
    expect(pods.matchesScope(scope('NotBestEffort'), burstable)).toBe(true);
    expect(pods.matchesScope(scope('Terminating'), burstable)).toBe(true);
    expect(pods.matchesScope(scope('NotTerminating'), besteffort)).toBe(true);
    expect(pods.matchesScope(scope('PriorityClass', 'In', ['high']), burstable)).toBe(true);
    expect(pods.matchesScope(scope('PriorityClass', 'In', ['high']), besteffort)).toBe(false);
    expect(pods.matchesScope(scope('PriorityClass', 'NotIn', ['high']), besteffort)).toBe(true);
    expect(pods.matchesScope(scope('PriorityClass', 'DoesNotExist'), besteffort)).toBe(true);
    const quota: KubeObject = { metadata: { name: 'q' }, spec: { scopes: ['BestEffort'], scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'DoesNotExist' }] } } };
    expect(quotaMatches(pods, ['pods'], quotaScopes(quota), besteffort)).toBe(true);
    expect(quotaMatches(pods, ['pods'], quotaScopes(quota), burstable)).toBe(false);
    // Scoped quotas never match other kinds.
    expect(quotaMatches(services, ['services'], quotaScopes(quota), { metadata: {} })).toBe(false);
  });
});

describe('other evaluators', () => {
  it('counts services, node ports and load balancers', () => {
    const svc = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 's' }, spec: { ports: [{ port: 80 }, { port: 443, nodePort: 30001 }], ...spec } });
    expect(toJson(services.usage(svc({ type: 'ClusterIP' }), NOW))).toEqual({ 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '0' });
    expect(toJson(services.usage(svc({ type: 'NodePort' }), NOW))).toMatchObject({ 'services.nodeports': '2' });
    expect(toJson(services.usage(svc({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false }), NOW))).toMatchObject({ 'services.loadbalancers': '1', 'services.nodeports': '1' });
    expect(services.handles('update')).toBe(true);
  });

  it('counts claims and storage per storage class', () => {
    const pvc: KubeObject = { metadata: { name: 'c' }, spec: { storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } } };
    expect(toJson(pvcs.usage(pvc, NOW))).toEqual({
      'count/persistentvolumeclaims': '1',
      persistentvolumeclaims: '1',
      'requests.storage': '5Gi',
      'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/requests.storage': '5Gi',
    });
  });

  it('counts any other resource, with the legacy names as aliases', () => {
    const cms = registry.forResource({ group: '', resource: 'configmaps' });
    expect(toJson(cms.usage({ metadata: {} }, NOW))).toEqual({ 'count/configmaps': '1', configmaps: '1' });
    const deploys = registry.forResource({ group: 'apps', resource: 'deployments' });
    expect(deploys.matchingResources(['count/deployments.apps', 'pods'])).toEqual(['count/deployments.apps']);
    expect(deploys.handles('update')).toBe(false);
    const forQuota = registry.forQuota(['pods', 'configmaps', 'count/jobs.batch']).map((e) => `${e.groupResource.resource}.${e.groupResource.group}`);
    expect(forQuota.sort()).toEqual(['configmaps.', 'jobs.batch', 'pods.']);
  });
});
