/**
 * GET /apis/metrics.k8s.io/v1beta1/nodes and …/pods: NodeMetrics and PodMetrics computed from
 * the scraper's last two scrapes, shaped as metrics-server's API answers (`kubectl top` reads them):
 * metadata carries the node's or pod's name, namespace and labels and a creationTimestamp of now;
 * `timestamp` ends the measured window; CPU in cores (canonical quantity, down to nanocores) and
 * memory as working-set bytes. Objects without usage yet are left out of lists and are 404 on get,
 * as upstream's are (an unknown node, or a pod that is unknown or not Running, is the plain
 * `nodes "x"` / `pods "x" not found`). Label and field selectors (metadata.name,
 * metadata.namespace) filter lists.
 */
import { ApiError } from '../api/errors.js';
import { formatGoDuration } from '../api/go/go-time.js';
import { rfc3339, type KubeObject } from '../api/object.js';
import { formatQuantity } from '../api/schema/quantity.js';
import type { ResourceRequest, SelectorParsers, VirtualReader } from '../apiserver/resource-handler.js';
import type { Lister } from '../informer/shared-informer.js';
import type { FieldMatcher, LabelMatcher } from '../registry/resource-store.js';
import type { MetricsScraper } from './metrics-scraper.js';
import type { Usage } from './resource-metrics.js';

export interface MetricsApiConfig {
  readonly scraper: Pick<MetricsScraper, 'nodeUsage' | 'podUsage'>;
  readonly nodes: Lister;
  readonly pods: Lister;
  readonly selectors: SelectorParsers;
  readonly now: () => number;
}

const NODE_METRICS = { group: 'metrics.k8s.io', resource: 'nodemetrics' };
const POD_METRICS = { group: 'metrics.k8s.io', resource: 'podmetrics' };

/** CPU in cores as a canonical quantity ("250m", "12345n"). */
export function cpuQuantity(nanoCores: number): string {
  return formatQuantity({ nanos: BigInt(Math.max(0, Math.round(nanoCores))), format: 'DecimalSI' });
}

/** Memory in bytes as a canonical binary quantity ("64Mi", "1000000"). */
export function memoryQuantity(bytes: number): string {
  return formatQuantity({ nanos: BigInt(Math.max(0, Math.round(bytes))) * 1_000_000_000n, format: 'BinarySI' });
}

function usageList(u: Usage): Record<string, string> {
  return { cpu: cpuQuantity(u.cpuNanoCores), memory: memoryQuantity(u.memoryBytes) };
}

function window(ms: number): string {
  return formatGoDuration(BigInt(Math.round(ms)) * 1_000_000n);
}

interface Selectors {
  readonly labels: LabelMatcher | undefined;
  readonly fields: FieldMatcher | undefined;
}

function selectorsOf(req: ResourceRequest, parsers: SelectorParsers, namespaced: boolean): Selectors {
  const label = req.query.get('labelSelector');
  const field = req.query.get('fieldSelector');
  return {
    labels: label ? parsers.label(label) : undefined,
    fields: field ? parsers.field(field, undefined, namespaced) : undefined,
  };
}

function selected(obj: KubeObject, s: Selectors): boolean {
  if (s.labels && !s.labels.matches(obj.metadata.labels)) return false;
  if (s.fields) {
    const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
    if (obj.metadata.namespace !== undefined) fields['metadata.namespace'] = obj.metadata.namespace;
    if (!s.fields.matches(fields)) return false;
  }
  return true;
}

function metadataOf(obj: KubeObject, now: number): KubeObject['metadata'] {
  return {
    name: obj.metadata.name,
    ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
    creationTimestamp: rfc3339(now),
    ...(obj.metadata.labels ? { labels: { ...obj.metadata.labels } } : {}),
  };
}

export function nodeMetricsReader(c: MetricsApiConfig): VirtualReader {
  const metricsOf = (node: KubeObject): KubeObject | undefined => {
    const usage = c.scraper.nodeUsage(node.metadata.name ?? '');
    if (!usage) return undefined;
    return { metadata: metadataOf(node, c.now()), timestamp: rfc3339(usage.timestamp), window: window(usage.windowMs), usage: usageList(usage) };
  };
  return {
    async list(req) {
      const s = selectorsOf(req, c.selectors, false);
      const out: KubeObject[] = [];
      for (const node of c.nodes.list()) {
        if (!selected(node, s)) continue;
        const m = metricsOf(node);
        if (m) out.push(m);
      }
      return out.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    },
    async get(_req, name) {
      // As metrics-server: the node lister's NotFound as it is, then NotFound for missing metrics.
      const node = c.nodes.get(undefined, name);
      if (!node) throw ApiError.notFound({ group: '', resource: 'nodes' }, name);
      const m = metricsOf(node);
      if (!m) throw ApiError.notFound(NODE_METRICS, name);
      return m;
    },
  };
}

function isRunning(pod: KubeObject): boolean {
  const status = pod.status as { phase?: unknown } | undefined;
  return status?.phase === 'Running';
}

export function podMetricsReader(c: MetricsApiConfig): VirtualReader {
  const metricsOf = (pod: KubeObject): KubeObject | undefined => {
    const usage = c.scraper.podUsage(pod.metadata.namespace ?? '', pod.metadata.name ?? '');
    if (!usage) return undefined;
    return {
      metadata: metadataOf(pod, c.now()),
      timestamp: rfc3339(usage.timestamp),
      window: window(usage.windowMs),
      containers: usage.containers.map((ct) => ({ name: ct.name, usage: usageList(ct.usage) })),
    };
  };
  return {
    async list(req) {
      const s = selectorsOf(req, c.selectors, true);
      const out: KubeObject[] = [];
      for (const pod of c.pods.list(req.namespace)) {
        if (!isRunning(pod) || !selected(pod, s)) continue;
        const m = metricsOf(pod);
        if (m) out.push(m);
      }
      const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
      return out.sort((a, b) => (key(a) < key(b) ? -1 : 1));
    },
    async get(req, name) {
      const namespace = req.namespace ?? '';
      // metrics-server looks pods up among the Running ones and passes that NotFound on as it is.
      const pod = c.pods.get(namespace, name);
      if (!pod || !isRunning(pod)) throw ApiError.notFound({ group: '', resource: 'pods' }, name);
      const m = metricsOf(pod);
      if (!m) throw ApiError.notFound(POD_METRICS, `${namespace}/${name}`);
      return m;
    },
  };
}
