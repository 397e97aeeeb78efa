/**
 * The server's built-in metrics-server: every `resolutionMs` it fetches each node's kubelet
 * Summary API (`/stats/summary`, through the same kubelet connections that carry logs and exec)
 * and keeps the last two scrapes of every node, from which the metrics API computes usage.
 *
 * Contract:
 *  - `run(signal)` scrapes at once and then every `resolutionMs` until the signal aborts; a scrape
 *    of one node that fails or takes longer than `timeoutMs` leaves that node's older scrapes as
 *    they were (logged once per failure streak) and never delays the other nodes.
 *  - Nodes that disappear are forgotten at the next round.
 *  - Usage needs two scrapes: a node or pod has none until the second round after it appeared.
 */
import type { KubeletConnections } from '../tunnel/kubelet-connection.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { decodeSummary, usageBetween, type NodeScrape, type Usage } from './resource-metrics.js';

/** Where a node's Summary comes from (the kubelet connections in the server; fakes in tests). */
export interface SummarySource {
  /** The node's parsed `/stats/summary` body; rejects when the kubelet cannot be reached or fails. */
  summary(nodeName: string, signal: AbortSignal): Promise<unknown>;
}

export interface ContainerUsage {
  readonly name: string;
  readonly usage: Usage;
}

export interface PodUsage {
  readonly namespace: string;
  readonly name: string;
  readonly timestamp: number;
  readonly windowMs: number;
  readonly containers: readonly ContainerUsage[];
}

export interface MetricsScraperConfig {
  readonly source: SummarySource;
  /** The nodes to scrape now (from the node informer). */
  readonly nodeNames: () => readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Time between scrapes (k3s runs metrics-server with --metric-resolution=15s). */
  readonly resolutionMs?: number;
  /** A node's scrape is abandoned after this long. */
  readonly timeoutMs?: number;
  /** Nodes scraped at the same time. */
  readonly concurrency?: number;
}

interface NodeScrapes {
  previous: NodeScrape | undefined;
  last: NodeScrape;
}

const MAX_SUMMARY_BYTES = 64 * 1024 * 1024;

export class MetricsScraper {
  readonly #c: MetricsScraperConfig;
  readonly #nodes = new Map<string, NodeScrapes>();
  /** `namespace/name` → the node whose last scrape holds the pod, so a lookup costs no scan of every node. */
  readonly #podNodes = new Map<string, string>();
  readonly #failing = new Set<string>();
  /** Completed rounds (tests). */
  rounds = 0;

  constructor(config: MetricsScraperConfig) {
    this.#c = config;
  }

