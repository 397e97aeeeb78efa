/**
 * GET /api/v1/componentstatuses: the health of the control-plane components, probed on every
 * read and never stored, as kube-apiserver's componentstatus REST does. Upstream probes the
 * scheduler's and controller manager's /healthz over HTTP and the storage backend; in lite those
 * components live in the server process, so the probes ask them directly.
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceRequest, VirtualReader } from './resource-handler.js';

/** What one probe found: upstream's probe result (Success/Failure/Unknown) as a condition status. */
export interface ComponentHealth {
  readonly status: 'True' | 'False' | 'Unknown';
  /** What the component answered (upstream: the /healthz body, "ok"). */
  readonly message: string;
  /** Why the probe failed. */
  readonly error?: string;
}

export interface ComponentProbe {
  /** scheduler, controller-manager, etcd-0. */
  readonly name: string;
  check(): Promise<ComponentHealth>;
}

/** Upstream's deprecation warning for every ComponentStatus request. */
export const COMPONENT_STATUS_DEPRECATION = 'v1 ComponentStatus is deprecated in v1.19+';

/** Probes run at once; one that takes longer than this counts as Unknown (upstream: 20 s). */
const PROBE_TIMEOUT_MS = 5_000;

async function probe(p: ComponentProbe): Promise<KubeObject> {
  let health: ComponentHealth;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<ComponentHealth>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'Unknown', message: '', error: `the ${p.name} probe did not answer within ${PROBE_TIMEOUT_MS / 1000}s` }), PROBE_TIMEOUT_MS);
    });
    health = await Promise.race([p.check(), timeout]);
  } catch (e) {
    health = { status: 'Unknown', message: '', error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
  const condition: Record<string, string> = { type: 'Healthy', status: health.status };
  if (health.message) condition.message = health.message;
  if (health.error) condition.error = health.error;
  // Upstream's objects carry a zero creationTimestamp, which Go writes as null.
  return { metadata: { name: p.name, creationTimestamp: null as unknown as string }, conditions: [condition] };
}

export function componentStatusReader(probes: readonly ComponentProbe[]): VirtualReader {
  return {
    async list(req: ResourceRequest): Promise<KubeObject[]> {
      req.ctx.warnings?.push(COMPONENT_STATUS_DEPRECATION);
      return Promise.all(probes.map(probe));
    },
    async get(req: ResourceRequest, name: string): Promise<KubeObject> {
      req.ctx.warnings?.push(COMPONENT_STATUS_DEPRECATION);
      const p = probes.find((c) => c.name === name);
      if (!p) throw ApiError.notFound({ group: '', resource: 'componentstatus' }, name);
      return probe(p);
    },
  };
}

/** Tracks a component's run loop: healthy while it runs, unhealthy once it has ended or failed. */
export class ComponentLoop {
  #state: 'running' | 'ended' = 'running';
  #error: string | undefined;

  constructor(run: Promise<void>) {
    run.then(
      () => {
        this.#state = 'ended';
      },
      (e: unknown) => {
        this.#state = 'ended';
        this.#error = e instanceof Error ? e.message : String(e);
      },
    );
  }

  health(name: string): ComponentHealth {
    if (this.#state === 'running') return { status: 'True', message: 'ok' };
    return { status: 'False', message: '', error: this.#error ? `the ${name} stopped: ${this.#error}` : `the ${name} has stopped` };
  }
}
