/**
 * GET /api/v1/componentstatuses (kubectl get cs) on an in-process server started without the
 * scheduler: what each component reports, the deprecation warning, the Table kubectl asks for,
 * and the verbs it refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestServer, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ disableScheduler: true });
});
afterAll(async () => {
  await ts?.stop();
});

const WARNING = '299 - "v1 ComponentStatus is deprecated in v1.19+"';

describe('componentstatuses', () => {
  it('reports the missing scheduler as unhealthy and says why; the others are Healthy', async () => {
    const r = await rawRequest(ts.server, { path: '/api/v1/componentstatuses' });
    expect(r.status).toBe(200);
    expect(r.headers.warning).toBe(WARNING);
    expect(r.json.kind).toBe('ComponentStatusList');
    const byName = Object.fromEntries(r.json.items.map((i: { metadata: { name: string }; conditions: unknown[] }) => [i.metadata.name, i.conditions]));
    expect(byName).toEqual({
      scheduler: [{ type: 'Healthy', status: 'Unknown', error: 'the scheduler does not run in this server (--disable-scheduler)' }],
      'controller-manager': [{ type: 'Healthy', status: 'True', message: 'ok' }],
      'etcd-0': [{ type: 'Healthy', status: 'True', message: 'ok' }],
    });
  });

  it('answers kubectl\'s Table request with upstream\'s columns', async () => {
    const r = await rawRequest(ts.server, { path: '/api/v1/componentstatuses', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    expect(r.status).toBe(200);
    expect(r.json.kind).toBe('Table');
    expect(r.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Status', 'Message', 'Error']);
    expect(r.json.rows.map((row: { cells: unknown[] }) => row.cells)).toEqual([
      ['scheduler', 'Unhealthy', '', 'the scheduler does not run in this server (--disable-scheduler)'],
      ['controller-manager', 'Healthy', 'ok', ''],
      ['etcd-0', 'Healthy', 'ok', ''],
    ]);
  });

  it('gets one component; an unknown name is a 404 Status that still carries the warning', async () => {
    const one = await rawRequest(ts.server, { path: '/api/v1/componentstatuses/etcd-0' });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' } });
    const missing = await rawRequest(ts.server, { path: '/api/v1/componentstatuses/kubelet' });
    expect(missing.status).toBe(404);
    expect(missing.headers.warning).toBe(WARNING);
    expect(missing.json).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'componentstatus "kubelet" not found', details: { name: 'kubelet', kind: 'componentstatus' } });
  });

  it('refuses watch, create and delete with 405', async () => {
    for (const req of [
      { path: '/api/v1/componentstatuses?watch=1' },
      { path: '/api/v1/componentstatuses', method: 'POST', body: JSON.stringify({ apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name: 'x' } }), headers: { 'Content-Type': 'application/json' } },
      { path: '/api/v1/componentstatuses/scheduler', method: 'DELETE' },
    ]) {
      const r = await rawRequest(ts.server, req);
      expect(r.status, `${req.method ?? 'GET'} ${req.path}`).toBe(405);
      expect(r.json).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed' });
    }
  });

  it('is in discovery as upstream lists it', async () => {
    const r = await rawRequest(ts.server, { path: '/api/v1' });
    const cs = r.json.resources.find((x: { name: string }) => x.name === 'componentstatuses');
    expect(cs).toMatchObject({ name: 'componentstatuses', singularName: 'componentstatus', namespaced: false, kind: 'ComponentStatus', verbs: ['get', 'list'], shortNames: ['cs'] });
  });
});
