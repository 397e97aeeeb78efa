import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rbacResources } from '../../auth/rbac/reconcile-policy.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { ClusterRoleAggregationController } from './clusterrole-aggregation-controller.js';

const role = (name: string, labels: Record<string, string>, rules: object[], aggregate?: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels },
  ...(aggregate ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregate]: 'true' } }] } } : {}),
  rules,
});

describe('ClusterRoleAggregationController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new ClusterRoleAggregationController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const rulesOf = async (name: string) => JSON.stringify((await api.client.get(rbacResources.clusterroles, undefined, name)).rules ?? []);

  it('fills an aggregated role with the rules of the roles it selects, and follows their changes', async () => {
    await api.client.create(rbacResources.clusterroles, undefined, role('monitoring', {}, [], 'agg/monitoring'));
    await api.client.create(rbacResources.clusterroles, undefined, role('a', { 'agg/monitoring': 'true' }, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]));
    await api.client.create(rbacResources.clusterroles, undefined, role('b', { 'agg/monitoring': 'true' }, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, { apiGroups: [''], resources: ['nodes'], verbs: ['list'] }]));
    await api.client.create(rbacResources.clusterroles, undefined, role('other', {}, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]));
    await until(async () => (await rulesOf('monitoring')).includes('nodes'), 'aggregated');
    const rules = JSON.parse(await rulesOf('monitoring'));
    // Duplicates collapse; unselected roles stay out.
    expect(rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
    ]);
    await api.client.delete(rbacResources.clusterroles, undefined, 'b');
    await until(async () => !(await rulesOf('monitoring')).includes('nodes'), 'source removed');
  });
});
