/**
 * GET /metrics: kube-apiserver's request metrics in the Prometheus text format, over HTTPS on an
 * in-process server, and who may read them (system:masters, the system:monitoring group).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestServer, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

describe('GET /metrics', () => {
  it('counts the requests served, with kube-apiserver\'s metric names and labels', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'metrics-probe' }, data: { a: '1' } };
    expect((await rawRequest(ts.server, { method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(cm) })).status).toBe(201);
    expect((await rawRequest(ts.server, { path: '/api/v1/namespaces/default/configmaps/missing' })).status).toBe(404);
    const r = await rawRequest(ts.server, { path: '/metrics' });
    expect(r.status).toBe(200);
    expect(String(r.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.text).toMatch(/^# TYPE apiserver_request_total counter$/m);
    expect(r.text).toMatch(/^apiserver_request_total\{verb="POST",dry_run="",group="",version="v1",resource="configmaps",subresource="",scope="namespace",component="apiserver",code="201"\} 1$/m);
    expect(r.text).toMatch(/^apiserver_request_total\{verb="GET",.*resource="configmaps",subresource="",scope="resource",component="apiserver",code="404"\} 1$/m);
    expect(r.text).toMatch(/^apiserver_request_duration_seconds_bucket\{le="0.005",verb="POST",.*resource="configmaps".*\} \d+$/m);
    expect(r.text).toMatch(/^apiserver_current_inflight_requests\{request_kind="mutating"\} 0$/m);
    expect(r.text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('is for system:masters and the system:monitoring group only', async () => {
    const as = (headers: Record<string, string>) => rawRequest(ts.server, { path: '/metrics', headers });
    const denied = await as({ 'Impersonate-User': 'ann' });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ kind: 'Status', reason: 'Forbidden', message: 'forbidden: User "ann" cannot get path "/metrics"' });
    expect((await as({ 'Impersonate-User': 'prometheus', 'Impersonate-Group': 'system:monitoring' })).status).toBe(200);
    expect((await rawRequest(ts.server, { path: '/metrics', token: null })).status).toBe(401);
  });
});
