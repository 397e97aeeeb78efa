import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rfc3339, type JsonObject, type KubeObject } from '../../api/object.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { DisruptionController, PDB_RESOURCE } from './disruption-controller.js';
import { registryScaleFinder } from './registry-scale-finder.js';

const WIDGETS: ResourceRef = { group: 'example.com', version: 'v1', resource: 'widgets' };
const NS = 'default';

describe('registryScaleFinder', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    await api.client.create(resources.customresourcedefinitions, undefined, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } }, status: { type: 'object', properties: { count: { type: 'integer' } } } } } },
            subresources: { scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.count' } },
          },
        ],
      },
    });
    await until(() => api.core.registry.get('example.com', 'v1', 'widgets') !== undefined, 'widgets served');
    void new DisruptionController(api.context, { scaleFinder: registryScaleFinder(api.core.registry, api.client) }).run(api.signal);
  });
  afterEach(() => api.stop());

  it('takes the expected pod count of a custom workload from its scale path', async () => {
    const widget = await api.client.create(WIDGETS, NS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 4 } });
    for (const name of ['w-a', 'w-b', 'w-c']) {
      const pod = await api.client.create(resources.pods, NS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { app: 'w' }, ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: widget.metadata.uid ?? '', controller: true }] },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      });
      await api.client.update(resources.pods, NS, { ...pod, status: { ...(pod.status as JsonObject), phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(api.clock.now()) }] } }, { subresource: 'status' });
    }
    await api.client.create(PDB_RESOURCE, NS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'w' }, spec: { selector: { matchLabels: { app: 'w' } }, maxUnavailable: 1 } });
    const status = async () => ((await api.client.get(PDB_RESOURCE, NS, 'w')).status ?? {}) as JsonObject;
    await until(async () => (await status()).expectedPods === 4, 'expected pods from .spec.size');
    expect(await status()).toMatchObject({ desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0 });
  });

  it('reports kinds without a scale subresource and unknown kinds as upstream', async () => {
    const find = registryScaleFinder(api.core.registry, api.client);
    const owner = (apiVersion: string, kind: string) => ({ apiVersion, kind, name: 'x', uid: 'u' });
    await expect(find(owner('batch/v1', 'Job'), NS)).rejects.toThrow('jobs.batch does not implement the scale subresource');
    await expect(find(owner('example.com/v1', 'Gadget'), NS)).rejects.toThrow('no matches for kind "Gadget" in version "example.com/v1"');
    await expect(find(owner('example.com/v1', 'Widget'), NS)).resolves.toBeUndefined();
    const w: KubeObject = await api.client.create(WIDGETS, NS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' }, spec: { size: 2 } });
    await expect(find({ ...owner('example.com/v1', 'Widget'), uid: w.metadata.uid ?? '' }, NS)).resolves.toEqual({ uid: w.metadata.uid, replicas: 2 });
  });
});
