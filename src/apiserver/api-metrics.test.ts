import { describe, expect, it } from 'vitest';
import { requestAttributes } from '../auth/request-attributes.js';
import { ApiServerMetrics, requestLabels } from './api-metrics.js';

const labels = (method: string, url: string, contentType?: string, upgrade = false) => {
  const [path, q = ''] = url.split('?');
  const query = new URLSearchParams(q);
  return requestLabels(method, path, requestAttributes(method, path, query, upgrade), query, contentType);
};

describe('request metric labels', () => {
  it('names verbs and scopes as kube-apiserver does', () => {
    expect(labels('GET', '/api/v1/namespaces/default/pods/web')).toEqual({ verb: 'GET', dry_run: '', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'resource', component: 'apiserver' });
    expect(labels('GET', '/api/v1/namespaces/default/pods')).toMatchObject({ verb: 'LIST', scope: 'namespace' });
    expect(labels('GET', '/api/v1/pods?watch=1')).toMatchObject({ verb: 'WATCH', scope: 'cluster' });
    expect(labels('POST', '/apis/apps/v1/namespaces/default/deployments?dryRun=All')).toMatchObject({ verb: 'POST', group: 'apps', version: 'v1', resource: 'deployments', scope: 'namespace', dry_run: 'All' });
    expect(labels('PUT', '/api/v1/namespaces/default/pods/web/status')).toMatchObject({ verb: 'PUT', subresource: 'status', scope: 'resource' });
    expect(labels('PATCH', '/apis/apps/v1/namespaces/d/deployments/web', 'application/apply-patch+yaml')).toMatchObject({ verb: 'APPLY' });
    expect(labels('PATCH', '/apis/apps/v1/namespaces/d/deployments/web', 'application/merge-patch+json')).toMatchObject({ verb: 'PATCH' });
    expect(labels('DELETE', '/api/v1/namespaces/default/pods')).toMatchObject({ verb: 'DELETE', scope: 'namespace' });
    expect(labels('GET', '/api/v1/namespaces/default/pods/web/exec', undefined, true)).toMatchObject({ verb: 'CONNECT', subresource: 'exec' });
    expect(labels('GET', '/api/v1/nodes/n1/proxy/healthz')).toMatchObject({ verb: 'CONNECT', subresource: 'proxy', scope: 'resource' });
    expect(labels('GET', '/healthz')).toEqual({ verb: 'GET', dry_run: '', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' });
  });
});

describe('ApiServerMetrics', () => {
  it('counts requests by code, times short ones and tracks what is in flight', async () => {
    const m = new ApiServerMetrics();
    const get = labels('GET', '/api/v1/namespaces/default/pods/web');
    const done = m.begin(get);
    expect(await m.text()).toMatch(/^apiserver_current_inflight_requests\{request_kind="readOnly"\} 1$/m);
    done(200);
    done(200); // a second end is ignored
    m.begin(labels('POST', '/api/v1/namespaces/default/pods'))(201);
    const watch = m.begin(labels('GET', '/api/v1/pods?watch=true'));
    let text = await m.text();
    expect(text).toMatch(/^apiserver_request_total\{verb="GET",dry_run="",group="",version="v1",resource="pods",subresource="",scope="resource",component="apiserver",code="200"\} 1$/m);
    expect(text).toMatch(/^apiserver_request_total\{verb="POST",.*resource="pods".*scope="namespace".*code="201"\} 1$/m);
    expect(text).toMatch(/^apiserver_request_duration_seconds_count\{verb="GET",.*resource="pods".*\} 1$/m);
    expect(text).toMatch(/^apiserver_current_inflight_requests\{request_kind="readOnly"\} 0$/m);
    expect(text).toMatch(/^apiserver_longrunning_requests\{verb="WATCH",.*\} 1$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    watch(200);
    text = await m.text();
    expect(text).toMatch(/^apiserver_longrunning_requests\{verb="WATCH",.*\} 0$/m);
    // A watch is counted but not timed.
    expect(text).not.toMatch(/^apiserver_request_duration_seconds_count\{verb="WATCH"/m);
    expect(text).toMatch(/^apiserver_request_total\{verb="WATCH",.*code="200"\} 1$/m);
  });
});
