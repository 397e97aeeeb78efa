import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { DESCRIPTION_ANNOTATION, ROOT_CA_CONFIGMAP, ROOT_CA_DESCRIPTION, RootCaCertPublisher } from './root-ca-cert-publisher.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

describe('RootCaCertPublisher', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new RootCaCertPublisher(api.context, { rootCaPem: PEM }).run(api.signal);
  });
  afterEach(() => api.stop());

  const get = async (ns: string): Promise<KubeObject | undefined> => {
    try {
      return await api.client.get(resources.configmaps, ns, ROOT_CA_CONFIGMAP);
    } catch {
      return undefined;
    }
  };
  const published = async (ns: string) => {
    const cm = await get(ns);
    return (cm?.data as Record<string, string> | undefined)?.['ca.crt'] === PEM;
  };

  it('publishes kube-root-ca.crt in existing and new namespaces', async () => {
    for (const ns of ['default', 'kube-system', 'kube-node-lease']) await until(() => published(ns), `${ns}/kube-root-ca.crt`);
    const cm = await get('default');
    expect(cm?.metadata.annotations?.[DESCRIPTION_ANNOTATION]).toBe(ROOT_CA_DESCRIPTION);
    await api.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await until(() => published('team'), 'team/kube-root-ca.crt');
  });

  it('recreates it when deleted and restores it when changed', async () => {
    await until(() => published('default'), 'published');
    await api.client.delete(resources.configmaps, 'default', ROOT_CA_CONFIGMAP);
    await until(() => published('default'), 'recreated');

    const cm = (await get('default')) as KubeObject;
    await api.client.update(resources.configmaps, 'default', { ...cm, data: { 'ca.crt': 'tampered' }, metadata: { ...cm.metadata, labels: { keep: 'me' } } });
    await until(() => published('default'), 'restored');
    // Labels a user adds survive; only data and the description are enforced.
    expect((await get('default'))?.metadata.labels).toEqual({ keep: 'me' });
  });

  it('leaves namespaces being deleted alone', async () => {
    await api.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'going' } });
    await until(() => published('going'), 'published in going');
    await api.client.delete(resources.namespaces, undefined, 'going');
    await api.client.delete(resources.configmaps, 'going', ROOT_CA_CONFIGMAP);
    // Give the publisher time to react (bounded turns), then check it did not recreate it.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(await get('going')).toBeUndefined();
  });
});