  get resolutionMs(): number {
    return this.#c.resolutionMs ?? 15_000;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.scrapeOnce(signal);
      try {
        await this.#c.clock.sleep(this.resolutionMs, signal);
      } catch {
        return; // aborted
      }
    }
  }

  /** One round over every node. */
  async scrapeOnce(signal: AbortSignal): Promise<void> {
    const names = [...new Set(this.#c.nodeNames())];
    const wanted = new Set(names);
    for (const [name, s] of [...this.#nodes]) {
      if (wanted.has(name)) continue;
      this.#nodes.delete(name);
      this.#unindex(name, s.last, undefined);
    }
    let next = 0;
    const worker = async () => {
      while (next < names.length && !signal.aborted) await this.#scrapeNode(names[next++], signal);
    };
    await Promise.all(Array.from({ length: Math.min(this.#c.concurrency ?? 16, names.length) }, worker));
    this.rounds++;
  }

  async #scrapeNode(name: string, signal: AbortSignal): Promise<void> {
    const timeout = new AbortController();
    const onAbort = () => timeout.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const cancelTimer = this.#c.clock.setTimer(this.#c.timeoutMs ?? 10_000, () => timeout.abort());
    try {
      // The race keeps a source that ignores its signal from holding up the round.
      const abandoned = new Promise<never>((_, reject) => timeout.signal.addEventListener('abort', () => reject(new Error('scrape abandoned')), { once: true }));
      const body = await Promise.race([this.#c.source.summary(name, timeout.signal), abandoned]);
      const scrape = decodeSummary(body);
      const known = this.#nodes.get(name);
      this.#nodes.set(name, { previous: known?.last, last: scrape });
      if (known) this.#unindex(name, known.last, scrape);
      for (const key of scrape.pods.keys()) this.#podNodes.set(key, name);
      if (this.#failing.delete(name)) this.#c.logger.info({ node: name }, 'scraping the kubelet works again');
    } catch (e) {
      if (signal.aborted) return;
      if (!this.#failing.has(name)) {
        this.#failing.add(name);
        const reason = timeout.signal.aborted ? `no answer within ${(this.#c.timeoutMs ?? 10_000) / 1000}s` : e instanceof Error ? e.message : String(e);
        this.#c.logger.warn({ node: name, err: reason }, 'scraping the kubelet failed; its metrics stay as they were');
      }
    } finally {
      cancelTimer();
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Drops the index entries of `node`'s pods in `old` that `replacement` no longer holds. */
  #unindex(node: string, old: NodeScrape, replacement: NodeScrape | undefined): void {
    for (const key of old.pods.keys()) {
      if (!replacement?.pods.has(key) && this.#podNodes.get(key) === node) this.#podNodes.delete(key);
    }
  }

  /** The node's usage between its last two scrapes. */
  nodeUsage(name: string): Usage | undefined {
    const s = this.#nodes.get(name);
    if (!s?.last.node) return undefined;
    return usageBetween(s.previous?.node, s.last.node);
  }

  /**
   * A pod's usage, only when every container of its last scrape has usage (metrics-server leaves
   * out pods with incomplete metrics). Timestamp and window are the earliest container's.
   */
  podUsage(namespace: string, name: string): PodUsage | undefined {
    const key = `${namespace}/${name}`;
    const node = this.#podNodes.get(key);
    const s = node === undefined ? undefined : this.#nodes.get(node);
    const pod = s?.last.pods.get(key);
    if (!s || !pod) return undefined;
    const before = s.previous?.pods.get(key);
    const previous = before && before.uid === pod.uid ? before : undefined;
    const containers: ContainerUsage[] = [];
    let earliest: Usage | undefined;
    for (const [container, point] of pod.containers) {
      const usage = usageBetween(previous?.containers.get(container), point);
      if (!usage) return undefined;
      containers.push({ name: container, usage });
      if (!earliest || usage.timestamp < earliest.timestamp) earliest = usage;
    }
    if (!earliest) return undefined;
    return { namespace, name, timestamp: earliest.timestamp, windowMs: earliest.windowMs, containers };
  }
}

/** Reads `/stats/summary` from a node's kubelet over its connection. */
export function kubeletSummarySource(kubelets: KubeletConnections): SummarySource {
  return {
    async summary(nodeName: string, signal: AbortSignal): Promise<unknown> {
      const connection = kubelets.forNode(nodeName);
      if (!connection) throw new Error(`no kubelet of node "${nodeName}" is connected`);
      const request = { method: 'GET' as const, path: '/stats/summary', query: '', headers: { Accept: 'application/json' } };
      const refused = connection.refuse?.(request);
      if (refused) throw refused;
      const stream = connection.open(request);
      const onAbort = () => stream.close('scrape abandoned');
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        stream.end();
        const head = await stream.head;
        const chunks: Uint8Array[] = [];
        let bytes = 0;
        for await (const chunk of stream.data) {
          bytes += chunk.byteLength;
          if (bytes > MAX_SUMMARY_BYTES) throw new Error(`the summary of node "${nodeName}" is larger than ${MAX_SUMMARY_BYTES} bytes`);
          chunks.push(chunk);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        if (head.status !== 200) throw new Error(`the kubelet answered ${head.status}: ${statusMessage(text)}`);
        return JSON.parse(text) as unknown;
      } finally {
        signal.removeEventListener('abort', onAbort);
        stream.close();
      }
    },
  };
}

function statusMessage(text: string): string {
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // not a Status
  }
  return text.slice(0, 200);
}
