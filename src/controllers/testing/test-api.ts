/**
 * An in-process API for controller and scheduler tests: the real registry (validation,
 * defaulting, admission, watch) over memory storage, a FakeClock, shared informers and event
 * recorders — everything a ControllerContext needs, no sockets. Tests advance the clock instead
 * of sleeping and wait for conditions with bounded polling (`until`).
 */
import type { Logger } from 'pino';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources, type Client } from '../../client/client.js';
import { ClientEventRecorder, type EventRecorder } from '../../events/event-recorder.js';
import { InformerFactory } from '../../informer/informer-factory.js';
import { buildApiCore, type ApiCore } from '../../server/api-core.js';
import { DEFAULT_ISSUER } from '../../serviceaccount/claims.js';
import { TokenSigner } from '../../serviceaccount/jwt.js';
import { generateServiceAccountKey } from '../../serviceaccount/signing-key.js';
import { MemoryBackend } from '../../storage/memory/memory-backend.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import type { LocalClient } from '../../client/local-client.js';
import type { ControllerContext } from '../framework/controller.js';

export interface TestApi {
  readonly core: ApiCore;
  readonly client: LocalClient;
  readonly clock: FakeClock;
  readonly informers: InformerFactory;
  /** A ControllerContext over this API (shares the informer factory). */
  readonly context: ControllerContext;
  /** Aborts informers and controllers started with `signal`. */
  readonly signal: AbortSignal;
  /** Events recorded through `context.recorder(…)`, flushed. */
  events(): Promise<KubeObject[]>;
  stop(): Promise<void>;
}

/**
 * `serviceAccounts`: TokenRequest with an in-memory signing key, the ServiceAccount admission
 * plugin, and a `default` ServiceAccount in each of the namespaces created here.
 */
export async function startTestApi(options: { clock?: FakeClock; logger?: Logger; serviceAccounts?: boolean } = {}): Promise<TestApi> {
  const clock = options.clock ?? new FakeClock();
  const logger = options.logger ?? silentLogger;
  const stopping = new AbortController();
  const core = await buildApiCore({
    backend: new MemoryBackend({ logger, clock }),
    serviceCidr: '10.43.0.0/16',
    nodePortRange: [30000, 32767],
    clock,
    logger,
    signal: stopping.signal,
    ...(options.serviceAccounts ? { serviceAccounts: { signer: new TokenSigner(generateServiceAccountKey()), issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] } } : {}),
  });
  for (const name of ['default', 'kube-system', 'kube-node-lease']) {
    await core.client.create({ group: '', version: 'v1', resource: 'namespaces' }, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    if (options.serviceAccounts) await core.client.create(resources.serviceaccounts, name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } });
  }
  const informers = new InformerFactory({ client: core.client, clock, logger });
  const recorders: ClientEventRecorder[] = [];
  const context: ControllerContext = {
    client: core.client,
    informers,
    clock,
    logger,
    recorder(component: string): EventRecorder {
      const r = new ClientEventRecorder({ client: core.client, component, clock, logger });
      recorders.push(r);
      return r;
    },
  };
  informers.start(stopping.signal);
  return {
    core,
    client: core.client,
    clock,
    informers,
    context,
    signal: stopping.signal,
    async events() {
      for (const r of recorders) await r.flush();
      return (await core.client.list({ group: '', version: 'v1', resource: 'events' }, undefined)).items;
    },
    async stop() {
      stopping.abort();
      await informers.stopped();
      await core.close();
    },
  };
}

/**
 * Waits for a condition by yielding to the event loop (no wall-clock sleeps), up to `turns`
 * turns; fails with `what` if it never holds.
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Creates a Node as a healthy, registered kubelet's node looks once the control plane has seen
 * it: admission gives every new Node the `node.kubernetes.io/not-ready:NoSchedule` taint, and
 * the node lifecycle controller (not running in most tests) removes it once the node is Ready.
 * Taints the fixture itself carries are kept.
 */
export async function createReadyNode(client: Client, node: KubeObject): Promise<KubeObject> {
  const isNotReadyTaint = (t: unknown) => isJsonObject(t) && t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoSchedule';
  const created = await client.create(resources.nodes, undefined, node);
  const fixtureTaints = isJsonObject(node.spec) && Array.isArray(node.spec.taints) ? node.spec.taints : [];
  if (fixtureTaints.some(isNotReadyTaint)) return created;
  const spec = isJsonObject(created.spec) ? created.spec : {};
  const taints = Array.isArray(spec.taints) ? spec.taints : [];
  const kept = taints.filter((t) => !isNotReadyTaint(t));
  if (kept.length === taints.length) return created;
  const nextSpec = { ...spec };
  if (kept.length > 0) nextSpec.taints = kept;
  else delete nextSpec.taints;
  return client.update(resources.nodes, undefined, { ...created, spec: nextSpec });
}
