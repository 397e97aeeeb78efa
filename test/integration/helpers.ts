/**
 * Shared harness for the integration tier: an in-process `lite` server on a loopback port, a
 * client-node KubeConfig for it, raw HTTPS requests that trust the server's CA, and bounded waits.
 *
 * Not a test file itself (vitest collects only *.test.ts).
 */
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { resources } from '../../src/client/client.js';
import { KubeletServer } from '../../src/kubelet/server/kubelet-server.js';
import { RuntimePodLookup } from '../../src/kubelet/server/pod-lookup.js';
import { SimRuntime } from '../../src/runtime/sim/sim-runtime.js';
import { directConnection } from '../../src/tunnel/kubelet-connection.js';
import { startServer, type RunningServer, type ServerConfig } from '../../src/server/server.js';

export interface TestServer {
  readonly server: RunningServer;
  readonly kc: KubeConfig;
  readonly dataDir: string;
  /** Stops the server; removes the data dir unless `keepDataDir`. */
  stop(options?: { keepDataDir?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  readonly datastore?: 'memory' | 'sqlite';
  /** Reuse a data dir (persistence tests); a fresh temp dir otherwise. */
  readonly dataDir?: string;
  /** 0 (default) picks a free port. */
  readonly httpsPort?: number;
  /** Simulated nodes registered at start (none by default). */
  readonly simulatedNodes?: ServerConfig['simulatedNodes'];
  /** Run without the scheduler (lite server --disable-scheduler). */
  readonly disableScheduler?: boolean;
  /** lite server --disable-metrics-server / --metric-resolution. */
  readonly disableMetricsServer?: boolean;
  readonly metricResolutionMs?: number;
  /** The HPA controller's sync period (15 s by default). */
  readonly hpaSyncPeriodMs?: number;
  /** Run the ingress controller on free loopback ports (RunningServer.ingress has them). */
  readonly ingress?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lite-it-'));
  const kubeconfigPath = join(dataDir, 'kubeconfig.yaml');
  const server = await startServer({
    dataDir,
    bindAddress: '127.0.0.1',
    httpsPort: options.httpsPort ?? 0,
    tlsSans: [],
    kubeconfigPath,
    serviceCidr: '10.43.0.0/16',
    nodePortRange: [30000, 32767],
    datastore: options.datastore ?? 'memory',
    ...(options.simulatedNodes ? { simulatedNodes: options.simulatedNodes } : {}),
    ...(options.disableScheduler ? { disableScheduler: true } : {}),
    ...(options.disableMetricsServer ? { disableMetricsServer: true } : {}),
    ...(options.metricResolutionMs !== undefined ? { metricResolutionMs: options.metricResolutionMs } : {}),
    ...(options.hpaSyncPeriodMs !== undefined ? { hpaSyncPeriodMs: options.hpaSyncPeriodMs } : {}),
    ...(options.ingress ? { ingress: { httpPort: 0, httpsPort: 0 } } : {}),
  });
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  let stopped = false;
  return {
    server,
    kc,
    dataDir,
    async stop(stopOptions = {}) {
      if (!stopped) {
        stopped = true;
        await server.stop();
      }
      if (!stopOptions.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON, or undefined if it is not JSON. */
  readonly json: any;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Bearer token: the admin token by default, `null` for none. */
  readonly token?: string | null;
}

/** One HTTPS request to the server, trusting only its CA; the whole body is read. */
export function rawRequest(server: RunningServer, req: RawRequest): Promise<RawResponse> {
  const token = req.token === undefined ? server.adminToken : req.token;
  const headers: Record<string, string> = { Accept: 'application/json', ...(req.headers ?? {}) };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (req.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  // Always framed by Content-Length: Node's client does not chunk DELETE bodies by default and
  // would send them unframed.
  if (req.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['Content-Length'] = String(Buffer.byteLength(req.body));
  return new Promise((resolve, reject) => {
    const r = httpsRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: req.path,
        method: req.method ?? 'GET',
        headers,
        ca: server.caCertPem,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Awaits a promise that must fail with an ApiException; returns its code and parsed Status body. */
export async function apiError(p: Promise<unknown>): Promise<{ code: number; status: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      let body: any = e.body;
      if (typeof body === 'string') {
        try {
          body = JSON.parse(body);
        } catch {
          /* leave as text */
        }
      }
      return { code: e.code, status: body };
    }
    throw e;
  }
  throw new Error('expected the request to fail with an API error, but it succeeded');
}

let counter = 0;
/** A DNS-1123 name unique within this process. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid.toString(36)}-${counter}`;
}

/**
 * A queue of events with an awaitable `next(predicate)` bounded by a deadline: lets tests wait for
 * watch/informer callbacks without sleeping.
 */
export class EventLog<T> {
  readonly items: T[] = [];
  #waiters: { pred: (items: readonly T[]) => boolean; resolve: () => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.#waiters = this.#waiters.filter((w) => {
      if (w.pred(this.items)) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  /** Resolves once `pred(items)` holds; rejects after `timeoutMs`. */
  until(what: string, pred: (items: readonly T[]) => boolean, timeoutMs = 10_000): Promise<void> {
    if (pred(this.items)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw ${JSON.stringify(this.items).slice(0, 2000)}`));
      }, timeoutMs);
      const waiter = {
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#waiters.push(waiter);
    });
  }
}

/**
 * client-go's `retry.RetryOnConflict` for tests: `readModifyWrite` reads the object, changes it and
 * writes it back with the resourceVersion it read. Controllers (deployment status, …) write the same
 * objects, so a read-modify-write can lose a race with them and get a 409; like real clients, the test
 * then re-reads and tries again, a bounded number of times. Any other error is thrown at once.
 */
export async function retryOnConflict<T>(readModifyWrite: () => Promise<T>, attempts = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await readModifyWrite();
    } catch (e) {
      if (!(e instanceof ApiException) || e.code !== 409 || i >= attempts) throw e;
    }
  }
}

/** The ConfigMap the root-CA publisher (controller manager) keeps in every namespace. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

/**
 * A label selector for tests that check pure API semantics on ConfigMaps: it matches objects the
 * test created (all carry `lite.test/owned`) and never the controller manager's `kube-root-ca.crt`.
 */
export const TEST_OWNED = 'lite.test/owned';

/**
 * Waits until the root-CA publisher has created `kube-root-ca.crt` in `namespace` (it does so
 * asynchronously after the namespace is created), so tests that count a namespace's ConfigMaps
 * know the controller's object is there before they start.
 */
export async function waitForRootCaConfigMap(server: RunningServer, namespace: string): Promise<void> {
  await waitFor(`${ROOT_CA_CONFIGMAP} in namespace ${namespace}`, async () => (await rawRequest(server, { path: `/api/v1/namespaces/${namespace}/configmaps/${ROOT_CA_CONFIGMAP}` })).status === 200);
}

export interface LoopbackNodeOptions {
  readonly name: string;
  /** The node's pod CIDR (its kubelet dials addresses in it). */
  readonly podCidr: string;
  /** The node's InternalIP. */
  readonly nodeIp: string;
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Where the kubelet's TCP dial of `host:port` really goes: a loopback port standing in for a
   * pod or the node, or undefined (connection refused).
   */
  readonly route: (host: string, port: number) => number | undefined;
}

/**
 * A Node whose kubelet is a KubeletServer on the simulated runtime, registered as the node's
 * in-process connection (as the embedded agent's is): the API server's dials through the node's
 * agent take the real path (CONNECT /dial), and only the kubelet's TCP dialer is replaced, mapping
 * pod or node addresses to loopback servers (the API refuses 127.0.0.1 as a pod IP, as upstream).
 * Returns the unregistration.
 */
export async function startLoopbackNode(ts: TestServer, options: LoopbackNodeOptions): Promise<() => void> {
  const { name, podCidr, nodeIp } = options;
  const node = await ts.server.client.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, ...(options.labels ? { labels: { ...options.labels } } : {}) }, spec: { podCIDR: podCidr, podCIDRs: [podCidr] } });
  await ts.server.client.update(resources.nodes, undefined, { ...node, status: { addresses: [{ type: 'InternalIP', address: nodeIp }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } }, { subresource: 'status' });
  const runtime = new SimRuntime({ nodeName: name, images: [{ name: 'busybox' }] });
  const kubelet = new KubeletServer({
    nodeName: name,
    runtime,
    pods: new RuntimePodLookup(runtime),
    dialScope: { nodeIps: [nodeIp], podCidrs: [podCidr] },
    tcpDialer: (host, port) =>
      new Promise<Socket>((resolve, reject) => {
        const local = options.route(host, port);
        if (local === undefined) return reject(new Error(`dial tcp ${host}:${port}: connect: connection refused`));
        const s = connect(local, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      }),
  });
  return ts.server.kubelets.registerDirect(name, directConnection(kubelet));
}
