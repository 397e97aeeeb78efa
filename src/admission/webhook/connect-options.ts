/**
 * The object admission webhooks get for a CONNECT request, as kube-apiserver builds it from the
 * request's query (the connect options of each subresource, core/v1): PodExecOptions,
 * PodAttachOptions, PodPortForwardOptions, and Pod/Service/NodeProxyOptions with the path after
 * `proxy`. False booleans and empty fields are left out, as Go's omitempty does.
 */
import type { KubeObject } from '../../api/object.js';

function truthy(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v !== null && v !== 'false' && v !== '0';
}

function flags(query: URLSearchParams, names: readonly string[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const n of names) if (truthy(query, n)) out[n] = true;
  return out;
}

/** The connect options of `resource/subresource`, or undefined when it is not a CONNECT subresource. */
export function connectOptions(resource: string, subresource: string, query: URLSearchParams, subpath: readonly string[]): KubeObject | undefined {
  const container = query.get('container');
  const typed = (kind: string, fields: Record<string, unknown>): KubeObject => ({ kind, apiVersion: 'v1', ...fields }) as KubeObject;
  const path = subpath.length ? { path: `/${subpath.join('/')}` } : {};
  if (resource === 'pods') {
    switch (subresource) {
      case 'exec':
        return typed('PodExecOptions', { ...flags(query, ['stdin', 'stdout', 'stderr', 'tty']), ...(container ? { container } : {}), command: query.getAll('command') });
      case 'attach':
        return typed('PodAttachOptions', { ...flags(query, ['stdin', 'stdout', 'stderr', 'tty']), ...(container ? { container } : {}) });
      case 'portforward': {
        const ports = query
          .getAll('ports')
          .flatMap((p) => p.split(','))
          .map((p) => Number(p))
          .filter((p) => Number.isInteger(p));
        return typed('PodPortForwardOptions', ports.length ? { ports } : {});
      }
      case 'proxy':
        return typed('PodProxyOptions', path);
      default:
        return undefined;
    }
  }
  if (resource === 'services' && subresource === 'proxy') return typed('ServiceProxyOptions', path);
  if (resource === 'nodes' && subresource === 'proxy') return typed('NodeProxyOptions', path);
  return undefined;
}
