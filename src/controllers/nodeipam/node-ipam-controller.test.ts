import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { CidrSet } from './cidr-set.js';
import { NodeIpamController } from './node-ipam-controller.js';

describe('CidrSet', () => {
  it('hands out ranges round-robin, occupies and releases them', () => {
    const set = new CidrSet('10.42.0.0/22', 24);
    expect(set.size).toBe(4);
    set.occupy('10.42.1.0/24');
    expect([set.allocateNext(), set.allocateNext(), set.allocateNext()]).toEqual(['10.42.0.0/24', '10.42.2.0/24', '10.42.3.0/24']);
    expect(set.allocateNext()).toBeUndefined();
    set.release('10.42.0.0/24');
    expect(set.allocated).toBe(3);
    expect(set.allocateNext()).toBe('10.42.0.0/24');
    expect(() => set.occupy('10.43.0.0/24')).toThrow('CIDR 10.43.0.0/24 is out the range of cluster cidr 10.42.0.0/22');
    expect(() => set.occupy('10.42.0.0/25')).toThrow('not a /24 range');
    expect(set.contains('10.42.3.0/24')).toBe(true);
    expect(() => new CidrSet('10.42.0.0/16', 8)).toThrow(/between the cluster CIDR's \/16 and \/30/);
  });
});

describe('NodeIpamController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.stop());

  const node = (name: string, podCIDR?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, ...(podCIDR ? { spec: { podCIDR, podCIDRs: [podCIDR] } } : {}) });
  const cidrOf = async (name: string) => {
    const n = await api.client.get(resources.nodes, undefined, name);
    return isJsonObject(n.spec) ? n.spec.podCIDRs : undefined;
  };

  it('gives each node its own range, keeps existing ones and reuses released ranges', async () => {
    await api.client.create(resources.nodes, undefined, node('old', '10.42.0.0/24'));
    void new NodeIpamController(api.context, { clusterCidr: '10.42.0.0/22' }).run(api.signal);
    await api.client.create(resources.nodes, undefined, node('a'));
    await api.client.create(resources.nodes, undefined, node('b'));
    await until(async () => (await cidrOf('a')) !== undefined && (await cidrOf('b')) !== undefined, 'ranges assigned');
    expect(await cidrOf('old')).toEqual(['10.42.0.0/24']);
    const assigned = [await cidrOf('a'), await cidrOf('b')].map((c) => (c as string[])[0]).sort();
    expect(assigned).toEqual(['10.42.1.0/24', '10.42.2.0/24']);
    expect((await api.client.get(resources.nodes, undefined, 'a')).spec).toMatchObject({ podCIDR: expect.stringMatching(/^10\.42\.[12]\.0\/24$/) });

    // Full: the fourth range goes to c, d waits with CIDRNotAvailable until a range is freed.
    await api.client.create(resources.nodes, undefined, node('c'));
    await until(async () => (await cidrOf('c')) !== undefined, 'c assigned');
    expect(await cidrOf('c')).toEqual(['10.42.3.0/24']);
    await api.client.create(resources.nodes, undefined, node('d'));
    await until(async () => (await api.client.list(resources.events, 'default')).items.some((e) => e.reason === 'CIDRNotAvailable'), 'CIDRNotAvailable event');
    const event = (await api.client.list(resources.events, 'default')).items.find((e) => e.reason === 'CIDRNotAvailable');
    expect(event?.message).toBe('Node d status is now: CIDRNotAvailable');
    expect(await cidrOf('d')).toBeUndefined();
    await api.client.delete(resources.nodes, undefined, 'old');
    for (let i = 0; i < 30 && (await cidrOf('d')) === undefined; i++) {
      api.clock.advance(1000);
      await until(() => true, 'turn');
      for (let t = 0; t < 50; t++) await new Promise((r) => setImmediate(r));
    }
    expect(await cidrOf('d')).toEqual(['10.42.0.0/24']);
  });
});
