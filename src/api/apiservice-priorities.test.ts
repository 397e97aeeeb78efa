import { describe, expect, it } from 'vitest';
import {
  apiServiceName,
  apiServicePriority,
  builtinAPIServicePriorities,
  builtinAPIServicePriority,
  compareGroupVersionPriority,
  DISCOVERY_DEFAULT_PRIORITY,
} from './apiservice-priorities.js';
import { builtinGroupVersions } from './builtin-resources.js';

describe('apiServicePriority', () => {
  it('has upstream apiVersionPriorities for built-in group versions', () => {
    expect(apiServicePriority('', 'v1', 'builtin')).toEqual({ groupPriorityMinimum: 18000, versionPriority: 1 });
    expect(apiServicePriority('apps', 'v1', 'builtin')).toEqual({ groupPriorityMinimum: 17800, versionPriority: 15 });
    expect(apiServicePriority('autoscaling', 'v2', 'builtin')).toEqual({ groupPriorityMinimum: 17500, versionPriority: 30 });
    expect(apiServicePriority('autoscaling', 'v1', 'builtin')).toEqual({ groupPriorityMinimum: 17500, versionPriority: 15 });
    expect(apiServicePriority('apiextensions.k8s.io', 'v1', 'builtin')).toEqual({ groupPriorityMinimum: 16700, versionPriority: 15 });
    expect(apiServicePriority('admissionregistration.k8s.io', 'v1', 'builtin')).toEqual({ groupPriorityMinimum: 16700, versionPriority: 15 });
    expect(apiServicePriority('flowcontrol.apiserver.k8s.io', 'v1', 'builtin')).toEqual({ groupPriorityMinimum: 16100, versionPriority: 21 });
  });

  it("uses metrics-server's manifest values for metrics.k8s.io", () => {
    expect(apiServicePriority('metrics.k8s.io', 'v1beta1', 'builtin')).toEqual({ groupPriorityMinimum: 100, versionPriority: 100 });
  });

  it('gives CRD-served group versions 1000/100 whatever the group', () => {
    expect(apiServicePriority('example.com', 'v1alpha1', 'crd')).toEqual({ groupPriorityMinimum: 1000, versionPriority: 100 });
    expect(apiServicePriority('apps', 'v1', 'crd')).toEqual({ groupPriorityMinimum: 1000, versionPriority: 100 });
  });

  it('tells built-in group versions upstream registers no APIService for, and ranks them with the discovery default', () => {
    for (const [group, version] of [['apiregistration.k8s.io', 'v1'], ['example.com', 'v1'], ['apps', 'v1beta1']]) {
      expect(builtinAPIServicePriority(group, version), `${group}/${version}`).toBeUndefined();
      expect(apiServicePriority(group, version, 'builtin')).toEqual({ groupPriorityMinimum: 1000, versionPriority: 15 });
    }
    expect(DISCOVERY_DEFAULT_PRIORITY).toEqual({ groupPriorityMinimum: 1000, versionPriority: 15 });
    expect(builtinAPIServicePriority('apps', 'v1')).toEqual({ groupPriorityMinimum: 17800, versionPriority: 15 });
  });

  it('covers every group version lite serves except the aggregator group itself', () => {
    for (const { group, versions } of builtinGroupVersions) {
      for (const version of versions) {
        if (group === 'apiregistration.k8s.io') continue;
        expect(builtinAPIServicePriority(group, version), `${group}/${version}`).toBeDefined();
      }
    }
  });
});

describe('apiServiceName', () => {
  it('is <version>.<group>, with a trailing dot for the core group', () => {
    expect(apiServiceName('metrics.k8s.io', 'v1beta1')).toBe('v1beta1.metrics.k8s.io');
    expect(apiServiceName('apps', 'v1')).toBe('v1.apps');
    expect(apiServiceName('', 'v1')).toBe('v1.');
  });
});

describe('builtinAPIServicePriorities', () => {
  it('lists the table in discovery order: group priority, then name, then version priority', () => {
    expect(builtinAPIServicePriorities().map((e) => `${e.group}/${e.version}`)).toEqual([
      '/v1',
      'apps/v1',
      'events.k8s.io/v1',
      'authentication.k8s.io/v1',
      'authorization.k8s.io/v1',
      'autoscaling/v2',
      'autoscaling/v1',
      'batch/v1',
      'certificates.k8s.io/v1',
      'networking.k8s.io/v1',
      'policy/v1',
      'rbac.authorization.k8s.io/v1',
      'storage.k8s.io/v1',
      'admissionregistration.k8s.io/v1',
      'apiextensions.k8s.io/v1',
      'scheduling.k8s.io/v1',
      'coordination.k8s.io/v1',
      'node.k8s.io/v1',
      'discovery.k8s.io/v1',
      'flowcontrol.apiserver.k8s.io/v1',
      'metrics.k8s.io/v1beta1',
    ]);
  });

  it('breaks version ties by Kubernetes version order', () => {
    const p = { groupPriorityMinimum: 1000, versionPriority: 100 };
    const sorted = ['v1beta1', 'v2', 'v1', 'v1alpha1', 'foo'].map((version) => ({ group: 'example.com', version, priority: p })).sort(compareGroupVersionPriority);
    expect(sorted.map((e) => e.version)).toEqual(['v2', 'v1', 'v1beta1', 'v1alpha1', 'foo']);
  });
});
