import { describe, expect, it } from 'vitest';
import { forbiddenError, requestAttributes } from './request-attributes.js';

const q = (s = '') => new URLSearchParams(s);
const jane = { username: 'jane', groups: ['system:authenticated'] };

describe('requestAttributes', () => {
  it('maps methods and paths to verbs as RequestInfoFactory does', () => {
    expect(requestAttributes('GET', '/api/v1/namespaces/default/pods', q())).toEqual({ verb: 'list', group: '', resource: 'pods', namespace: 'default' });
    expect(requestAttributes('GET', '/api/v1/namespaces/default/pods', q('watch=true'))).toMatchObject({ verb: 'watch' });
    expect(requestAttributes('GET', '/api/v1/watch/namespaces/default/pods', q())).toMatchObject({ verb: 'watch', resource: 'pods', namespace: 'default' });
    expect(requestAttributes('GET', '/api/v1/namespaces/default/pods/web', q())).toEqual({ verb: 'get', group: '', resource: 'pods', namespace: 'default', name: 'web' });
    expect(requestAttributes('POST', '/api/v1/namespaces/default/pods/web/exec', q())).toEqual({ verb: 'create', group: '', resource: 'pods', namespace: 'default', name: 'web', subresource: 'exec' });
    expect(requestAttributes('DELETE', '/apis/apps/v1/namespaces/x/deployments', q())).toMatchObject({ verb: 'deletecollection', group: 'apps', resource: 'deployments' });
    expect(requestAttributes('PATCH', '/apis/apps/v1/namespaces/x/deployments/d/scale', q())).toMatchObject({ verb: 'patch', subresource: 'scale', name: 'd' });
    expect(requestAttributes('PUT', '/api/v1/nodes/n1/status', q())).toEqual({ verb: 'update', group: '', resource: 'nodes', name: 'n1', subresource: 'status' });
  });

  it('authorizes a WebSocket upgrade of exec, attach and portforward as create', () => {
    expect(requestAttributes('GET', '/api/v1/namespaces/a/pods/p/exec', q('command=sh'), true)).toMatchObject({ verb: 'create', subresource: 'exec' });
    expect(requestAttributes('GET', '/api/v1/namespaces/a/pods/p/portforward', q(), true)).toMatchObject({ verb: 'create' });
    expect(requestAttributes('GET', '/api/v1/namespaces/a/pods/p/log', q(), true)).toMatchObject({ verb: 'get' });
    expect(requestAttributes('GET', '/api/v1/namespaces/a/pods/p/exec', q(), false)).toMatchObject({ verb: 'get' });
  });

  it('treats namespaces as named cluster objects carrying their own namespace', () => {
    expect(requestAttributes('GET', '/api/v1/namespaces', q())).toEqual({ verb: 'list', group: '', resource: 'namespaces' });
    expect(requestAttributes('GET', '/api/v1/namespaces/team', q())).toEqual({ verb: 'get', group: '', resource: 'namespaces', namespace: 'team', name: 'team' });
    expect(requestAttributes('PUT', '/api/v1/namespaces/team/finalize', q())).toEqual({ verb: 'update', group: '', resource: 'namespaces', namespace: 'team', name: 'team', subresource: 'finalize' });
  });

  it('authorizes a list pinned to one name by field selector for that name', () => {
    expect(requestAttributes('GET', '/api/v1/namespaces/a/configmaps', q('fieldSelector=metadata.name%3Dcm1'))).toMatchObject({ verb: 'list', name: 'cm1' });
    expect(requestAttributes('GET', '/api/v1/namespaces/a/configmaps', q('fieldSelector=metadata.name%3Dcm1,x%3Dy'))).not.toHaveProperty('name');
  });

  it('treats other paths (discovery, health, openapi) as non-resource requests', () => {
    expect(requestAttributes('GET', '/apis/apps/v1', q())).toEqual({ verb: 'get', path: '/apis/apps/v1' });
    expect(requestAttributes('GET', '/openapi/v3', q())).toEqual({ verb: 'get', path: '/openapi/v3' });
    expect(requestAttributes('POST', '/foo', q())).toEqual({ verb: 'create', path: '/foo' });
  });
});

describe('forbiddenError', () => {
  it('words a denial as kube-apiserver does', () => {
    const list = forbiddenError(jane, { verb: 'list', group: '', resource: 'pods', namespace: 'default' }, '');
    expect(list.code).toBe(403);
    expect(list.message).toBe('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
    expect(list.toStatus().details).toEqual({ kind: 'pods' });
    const named = forbiddenError(jane, { verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'x', name: 'web' }, '');
    expect(named.message).toBe('deployments.apps "web" is forbidden: User "jane" cannot delete resource "deployments" in API group "apps" in the namespace "x"');
    expect(named.toStatus().details).toEqual({ name: 'web', group: 'apps', kind: 'deployments' });
    expect(forbiddenError(jane, { verb: 'create', group: '', resource: 'pods', namespace: 'a', name: 'p', subresource: 'exec' }, '').message).toBe(
      'pods "p" is forbidden: User "jane" cannot create resource "pods/exec" in API group "" in the namespace "a"',
    );
    expect(forbiddenError(jane, { verb: 'list', group: '', resource: 'nodes' }, '').message).toBe('nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');
    expect(forbiddenError(jane, { verb: 'get', path: '/metrics' }, '').message).toBe('forbidden: User "jane" cannot get path "/metrics"');
    expect(forbiddenError(jane, { verb: 'get', path: '/metrics' }, 'not yet').message).toBe('forbidden: User "jane" cannot get path "/metrics": not yet');
  });
});
