import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { Discovery, type RemoteApis, type RemoteGroupVersion } from '../apiserver/discovery.js';
import { Registry } from '../registry/registry.js';
import type { ServedResource } from '../registry/served-resource.js';
import { apiServiceName } from '../api/apiservice-priorities.js';
import { availableCondition, readApiService, withAvailableCondition } from './apiservice.js';
import { authenticationConfigMapData } from './authentication-configmap.js';
import { authProxyHeaders } from './backend-client.js';

const apiService = (spec: Record<string, unknown>, conditions: unknown[] = []): KubeObject => ({
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: 'v1alpha1.wardle.example.com' },
  spec: spec as KubeObject['spec'],
  status: { conditions: conditions as never },
});

describe('APIService helpers', () => {
  it('reads a Service-backed APIService, port 443 unless given, the CA bundle decoded', () => {
    const view = readApiService(
      apiService(
        { group: 'wardle.example.com', version: 'v1alpha1', service: { namespace: 'w', name: 'api' }, caBundle: Buffer.from('PEM').toString('base64'), groupPriorityMinimum: 1000, versionPriority: 15 },
        [{ type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }],
      ),
    );
    expect(view).toEqual({
      name: 'v1alpha1.wardle.example.com',
      group: 'wardle.example.com',
      version: 'v1alpha1',
      service: { namespace: 'w', name: 'api', port: 443 },
      caPem: 'PEM',
      insecureSkipTLSVerify: false,
      groupPriorityMinimum: 1000,
      versionPriority: 15,
      available: true,
    });
    expect(readApiService(apiService({ group: '', version: 'v1' })).service).toBeUndefined();
  });

  it('keeps the transition time while the status stays, and writes nothing when nothing changes', () => {
    const before = apiService({}, [{ type: 'Available', status: 'False', reason: 'MissingEndpoints', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
    const same = withAvailableCondition(before, { status: 'False', reason: 'MissingEndpoints', message: 'm' }, '2026-02-02T00:00:00Z');
    expect(same).toBeUndefined();
    const otherReason = withAvailableCondition(before, { status: 'False', reason: 'ServiceNotFound', message: 'n' }, '2026-02-02T00:00:00Z');
    expect(otherReason && availableCondition(otherReason)).toEqual({ type: 'Available', status: 'False', reason: 'ServiceNotFound', message: 'n', lastTransitionTime: '2026-01-01T00:00:00Z' });
    const flipped = withAvailableCondition(before, { status: 'True', reason: 'Passed', message: 'all checks passed' }, '2026-02-02T00:00:00Z');
    expect(flipped && availableCondition(flipped)?.lastTransitionTime).toBe('2026-02-02T00:00:00Z');
  });

  it('names APIServices as upstream, the core group v1.', () => {
    expect(apiServiceName('', 'v1')).toBe('v1.');
    expect(apiServiceName('apps', 'v1')).toBe('v1.apps');
  });

  it('carries the user in the front-proxy headers, extra keys escaped', () => {
    expect(authProxyHeaders({ username: 'jane', groups: ['dev', 'system:authenticated'], extra: { 'scopes.example/x y': ['a', 'b'] } })).toEqual({
      'x-remote-user': 'jane',
      'x-remote-group': ['dev', 'system:authenticated'],
      'x-remote-extra-scopes.example%2Fx%20y': ['a', 'b'],
    });
    expect(authProxyHeaders({ username: 'system:anonymous', groups: [] })).toEqual({ 'x-remote-user': 'system:anonymous' });
  });

  it('publishes the request-header settings as JSON lists, as upstream', () => {
    const data = authenticationConfigMapData({ clientCaPem: 'CLIENT', requestHeaderCaPem: 'PROXY' });
    expect(data).toEqual({
      'client-ca-file': 'CLIENT',
      'requestheader-allowed-names': '["system:auth-proxy"]',
      'requestheader-client-ca-file': 'PROXY',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-username-headers': '["X-Remote-User"]',
    });
  });
});

function served(group: string, version: string, plural: string, kind: string): ServedResource {
  const def = { group, version, kind, plural, singular: kind.toLowerCase(), namespaced: true, shortNames: [], categories: [], verbs: ['get', 'list'], subresources: [], virtual: true, storage: { group, version, resource: plural } };
  return { def } as unknown as ServedResource;
}

class FakeRemote implements RemoteApis {
  generation = 0;
  items: RemoteGroupVersion[] = [];
  remoteGroupVersions(): readonly RemoteGroupVersion[] {
    return this.items;
  }
}

describe('discovery with APIServices', () => {
  const registry = new Registry();
  registry.add(served('', 'v1', 'pods', 'Pod'));
  registry.add(served('metrics.k8s.io', 'v1beta1', 'pods', 'PodMetrics'));
  const remote = new FakeRemote();
  const discovery = new Discovery({ registry, serverAddress: () => '127.0.0.1:6443', remote });
  const wardleList = {
    kind: 'APIResourceList',
    groupVersion: 'wardle.example.com/v1alpha1',
    resources: [
      { name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list'], shortNames: ['fl'] },
      { name: 'flunders/status', singularName: '', namespaced: true, kind: 'Flunder', verbs: ['get', 'update'] },
    ],
  };

  it('adds remote groups after local ones and lists their resources from the backend', () => {
    remote.items = [
      { group: 'wardle.example.com', version: 'v1alpha1', groupPriorityMinimum: 1000, versionPriority: 15, available: true, resourceList: wardleList },
      { group: 'wardle.example.com', version: 'v1beta1', groupPriorityMinimum: 1000, versionPriority: 20, available: false },
      { group: 'zeta.example.com', version: 'v1', groupPriorityMinimum: 2000, versionPriority: 1, available: true },
    ];
    remote.generation++;
    const legacy = JSON.parse(discovery.legacyApis()) as { groups: { name: string; versions: { version: string }[]; preferredVersion: { version: string } }[] };
    expect(legacy.groups.map((g) => g.name)).toEqual(['metrics.k8s.io', 'zeta.example.com', 'wardle.example.com']);
    expect(legacy.groups[2].versions.map((v) => v.version)).toEqual(['v1beta1', 'v1alpha1']);
    expect(legacy.groups[2].preferredVersion.version).toBe('v1beta1');
    const aggregated = JSON.parse(discovery.aggregated('apis', 'v2')) as { items: { metadata: { name: string }; versions: { version: string; freshness: string; resources: unknown[] }[] }[] };
    const wardle = aggregated.items.find((i) => i.metadata.name === 'wardle.example.com');
    // v1beta1 was never discovered: not listed; zeta has no resource list yet: no group at all.
    expect(wardle?.versions.map((v) => v.version)).toEqual(['v1alpha1']);
    expect(wardle?.versions[0].resources).toEqual([
      {
        resource: 'flunders',
        responseKind: { group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' },
        scope: 'Namespaced',
        singularResource: 'flunder',
        verbs: ['get', 'list'],
        shortNames: ['fl'],
        subresources: [{ subresource: 'status', responseKind: { group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' }, verbs: ['get', 'update'] }],
      },
    ]);
    expect(aggregated.items.some((i) => i.metadata.name === 'zeta.example.com')).toBe(false);
  });

  it('lets an APIService with a Service take over a local group version, Stale while unavailable', () => {
    remote.items = [{ group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, available: false, resourceList: { kind: 'APIResourceList', resources: [{ name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] }] } }];
    remote.generation++;
    const aggregated = JSON.parse(discovery.aggregated('apis', 'v2')) as { items: { metadata: { name: string }; versions: { version: string; freshness: string; resources: { resource: string }[] }[] }[] };
    const metrics = aggregated.items.find((i) => i.metadata.name === 'metrics.k8s.io');
    expect(metrics?.versions).toHaveLength(1);
    expect(metrics?.versions[0].freshness).toBe('Stale');
    expect(metrics?.versions[0].resources.map((r) => r.resource)).toEqual(['nodes']);
    remote.items = [];
    remote.generation++;
    const local = JSON.parse(discovery.aggregated('apis', 'v2')) as { items: { metadata: { name: string }; versions: { resources: { resource: string }[] }[] }[] };
    expect(local.items.find((i) => i.metadata.name === 'metrics.k8s.io')?.versions[0].resources.map((r) => r.resource)).toEqual(['pods']);
  });
});
