import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import type { ResourceRequest, SelectorParsers } from '../apiserver/resource-handler.js';
import { IndexedStore } from '../informer/shared-informer.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { cpuQuantity, memoryQuantity, nodeMetricsReader, podMetricsReader } from './metrics-api.js';
import { MetricsScraper, type SummarySource } from './metrics-scraper.js';
import { decodeSummary, usageBetween } from './resource-metrics.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** A kubelet Summary at `at`: node and containers with cumulative CPU core-ns and working sets. */
function summary(at: number, node: { cpu: number; mem: number }, pods: { ns: string; name: string; uid?: string; containers: { name: string; cpu: number; mem: number; start?: number }[] }[]) {
  const stats = (cpu: number, mem: number) => ({ cpu: { time: iso(at), usageCoreNanoSeconds: cpu }, memory: { time: iso(at), usageBytes: mem, workingSetBytes: mem } });
  return {
    node: { nodeName: 'n1', ...stats(node.cpu, node.mem) },
    pods: pods.map((p) => ({
      podRef: { namespace: p.ns, name: p.name, uid: p.uid ?? `uid-${p.name}` },
      containers: p.containers.map((c) => ({ name: c.name, ...(c.start !== undefined ? { startTime: iso(c.start) } : {}), ...stats(c.cpu, c.mem) })),
    })),
  };
}

describe('resource usage from two scrapes', () => {
  it('is the CPU rate over the window and the newer working set', () => {
    const older = { timestamp: T0, cpuCoreNanos: 1e9, memoryWorkingSetBytes: 10 };
    const newer = { timestamp: T0 + 10_000, cpuCoreNanos: 6e9, memoryWorkingSetBytes: 20 };
    // 5 core-seconds in 10 s: half a core.
    expect(usageBetween(older, newer)).toEqual({ timestamp: T0 + 10_000, windowMs: 10_000, cpuNanoCores: 500_000_000, memoryBytes: 20 });
    expect(usageBetween(undefined, newer)).toBeUndefined();
    expect(usageBetween(newer, older)).toBeUndefined();
    // The counter going back without a restart: no usage rather than a negative one.
    expect(usageBetween({ ...older, cpuCoreNanos: 9e9 }, newer)).toBeUndefined();
    // … unless the kubelet reported its rate (a simulated node whose pod ended).
    expect(usageBetween({ ...older, cpuCoreNanos: 9e9 }, { ...newer, reportedNanoCores: 7 })?.cpuNanoCores).toBe(7);
  });

  it('measures a container that restarted since the older scrape from its start', () => {
    const older = { timestamp: T0, cpuCoreNanos: 50e9, memoryWorkingSetBytes: 10 };
    const newer = { timestamp: T0 + 10_000, cpuCoreNanos: 2e9, memoryWorkingSetBytes: 30, startTime: T0 + 6_000 };
    expect(usageBetween(older, newer)).toEqual({ timestamp: T0 + 10_000, windowMs: 4_000, cpuNanoCores: 500_000_000, memoryBytes: 30 });
  });

  it('reads only what a Summary states, whatever else it holds', () => {
    const s = decodeSummary({
      node: { cpu: { time: iso(T0), usageCoreNanoSeconds: 5 }, memory: { time: iso(T0), workingSetBytes: 7 } },
      pods: [
        { podRef: { namespace: 'a', name: 'p', uid: 'u' }, containers: [{ name: 'c', cpu: { time: 'junk', usageCoreNanoSeconds: 1 }, memory: { workingSetBytes: 1 } }, { name: 'd', cpu: { time: iso(T0), usageCoreNanoSeconds: 2 }, memory: { workingSetBytes: 3 } }] },
        { podRef: { name: 'no-namespace' } },
        'junk',
      ],
    });
    expect(s.node).toEqual({ timestamp: T0, cpuCoreNanos: 5, memoryWorkingSetBytes: 7 });
    expect(decodeSummary({ node: { cpu: { time: iso(T0), usageCoreNanoSeconds: 5, usageNanoCores: 3 }, memory: { workingSetBytes: 1 } } }).node?.reportedNanoCores).toBe(3);
    expect([...s.pods.keys()]).toEqual(['a/p']);
    expect([...(s.pods.get('a/p')?.containers.keys() ?? [])]).toEqual(['d']);
    expect(decodeSummary(null)).toEqual({ node: undefined, pods: new Map() });
  });
});

