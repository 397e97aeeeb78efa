import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { registryResourceResolver } from './registry-resource-resolver.js';
import { builtinResourceResolver } from './resource-quota-controller.js';

describe('resource resolvers', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  it('resolve namespaced resources at their preferred version, as the built-in table does', () => {
    const resolve = registryResourceResolver(api.core.registry);
    for (const gr of [
      { group: 'apps', resource: 'deployments' },
      { group: '', resource: 'secrets' },
      { group: 'autoscaling', resource: 'horizontalpodautoscalers' },
      { group: 'batch', resource: 'jobs' },
    ]) {
      expect(resolve(gr)).toEqual(builtinResourceResolver(gr));
      expect(resolve(gr)).toBeDefined();
    }
    expect(resolve({ group: 'autoscaling', resource: 'horizontalpodautoscalers' })?.version).toBe('v2');
    // Cluster-scoped and unknown resources are not counted per namespace.
    expect(resolve({ group: '', resource: 'nodes' })).toBeUndefined();
    expect(builtinResourceResolver({ group: '', resource: 'nodes' })).toBeUndefined();
    expect(resolve({ group: 'example.com', resource: 'widgets' })).toBeUndefined();
  });
});
