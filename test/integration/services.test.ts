/**
 * Service IP and NodePort allocation: unique ClusterIPs from the service CIDR (10.43.0.0/16),
 * explicit IPs and ports, headless services, NodePort ranges, and release on delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, type V1Service } from '@kubernetes/client-node';
import { apiError, startTestServer, uniqueName, type TestServer } from './helpers.js';

let t: TestServer;
let core: CoreV1Api;
const ns = 'services';

beforeAll(async () => {
  t = await startTestServer();
  core = t.kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await t?.stop();
});

function svc(name: string, spec: Partial<NonNullable<V1Service['spec']>> = {}): V1Service {
  return { metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 as any }], ...spec } };
}

/** Addresses and ports this file has asked for explicitly (a refused or dry-run claim may linger). */
const handedOut = new Set<string>();

/**
 * An explicit ClusterIP that no Service uses: lite allocates at random over the whole range, so a
 * fixed address could collide with an earlier random allocation.
 */
async function freeIp(): Promise<string> {
  const used = new Set((await core.listServiceForAllNamespaces()).items.flatMap((s) => s.spec?.clusterIPs ?? []));
  for (let i = 2; i < 255; i++) {
    const ip = `10.43.250.${i}`;
    if (!used.has(ip) && !handedOut.has(ip)) {
      handedOut.add(ip);
      return ip;
    }
  }
  throw new Error('no free test address');
}

/** An explicit nodePort that no Service uses (lite's random allocation covers the whole range). */
async function freePort(): Promise<number> {
  const used = new Set((await core.listServiceForAllNamespaces()).items.flatMap((s) => (s.spec?.ports ?? []).map((p) => p.nodePort)));
  for (let p = 30000; p < 30086; p++) {
    if (!used.has(p) && !handedOut.has(String(p))) {
      handedOut.add(String(p));
      return p;
    }
  }
  throw new Error('no free test port');
}

function inServiceCidr(ip: string): boolean {
  const m = /^10\.43\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  return m !== null && Number(m[1]) <= 255 && Number(m[2]) <= 255;
}