describe('MetricsScraper', () => {
  function setup(nodes: string[] = ['n1']) {
    const clock = new FakeClock(T0);
    const answers = new Map<string, () => unknown>();
    const source: SummarySource = {
      async summary(node) {
        const answer = answers.get(node);
        if (!answer) throw new Error(`no kubelet of node "${node}" is connected`);
        return answer();
      },
    };
    const nodeNames = { list: nodes };
    const scraper = new MetricsScraper({ source, nodeNames: () => nodeNames.list, clock, logger: silentLogger, resolutionMs: 10_000 });
    return { clock, answers, scraper, nodeNames, signal: new AbortController().signal };
  }

  it('serves usage from the second scrape on; pods only when every container has usage', async () => {
    const { answers, scraper, signal } = setup();
    answers.set('n1', () => summary(T0, { cpu: 1e9, mem: 100 }, [{ ns: 'default', name: 'web', containers: [{ name: 'a', cpu: 1e9, mem: 5 }, { name: 'b', cpu: 0, mem: 6 }] }]));
    await scraper.scrapeOnce(signal);
    expect(scraper.nodeUsage('n1')).toBeUndefined();
    expect(scraper.podUsage('default', 'web')).toBeUndefined();
    answers.set('n1', () =>
      summary(T0 + 10_000, { cpu: 21e9, mem: 200 }, [
        { ns: 'default', name: 'web', containers: [{ name: 'a', cpu: 3e9, mem: 8 }, { name: 'b', cpu: 1e9, mem: 9 }] },
        // A pod seen for the first time has no usage yet.
        { ns: 'default', name: 'new', containers: [{ name: 'a', cpu: 1e9, mem: 1 }] },
      ]),
    );
    await scraper.scrapeOnce(signal);
    expect(scraper.nodeUsage('n1')).toEqual({ timestamp: T0 + 10_000, windowMs: 10_000, cpuNanoCores: 2_000_000_000, memoryBytes: 200 });
    const web = scraper.podUsage('default', 'web');
    expect(web?.containers.map((c) => [c.name, c.usage.cpuNanoCores, c.usage.memoryBytes])).toEqual([
      ['a', 200_000_000, 8],
      ['b', 100_000_000, 9],
    ]);
    expect(web?.windowMs).toBe(10_000);
    expect(scraper.podUsage('default', 'new')).toBeUndefined();
    expect(scraper.podUsage('other', 'web')).toBeUndefined();
  });

  it('treats a pod recreated under the same name as new', async () => {
    const { answers, scraper, signal } = setup();
    answers.set('n1', () => summary(T0, { cpu: 0, mem: 1 }, [{ ns: 'd', name: 'p', uid: 'old', containers: [{ name: 'c', cpu: 1e9, mem: 1 }] }]));
    await scraper.scrapeOnce(signal);
    answers.set('n1', () => summary(T0 + 10_000, { cpu: 0, mem: 1 }, [{ ns: 'd', name: 'p', uid: 'new', containers: [{ name: 'c', cpu: 2e9, mem: 1 }] }]));
    await scraper.scrapeOnce(signal);
    expect(scraper.podUsage('d', 'p')).toBeUndefined();
  });

  it('finds a pod on whichever node last reported it, and forgets it with its node', async () => {
    const { answers, scraper, nodeNames, signal } = setup(['n1', 'n2']);
    const on = (at: number, cpu: number) => summary(at, { cpu: 0, mem: 1 }, [{ ns: 'd', name: 'p', containers: [{ name: 'c', cpu, mem: 1 }] }]);
    answers.set('n1', () => summary(T0, { cpu: 0, mem: 1 }, []));
    answers.set('n2', () => on(T0, 0));
    await scraper.scrapeOnce(signal);
    answers.set('n2', () => on(T0 + 10_000, 1e9));
    await scraper.scrapeOnce(signal);
    expect(scraper.podUsage('d', 'p')?.containers[0].usage.cpuNanoCores).toBe(100_000_000);
    nodeNames.list = ['n1'];
    await scraper.scrapeOnce(signal);
    expect(scraper.podUsage('d', 'p')).toBeUndefined();
  });

  it('keeps a failing node as it was, and forgets nodes that are gone', async () => {
    const { answers, scraper, nodeNames, signal } = setup(['n1', 'n2']);
    answers.set('n1', () => summary(T0, { cpu: 0, mem: 1 }, []));
    answers.set('n2', () => summary(T0, { cpu: 0, mem: 1 }, []));
    await scraper.scrapeOnce(signal);
    answers.set('n1', () => summary(T0 + 10_000, { cpu: 1e9, mem: 2 }, []));
    answers.set('n2', () => summary(T0 + 10_000, { cpu: 1e9, mem: 2 }, []));
    await scraper.scrapeOnce(signal);
    answers.set('n1', () => {
      throw new Error('connection refused');
    });
    answers.set('n2', () => 'not a summary');
    await scraper.scrapeOnce(signal);
    // n1 failed: its last two scrapes still answer. n2 answered nonsense: no node stats now.
    expect(scraper.nodeUsage('n1')?.cpuNanoCores).toBe(100_000_000);
    expect(scraper.nodeUsage('n2')).toBeUndefined();
    nodeNames.list = ['n2'];
    await scraper.scrapeOnce(signal);
    expect(scraper.nodeUsage('n1')).toBeUndefined();
  });

  it('abandons a scrape that does not answer in time and scrapes again after the resolution', async () => {
    const { clock, answers, scraper } = setup();
    const controller = new AbortController();
    let calls = 0;
    answers.set('n1', () => {
      calls++;
      return new Promise(() => undefined); // never answers
    });
    const settle = async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    const run = scraper.run(controller.signal);
    await settle();
    clock.advance(10_000); // the timeout
    await settle();
    clock.advance(10_000); // the resolution
    await settle();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(scraper.rounds).toBeGreaterThanOrEqual(1);
    controller.abort();
    await run;
  });
});

