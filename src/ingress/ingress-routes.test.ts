import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import { ingressClassOf, IngressRoutes, requestHost } from './ingress-routes.js';

type Path = { path?: string; pathType?: string; svc: string; port?: number | string };

function ingress(name: string, rules: { host?: string; paths: Path[] }[], extra: { created?: string; defaultBackend?: string; tls?: { hosts: string[]; secretName: string }[]; namespace?: string } = {}): KubeObject {
  const backend = (svc: string, port: number | string = 80) => ({ service: { name: svc, port: typeof port === 'number' ? { number: port } : { name: port } } });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: extra.namespace ?? 'default', creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z' },
    spec: {
      ...(extra.defaultBackend ? { defaultBackend: backend(extra.defaultBackend) } : {}),
      ...(extra.tls ? { tls: extra.tls } : {}),
      rules: rules.map((r) => ({ ...(r.host ? { host: r.host } : {}), http: { paths: r.paths.map((p) => ({ ...(p.path !== undefined ? { path: p.path } : {}), pathType: p.pathType ?? 'Prefix', backend: backend(p.svc, p.port) })) } })),
    },
  };
}

const svc = (routes: IngressRoutes, host: string | undefined, path: string) => routes.match(host, path)?.service;

describe('IngressRoutes', () => {
  it('matches Prefix paths element by element and Exact paths exactly', () => {
    const routes = new IngressRoutes([ingress('a', [{ paths: [{ path: '/foo', svc: 'foo' }, { path: '/foo/bar/', svc: 'bar' }, { path: '/exact', pathType: 'Exact', svc: 'exact' }] }])]);
    expect(svc(routes, 'x', '/foo')).toBe('foo');
    expect(svc(routes, 'x', '/foo/')).toBe('foo');
    expect(svc(routes, 'x', '/foo/baz?q=1')).toBe('foo');
    expect(svc(routes, 'x', '/foobar')).toBeUndefined();
    expect(svc(routes, 'x', '/foo/bar')).toBe('bar');
    expect(svc(routes, 'x', '/foo/bar/x')).toBe('bar');
    expect(svc(routes, 'x', '/exact')).toBe('exact');
    expect(svc(routes, 'x', '/exact/')).toBeUndefined();
  });

  it('prefers Exact over an equal Prefix, longer prefixes, then older Ingresses', () => {
    const routes = new IngressRoutes([
      ingress('newer', [{ paths: [{ path: '/', svc: 'newer-root' }, { path: '/api', svc: 'newer-api' }] }], { created: '2026-02-01T00:00:00Z' }),
      ingress('older', [{ paths: [{ path: '/api', svc: 'older-api' }, { path: '/api', pathType: 'Exact', svc: 'exact-api' }] }], { created: '2026-01-01T00:00:00Z' }),
    ]);
    expect(svc(routes, 'x', '/api')).toBe('exact-api');
    expect(svc(routes, 'x', '/api/v1')).toBe('older-api');
    expect(svc(routes, 'x', '/other')).toBe('newer-root');
  });

  it('tries exact hosts, then wildcards, then rules without a host; Host ports and case are ignored', () => {
    const routes = new IngressRoutes([
      ingress('hosts', [
        { host: 'web.example.com', paths: [{ path: '/app', svc: 'web-app' }] },
        { host: '*.example.com', paths: [{ path: '/', svc: 'wild' }] },
        { paths: [{ path: '/', svc: 'any' }] },
      ]),
    ]);
    expect(svc(routes, 'web.example.com', '/app')).toBe('web-app');
    expect(svc(routes, 'WEB.Example.com:8080', '/app/x')).toBe('web-app');
    // The exact host's rule has no match for /other: the wildcard's does.
    expect(svc(routes, 'web.example.com', '/other')).toBe('wild');
    expect(svc(routes, 'api.example.com', '/')).toBe('wild');
    // A wildcard covers exactly one label.
    expect(svc(routes, 'a.b.example.com', '/')).toBe('any');
    expect(svc(routes, 'example.com', '/')).toBe('any');
    expect(svc(routes, undefined, '/')).toBe('any');
  });

  it('falls back to the oldest defaultBackend, else nothing', () => {
    const routes = new IngressRoutes([
      ingress('b', [{ host: 'h', paths: [{ path: '/', svc: 'h' }] }], { defaultBackend: 'fallback-new', created: '2026-03-01T00:00:00Z' }),
      ingress('a', [], { defaultBackend: 'fallback-old', created: '2026-01-01T00:00:00Z' }),
    ]);
    expect(svc(routes, 'other', '/')).toBe('fallback-old');
    expect(new IngressRoutes([ingress('c', [{ host: 'h', paths: [{ svc: 'h' }] }])]).match('other', '/')).toBeUndefined();
  });

  it('keeps named ports and the Ingress a route came from; skips backends without a service', () => {
    const routes = new IngressRoutes([ingress('named', [{ paths: [{ path: '/', svc: 'web', port: 'http' }] }], { namespace: 'shop' })]);
    expect(routes.match('x', '/')).toEqual({ namespace: 'shop', service: 'web', port: 'http', ingress: 'shop/named' });
    const resource: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'r', namespace: 'd' }, spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { resource: { kind: 'Bucket', name: 'b' } } }] } }] } };
    expect(new IngressRoutes([resource]).match('x', '/')).toBeUndefined();
  });

  it('finds the TLS Secret for an SNI name, exact before wildcard, oldest Ingress first', () => {
    const routes = new IngressRoutes([
      ingress('new', [], { created: '2026-02-01T00:00:00Z', tls: [{ hosts: ['web.example.com'], secretName: 'new-cert' }] }),
      ingress('old', [], { created: '2026-01-01T00:00:00Z', tls: [{ hosts: ['web.example.com', '*.example.com'], secretName: 'old-cert' }] }),
    ]);
    expect(routes.tlsSecretFor('WEB.example.com')).toEqual({ namespace: 'default', name: 'old-cert' });
    expect(routes.tlsSecretFor('api.example.com')).toEqual({ namespace: 'default', name: 'old-cert' });
    expect(routes.tlsSecretFor('example.org')).toBeUndefined();
  });

  it('reads the class from spec.ingressClassName, else the legacy annotation; hosts without ports', () => {
    expect(ingressClassOf({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'a' }, spec: { ingressClassName: 'lite' } })).toBe('lite');
    expect(ingressClassOf({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'a', annotations: { 'kubernetes.io/ingress.class': 'nginx' } }, spec: {} })).toBe('nginx');
    expect(ingressClassOf({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'a' }, spec: {} })).toBeUndefined();
    expect(requestHost('[::1]:8080')).toBe('[::1]');
    expect(requestHost('Example.COM')).toBe('example.com');
  });
});