describe('ClusterIP allocation', () => {
  it('the kubernetes service has the first address of the range', async () => {
    const k = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
    expect(k.spec?.clusterIP).toBe('10.43.0.1');
    expect(k.spec?.ports?.[0]).toMatchObject({ name: 'https', port: 443, protocol: 'TCP' });
  });

  it('allocates unique addresses inside 10.43.0.0/16, with the upstream defaults', async () => {
    const ips: string[] = [];
    for (let i = 0; i < 25; i++) {
      const s = await core.createNamespacedService({ namespace: ns, body: svc(`ip-${i}`) });
      const ip = s.spec!.clusterIP!;
      expect(inServiceCidr(ip), ip).toBe(true);
      expect(ip).not.toBe('10.43.0.0');
      expect(ip).not.toBe('10.43.0.1');
      expect(ip).not.toBe('10.43.255.255');
      expect(s.spec?.clusterIPs).toEqual([ip]);
      expect(s.spec?.type).toBe('ClusterIP');
      expect(s.spec?.ipFamilies).toEqual(['IPv4']);
      expect(s.spec?.ipFamilyPolicy).toBe('SingleStack');
      expect(s.spec?.sessionAffinity).toBe('None');
      expect(s.spec?.internalTrafficPolicy).toBe('Cluster');
      expect(s.spec?.ports?.[0]).toMatchObject({ protocol: 'TCP', port: 80, targetPort: 8080 });
      expect(s.spec?.ports?.[0].nodePort).toBeUndefined();
      ips.push(ip);
    }
    expect(new Set(ips).size).toBe(ips.length);
    const all = await core.listServiceForAllNamespaces();
    const everyIp = all.items.map((s) => s.spec?.clusterIP).filter((ip) => ip && ip !== 'None');
    expect(new Set(everyIp).size).toBe(everyIp.length);
  });

  it('an explicit clusterIP is honoured; the same address again is 422', async () => {
    const ip200_7 = await freeIp();
    const a = await core.createNamespacedService({ namespace: ns, body: svc('explicit-a', { clusterIP: ip200_7 }) });
    expect(a.spec?.clusterIP).toBe(ip200_7);
    const err = await apiError(core.createNamespacedService({ namespace: ns, body: svc('explicit-b', { clusterIP: ip200_7 }) }));
    expect(err.code).toBe(422);
    expect(err.status).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { name: 'explicit-b', kind: 'Service' } });
    // Upstream renders the value with Go's %#v ([]string{"10.43.200.7"}); lite renders JSON. Only
    // the field, reason and detail are pinned here.
    expect(err.status.details.causes).toHaveLength(1);
    expect(err.status.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs' });
    expect(err.status.details.causes[0].message).toMatch(new RegExp(`: failed to allocate IP ${ip200_7.replaceAll('.', '\\.')}: provided IP is already allocated$`));
    // In another namespace too: the range is cluster-wide.
    const err2 = await apiError(core.createNamespacedService({ namespace: 'default', body: svc(uniqueName('explicit-c'), { clusterIP: ip200_7 }) }));
    expect(err2.code).toBe(422);
  });

  it('an address outside the range, or the network address, is 422', async () => {
    const out = await apiError(core.createNamespacedService({ namespace: ns, body: svc('outside', { clusterIP: '10.96.0.10' }) }));
    expect(out.code).toBe(422);
    expect(out.status.details.causes[0].field).toBe('spec.clusterIPs');
    expect(out.status.details.causes[0].message).toContain('not in the valid range');
    const bad = await apiError(core.createNamespacedService({ namespace: ns, body: svc('garbage', { clusterIP: 'not-an-ip' }) }));
    expect(bad.code).toBe(422);
  });

  it('clusterIP: None makes a headless service', async () => {
    const h = await core.createNamespacedService({ namespace: ns, body: svc('headless', { clusterIP: 'None' }) });
    expect(h.spec?.clusterIP).toBe('None');
    expect(h.spec?.clusterIPs).toEqual(['None']);
    const h2 = await core.createNamespacedService({ namespace: ns, body: svc('headless-2', { clusterIP: 'None', selector: undefined }) });
    expect(h2.spec?.clusterIP).toBe('None');
  });

  it('ExternalName services get no clusterIP', async () => {
    const e = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } } });
    expect(e.spec?.clusterIP).toBeUndefined();
    expect(e.spec?.externalName).toBe('example.com');
  });

  it('the clusterIP is immutable', async () => {
    const ip201_1 = await freeIp();
    const s = await core.createNamespacedService({ namespace: ns, body: svc('immutable') });
    const err = await apiError(core.replaceNamespacedService({ name: 'immutable', namespace: ns, body: { ...s, spec: { ...s.spec, clusterIP: ip201_1, clusterIPs: [ip201_1] } } }));
    expect(err.code).toBe(422);
    expect(err.status.details.causes).toContainEqual(expect.objectContaining({ field: 'spec.clusterIPs[0]', reason: 'FieldValueInvalid' }));
    // An update that omits the clusterIP keeps it.
    const kept = await core.replaceNamespacedService({ name: 'immutable', namespace: ns, body: { ...s, spec: { ...s.spec, clusterIP: undefined, clusterIPs: undefined, ports: [{ port: 81 }] } } });
    expect(kept.spec?.clusterIP).toBe(s.spec?.clusterIP);
  });

  it('a deleted service releases its address, which can be requested again', async () => {
    const ip202_2 = await freeIp();
    await core.createNamespacedService({ namespace: ns, body: svc('release-a', { clusterIP: ip202_2 }) });
    expect((await apiError(core.createNamespacedService({ namespace: ns, body: svc('release-b', { clusterIP: ip202_2 }) }))).code).toBe(422);
    await core.deleteNamespacedService({ name: 'release-a', namespace: ns });
    const b = await core.createNamespacedService({ namespace: ns, body: svc('release-b', { clusterIP: ip202_2 }) });
    expect(b.spec?.clusterIP).toBe(ip202_2);
  });

  it('a dry-run create does not keep the address or node port', async () => {
    const ip203_3 = await freeIp();
    const port30203 = await freePort();
    const dry = await core.createNamespacedService({ namespace: ns, body: svc('dry', { type: 'NodePort', clusterIP: ip203_3, ports: [{ port: 80, nodePort: port30203 }] }), dryRun: 'All' });
    expect(dry.spec?.clusterIP).toBe(ip203_3);
    expect((await apiError(core.readNamespacedService({ name: 'dry', namespace: ns }))).code).toBe(404);
    // Upstream dry runs use a dry-run allocator that never reserves: the real create succeeds at once.
    const real = await core.createNamespacedService({ namespace: ns, body: svc('after-dry', { type: 'NodePort', clusterIP: ip203_3, ports: [{ port: 80, nodePort: port30203 }] }) });
    expect(real.spec?.clusterIP).toBe(ip203_3);
    expect(real.spec?.ports?.[0].nodePort).toBe(port30203);
  });

  it('a create refused by validation does not keep the address', async () => {
    const ip203_4 = await freeIp();
    const invalid = svc('INVALID-name', { clusterIP: ip203_4 });
    expect((await apiError(core.createNamespacedService({ namespace: ns, body: invalid }))).code).toBe(422);
    const reuse = await core.createNamespacedService({ namespace: ns, body: svc('reuse', { clusterIP: ip203_4 }) });
    expect(reuse.spec?.clusterIP).toBe(ip203_4);
  });
});