describe('the metrics API readers', () => {
  const selectors: SelectorParsers = {
    label: (s) => {
      const [k, v] = s.split('=');
      return { matches: (labels) => labels?.[k] === v };
    },
    field: (s) => {
      const [k, v] = s.split('=');
      return { matches: (fields) => fields[k] === v };
    },
  };
  const request = (namespace: string | undefined, query = ''): ResourceRequest => ({ namespace, query: new URLSearchParams(query) }) as unknown as ResourceRequest;
  const node = (name: string, labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels, uid: name } });
  const pod = (namespace: string, name: string, labels: Record<string, string>, phase = 'Running'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, labels, uid: name }, status: { phase } });

  function setup() {
    const nodes = new IndexedStore();
    const pods = new IndexedStore();
    for (const n of [node('a', { zone: 'x' }), node('b', { zone: 'y' }), node('c', {})]) nodes.upsert(n);
    for (const p of [pod('default', 'web', { app: 'web' }), pod('default', 'db', { app: 'db' }), pod('kube-system', 'dns', { app: 'dns' }), pod('default', 'waiting', {}, 'Pending')]) pods.upsert(p);
    const usage = { timestamp: T0, windowMs: 15_012, cpuNanoCores: 250_000_000, memoryBytes: 64 * 1024 * 1024 };
    const scraper = {
      nodeUsage: (name: string) => (name === 'c' ? undefined : usage),
      podUsage: (namespace: string, name: string) =>
        name === 'db' ? undefined : { namespace, name, timestamp: T0, windowMs: 15_012, containers: [{ name: 'app', usage }, { name: 'side', usage: { ...usage, cpuNanoCores: 12_345 } }] },
    };
    const config = { scraper, nodes, pods, selectors, now: () => T0 + 5_000 };
    return { nodes: nodeMetricsReader(config), pods: podMetricsReader(config) };
  }

  it('serves NodeMetrics as metrics-server does, leaving out nodes without usage', async () => {
    const { nodes } = setup();
    const list = await nodes.list(request(undefined));
    expect(list.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(list[0]).toEqual({
      metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:05Z', labels: { zone: 'x' } },
      timestamp: '2026-01-01T00:00:00Z',
      window: '15.012s',
      usage: { cpu: '250m', memory: '64Mi' },
    });
    expect((await nodes.list(request(undefined, 'labelSelector=zone%3Dy'))).map((o) => o.metadata.name)).toEqual(['b']);
    expect((await nodes.get(request(undefined), 'b')).metadata.name).toBe('b');
    await expect(nodes.get(request(undefined), 'c')).rejects.toMatchObject({ code: 404, message: 'nodemetrics.metrics.k8s.io "c" not found' });
    // An unknown node is the node lister's NotFound, as metrics-server passes it on.
    await expect(nodes.get(request(undefined), 'zz')).rejects.toMatchObject({ code: 404, message: 'nodes "zz" not found' });
  });

  it('serves PodMetrics per namespace or across all, with selectors', async () => {
    const { pods } = setup();
    const inDefault = await pods.list(request('default'));
    expect(inDefault.map((o) => o.metadata.name)).toEqual(['web']);
    expect(inDefault[0].containers).toEqual([
      { name: 'app', usage: { cpu: '250m', memory: '64Mi' } },
      { name: 'side', usage: { cpu: '12345n', memory: '64Mi' } },
    ]);
    expect(inDefault[0].metadata).toEqual({ name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:05Z', labels: { app: 'web' } });
    expect((await pods.list(request(undefined))).map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['default/web', 'kube-system/dns']);
    expect((await pods.list(request(undefined, 'labelSelector=app%3Ddns'))).map((o) => o.metadata.name)).toEqual(['dns']);
    expect((await pods.list(request(undefined, 'fieldSelector=metadata.namespace%3Ddefault'))).map((o) => o.metadata.name)).toEqual(['web']);
    await expect(pods.get(request('default'), 'db')).rejects.toMatchObject({ code: 404, message: 'podmetrics.metrics.k8s.io "default/db" not found' });
    // Unknown or not Running: the pod lister's NotFound (metrics-server watches Running pods only).
    await expect(pods.get(request('default'), 'nope')).rejects.toMatchObject({ code: 404, message: 'pods "nope" not found' });
    await expect(pods.get(request('default'), 'waiting')).rejects.toMatchObject({ code: 404, message: 'pods "waiting" not found' });
  });

  it('writes quantities in canonical form', () => {
    expect(cpuQuantity(2_000_000_000)).toBe('2');
    expect(cpuQuantity(1_500_000_000)).toBe('1500m');
    expect(cpuQuantity(998_048_715)).toBe('998048715n');
    expect(cpuQuantity(0)).toBe('0');
    expect(memoryQuantity(5 * 1024 * 1024)).toBe('5Mi');
    expect(memoryQuantity(602_112)).toBe('588Ki');
    expect(memoryQuantity(1_000_000)).toBe('1000000');
  });
});
