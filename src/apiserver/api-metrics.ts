/**
 * GET /metrics: the API server's Prometheus metrics, as kube-apiserver names them
 * (k8s.io/apiserver pkg/endpoints/metrics), plus the Node.js process metrics prom-client collects
 * (process_*, nodejs_*; Go's go_* have no equivalent here). Readable with the `system:monitoring`
 * ClusterRole (and by system:masters), as upstream.
 *
 *  - apiserver_request_total{verb,dry_run,group,version,resource,subresource,scope,component,code}
 *  - apiserver_request_duration_seconds{verb,dry_run,group,version,resource,subresource,scope,component}
 *    (upstream's buckets; long-running requests — WATCH and CONNECT — are counted but not timed, as
 *    their duration is the client's choice)
 *  - apiserver_current_inflight_requests{request_kind} (readOnly / mutating, long-running excluded)
 *  - apiserver_longrunning_requests{verb,group,version,resource,subresource,scope,component}
 *
 * One registry per server (no module-level state), so several servers in one process (tests) keep
 * their own numbers.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestAttributes } from '../auth/request-attributes.js';

/** kube-apiserver's apiserver_request_duration_seconds buckets. */
const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
const LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
type Label = (typeof LABELS)[number];
export type RequestLabels = Record<Label, string>;

/** Subresources whose requests are connections rather than reads or writes. */
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

/**
 * The metric labels of a request, from its authorization attributes and path:
 * upstream's verbs (GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE, CONNECT) and scopes
 * (resource, namespace, cluster; empty for non-resource paths).
 */
export function requestLabels(method: string, path: string, attrs: RequestAttributes, query: URLSearchParams, contentType: string | undefined): RequestLabels {
  const dryRun = query.getAll('dryRun').filter((v) => v !== '').sort().join(',');
  if (attrs.resource === undefined) {
    return { verb: method.toUpperCase(), dry_run: dryRun, group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' };
  }
  const segs = path.split('/').filter((s) => s !== '');
  const version = segs[0] === 'api' ? (segs[1] ?? '') : (segs[2] ?? '');
  const subresource = attrs.subresource ?? '';
  let verb: string;
  if (CONNECT_SUBRESOURCES.has(subresource)) verb = 'CONNECT';
  else {
    switch (attrs.verb) {
      case 'get':
        verb = 'GET';
        break;
      case 'list':
        verb = 'LIST';
        break;
      case 'watch':
        verb = 'WATCH';
        break;
      case 'create':
        verb = 'POST';
        break;
      case 'update':
        verb = 'PUT';
        break;
      case 'patch':
        verb = contentType?.startsWith('application/apply-patch') ? 'APPLY' : 'PATCH';
        break;
      case 'delete':
      case 'deletecollection':
        verb = 'DELETE';
        break;
      default:
        verb = method.toUpperCase();
    }
  }
  const named = attrs.name !== undefined && attrs.verb !== 'list' && attrs.verb !== 'watch' && attrs.verb !== 'deletecollection';
  const scope = named ? 'resource' : attrs.namespace !== undefined ? 'namespace' : 'cluster';
  return { verb, dry_run: dryRun, group: attrs.group ?? '', version, resource: attrs.resource, subresource, scope, component: 'apiserver' };
}

export function isLongRunning(labels: RequestLabels): boolean {
  return labels.verb === 'WATCH' || labels.verb === 'CONNECT';
}

export class ApiServerMetrics {
  readonly #registry = new Registry();
  readonly #requests: Counter<Label | 'code'>;
  readonly #durations: Histogram<Label>;
  readonly #inflight: Gauge<'request_kind'>;
  readonly #longRunning: Gauge<Label>;

  constructor() {
    collectDefaultMetrics({ register: this.#registry });
    this.#requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...LABELS, 'code'],
      registers: [this.#registry],
    });
    this.#durations = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: [...LABELS],
      buckets: DURATION_BUCKETS,
      registers: [this.#registry],
    });
    this.#inflight = new Gauge({
      name: 'apiserver_current_inflight_requests',
      help: 'Requests being served now, by kind (readOnly: GET and LIST; mutating: the rest); long-running requests are not counted here.',
      labelNames: ['request_kind'],
      registers: [this.#registry],
    });
    this.#longRunning = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
      labelNames: [...LABELS],
      registers: [this.#registry],
    });
    // Both kinds exist from the start, as upstream's do.
    this.#inflight.set({ request_kind: 'readOnly' }, 0);
    this.#inflight.set({ request_kind: 'mutating' }, 0);
  }

  /**
   * Marks a request as started; the returned function records it when it ends with `code`.
   * Long-running requests count in apiserver_longrunning_requests instead of the in-flight gauge.
   */
  begin(labels: RequestLabels): (code: number) => void {
    const started = performance.now();
    const longRunning = isLongRunning(labels);
    const kind = labels.verb === 'GET' || labels.verb === 'LIST' || labels.verb === '' ? 'readOnly' : 'mutating';
    if (longRunning) this.#longRunning.inc(labels);
    else this.#inflight.inc({ request_kind: kind });
    let done = false;
    return (code: number) => {
      if (done) return;
      done = true;
      if (longRunning) this.#longRunning.dec(labels);
      else {
        this.#inflight.dec({ request_kind: kind });
        this.#durations.observe(labels, (performance.now() - started) / 1000);
      }
      this.#requests.inc({ ...labels, code: String(code) });
    };
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.#registry.metrics();
  }
}
