/**
 * The seam between the HPA controller and the resource metrics it scales on (upstream
 * pkg/controller/podautoscaler/metrics.MetricsClient, GetResourceMetric only).
 *
 * Contract: `podResourceMetrics` answers with the usage of those of the named pods the metrics
 * pipeline has a sample for (pods without one are left out — the replica calculator counts them
 * as missing), or rejects with a MetricsUnavailableError when it has none at all or the metrics
 * API cannot be reached. Values are milli-cores for cpu and bytes for memory.
 *
 * Two implementations here: one over the server's built-in metrics-server (MetricsScraper) and
 * one for servers started with --disable-metrics-server, which fails as upstream's client does
 * when metrics.k8s.io is not served. Tests use their own fakes.
 */
import type { MetricsScraper } from '../../metrics-server/metrics-scraper.js';

export type MetricResource = 'cpu' | 'memory';

export interface PodMetric {
  /** Milli-cores (cpu) or bytes (memory), summed over the pod's containers. */
  readonly value: number;
  /** End of the sample's window (ms since the epoch). */
  readonly timestamp: number;
  readonly windowMs: number;
}

export interface PodMetricsResult {
  /** By pod name. */
  readonly metrics: ReadonlyMap<string, PodMetric>;
  /** The timestamp of the first sample (upstream reports one timestamp per metric). */
  readonly timestamp: number;
}

export interface MetricsClient {
  podResourceMetrics(namespace: string, podNames: readonly string[], resource: MetricResource): Promise<PodMetricsResult>;
}

/** No usable metrics: the message is upstream's metrics-client error text. */
export class MetricsUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricsUnavailableError';
  }
}

/** Upstream's text when the metrics API answered but with no pod (GetResourceMetric). */
export const NO_METRICS_MESSAGE = 'no metrics returned from resource metrics API';

/** The metrics client of a server with the built-in metrics-server. */
export function scraperMetricsClient(scraper: Pick<MetricsScraper, 'podUsage'>): MetricsClient {
  return {
    async podResourceMetrics(namespace, podNames, resource) {
      const metrics = new Map<string, PodMetric>();
      let timestamp: number | undefined;
      for (const name of podNames) {
        const usage = scraper.podUsage(namespace, name);
        if (!usage) continue;
        let value = 0;
        for (const c of usage.containers) {
          // Quantity.MilliValue rounds up, so 1n of cpu reads as 1m, as upstream sees it.
          value += resource === 'cpu' ? Math.ceil(c.usage.cpuNanoCores / 1e6) : Math.round(c.usage.memoryBytes);
        }
        metrics.set(name, { value, timestamp: usage.timestamp, windowMs: usage.windowMs });
        timestamp ??= usage.timestamp;
      }
      if (timestamp === undefined) throw new MetricsUnavailableError(NO_METRICS_MESSAGE);
      return { metrics, timestamp };
    },
  };
}

/** The metrics client of a server without metrics-server: every query fails as upstream's does. */
export const unavailableMetricsClient: MetricsClient = {
  podResourceMetrics() {
    return Promise.reject(new MetricsUnavailableError('unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)'));
  },
};
