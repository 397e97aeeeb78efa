import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { ServiceAccountController } from './serviceaccount-controller.js';

describe('ServiceAccountController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new ServiceAccountController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const defaultSa = async (ns: string) => {
    const list = await api.client.list(resources.serviceaccounts, ns);
    return list.items.find((s) => s.metadata.name === 'default');
  };

  it('creates a default ServiceAccount in existing and new namespaces', async () => {
    await until(async () => (await defaultSa('default')) !== undefined, 'default/default');
    await api.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await until(async () => (await defaultSa('team')) !== undefined, 'team/default');
  });

  it('recreates it when deleted', async () => {
    await until(async () => (await defaultSa('kube-system')) !== undefined, 'kube-system/default');
    await api.client.delete(resources.serviceaccounts, 'kube-system', 'default');
    await until(async () => (await defaultSa('kube-system')) !== undefined, 'recreated');
    expect((await api.client.list(resources.serviceaccounts, 'kube-system')).items).toHaveLength(1);
  });
});