describe('NodePort allocation', () => {
  it('NodePort and LoadBalancer services get unique ports in 30000-32767', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await core.createNamespacedService({ namespace: ns, body: svc(`np-${i}`, { type: i % 2 ? 'LoadBalancer' : 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }) });
      expect(inServiceCidr(s.spec!.clusterIP!)).toBe(true);
      for (const p of s.spec!.ports!) {
        expect(p.nodePort).toBeGreaterThanOrEqual(30000);
        expect(p.nodePort).toBeLessThanOrEqual(32767);
        ports.push(p.nodePort!);
      }
      expect(s.spec?.externalTrafficPolicy).toBe('Cluster');
      if (i % 2) expect(s.spec?.allocateLoadBalancerNodePorts).toBe(true);
    }
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('an explicit nodePort is honoured; in use or out of range is 422', async () => {
    const port30080 = await freePort();
    const a = await core.createNamespacedService({ namespace: ns, body: svc('np-explicit', { type: 'NodePort', ports: [{ port: 80, nodePort: port30080 }] }) });
    expect(a.spec?.ports?.[0].nodePort).toBe(port30080);
    const used = await apiError(core.createNamespacedService({ namespace: ns, body: svc('np-used', { type: 'NodePort', ports: [{ port: 80, nodePort: port30080 }] }) }));
    expect(used.code).toBe(422);
    expect(used.status.details.causes).toContainEqual({ reason: 'FieldValueInvalid', message: `Invalid value: ${port30080}: provided port is already allocated`, field: 'spec.ports[0].nodePort' });
    const outside = await apiError(core.createNamespacedService({ namespace: ns, body: svc('np-outside', { type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] }) }));
    expect(outside.code).toBe(422);
    expect(outside.status.details.causes[0]).toMatchObject({ field: 'spec.ports[0].nodePort' });
    expect(outside.status.details.causes[0].message).toContain('30000-32767');
  });

  it('a nodePort on a new ClusterIP service is refused (422), not dropped', async () => {
    const port30081 = await freePort();
    // Upstream ValidateService: spec.ports[i].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'.
    const onClusterIp = await apiError(core.createNamespacedService({ namespace: ns, body: svc('np-clusterip', { ports: [{ port: 80, nodePort: port30081 }] }) }));
    expect(onClusterIp.code).toBe(422);
    expect(onClusterIp.status.details.causes).toContainEqual({ reason: 'FieldValueForbidden', message: "Forbidden: may not be used when `type` is 'ClusterIP'", field: 'spec.ports[0].nodePort' });
  });

  it('deleting releases node ports; changing the type allocates and releases them', async () => {
    const port30090 = await freePort();
    const port30091 = await freePort();
    await core.createNamespacedService({ namespace: ns, body: svc('np-release', { type: 'NodePort', ports: [{ port: 80, nodePort: port30090 }] }) });
    await core.deleteNamespacedService({ name: 'np-release', namespace: ns });
    const again = await core.createNamespacedService({ namespace: ns, body: svc('np-release-2', { type: 'NodePort', ports: [{ port: 80, nodePort: port30090 }] }) });
    expect(again.spec?.ports?.[0].nodePort).toBe(port30090);

    const c = await core.createNamespacedService({ namespace: ns, body: svc('np-switch') });
    expect(c.spec?.ports?.[0].nodePort).toBeUndefined();
    const asNodePort = await core.replaceNamespacedService({ name: 'np-switch', namespace: ns, body: { ...c, spec: { ...c.spec, type: 'NodePort', ports: [{ port: 80, nodePort: port30091 }] } } });
    expect(asNodePort.spec?.ports?.[0].nodePort).toBe(port30091);
    expect(asNodePort.spec?.clusterIP).toBe(c.spec?.clusterIP);
    const back = await core.replaceNamespacedService({ name: 'np-switch', namespace: ns, body: { ...asNodePort, spec: { ...asNodePort.spec, type: 'ClusterIP', ports: [{ port: 80 }], externalTrafficPolicy: undefined } } });
    expect(back.spec?.ports?.[0].nodePort).toBeUndefined();
    const reuse = await core.createNamespacedService({ namespace: ns, body: svc('np-reuse', { type: 'NodePort', ports: [{ port: 80, nodePort: port30091 }] }) });
    expect(reuse.spec?.ports?.[0].nodePort).toBe(port30091);
  });

  it('deleting a namespace releases the addresses and ports of its services', async () => {
    const ip204_4 = await freeIp();
    const port30100 = await freePort();
    const other = uniqueName('svc-ns');
    await core.createNamespace({ body: { metadata: { name: other } } });
    await core.createNamespacedService({ namespace: other, body: svc('x', { type: 'NodePort', clusterIP: ip204_4, ports: [{ port: 80, nodePort: port30100 }] }) });
    await core.deleteNamespace({ name: other });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const s = await core.createNamespacedService({ namespace: ns, body: svc('after-ns', { type: 'NodePort', clusterIP: ip204_4, ports: [{ port: 80, nodePort: port30100 }] }) });
        expect(s.spec?.clusterIP).toBe(ip204_4);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
});
