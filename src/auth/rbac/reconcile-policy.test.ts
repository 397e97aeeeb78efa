import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../util/log.js';
import { startTestApi, type TestApi } from '../../controllers/testing/test-api.js';
import { rbacResources, reconcileBootstrapPolicy } from './reconcile-policy.js';

describe('reconcileBootstrapPolicy', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  it('creates the default roles and bindings, and restores removed rules and subjects of autoupdate objects', async () => {
    await reconcileBootstrapPolicy(api.client, silentLogger);
    const basic = await api.client.get(rbacResources.clusterroles, undefined, 'system:basic-user');
    expect(JSON.stringify(basic.rules)).toContain('selfsubjectaccessreviews');
    const admin = await api.client.get(rbacResources.clusterrolebindings, undefined, 'cluster-admin');
    expect(admin.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);

    await api.client.update(rbacResources.clusterroles, undefined, { ...basic, rules: [{ apiGroups: ['x'], resources: ['y'], verbs: ['get'] }] });
    await api.client.update(rbacResources.clusterrolebindings, undefined, { ...admin, subjects: [] });
    await reconcileBootstrapPolicy(api.client, silentLogger);
    const restored = await api.client.get(rbacResources.clusterroles, undefined, 'system:basic-user');
    // The user's rule stays; the default ones come back.
    expect(JSON.stringify(restored.rules)).toContain('"y"');
    expect(JSON.stringify(restored.rules)).toContain('selfsubjectaccessreviews');
    expect((await api.client.get(rbacResources.clusterrolebindings, undefined, 'cluster-admin')).subjects).toHaveLength(1);
  });

  it('leaves objects alone that a user set to autoupdate "false"', async () => {
    await reconcileBootstrapPolicy(api.client, silentLogger);
    const view = await api.client.get(rbacResources.clusterroles, undefined, 'system:aggregate-to-view');
    const pinned = { ...view, metadata: { ...view.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] };
    await api.client.update(rbacResources.clusterroles, undefined, pinned);
    await reconcileBootstrapPolicy(api.client, silentLogger);
    expect((await api.client.get(rbacResources.clusterroles, undefined, 'system:aggregate-to-view')).rules ?? []).toEqual([]);
  });
});
