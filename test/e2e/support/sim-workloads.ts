/**
 * Helpers for the controller / scheduler / simulated-node e2e files: small kubectl recipes
 * (namespaces, manifests on stdin, pods as JSON, rollout status, events) over a `ClusterContext`.
 * Every call goes through `Kubectl.ok` (exit 0, empty stderr) unless it says otherwise.
 */
import { expect } from 'vitest';
import { uniqueName, type ClusterContext } from './cluster.js';

/** A pod as `kubectl get -o json` prints it (the fields these tests read). */
export interface PodJson {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    creationTimestamp: string;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  };
  spec: { nodeName?: string; containers: { name: string; image: string }[]; volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface ListJson<T> {
  items: T[];
}

export class SimWorkloads {
  readonly #ctx: ClusterContext;

  constructor(ctx: ClusterContext) {
    this.#ctx = ctx;
  }

  get kubectl() {
    return this.#ctx.kubectl;
  }

  /** Creates a fresh namespace (`namespace/<ns> created`). */
  async namespace(prefix: string): Promise<string> {
    const ns = uniqueName(prefix);
    expect(await this.kubectl.ok(['create', 'namespace', ns])).toBe(`namespace/${ns} created\n`);
    return ns;
  }

  /** `kubectl apply -n ns -f -` with the manifest on stdin; returns stdout. */
  async apply(ns: string, manifest: string): Promise<string> {
    return await this.kubectl.ok(['apply', '-n', ns, '-f', '-'], { input: manifest });
  }

  async getJson<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.kubectl.ok(['get', ...args, '-o', 'json'])) as T;
  }

  /** Pods of a namespace (optionally by label selector) as JSON; no stderr even when empty. */
  async pods(ns: string, selector?: string): Promise<PodJson[]> {
    const args = ['pods', '-n', ns, ...(selector ? ['-l', selector] : [])];
    return (await this.getJson<ListJson<PodJson>>(args)).items;
  }

  /** Pods that are not being deleted. */
  async livePods(ns: string, selector?: string): Promise<PodJson[]> {
    return (await this.pods(ns, selector)).filter((p) => !p.metadata.deletionTimestamp);
  }

  /**
   * `kubectl rollout status <what> --timeout=…`: exit 0, nothing on stderr; returns the lines.
   */
  async rolloutStatus(ns: string, what: string, timeoutS = 90): Promise<string[]> {
    const out = await this.kubectl.ok(['rollout', 'status', what, '-n', ns, `--timeout=${timeoutS}s`], { timeoutMs: (timeoutS + 15) * 1000 });
    return out.split('\n').filter((l) => l !== '');
  }

  /** The `Events:` section of `kubectl describe` as rows of cells (Type, Reason, Age, From, Message). */
  async describeEvents(args: readonly string[]): Promise<{ type: string; reason: string; from: string; message: string }[]> {
    const out = await this.kubectl.ok(['describe', ...args]);
    const at = out.indexOf('\nEvents:');
    if (at < 0) throw new Error(`no Events section in\n${out}`);
    const all = out.slice(at + 1).split('\n');
    if (/^Events:\s+<none>\s*$/.test(all[0])) return [];
    const lines = all.slice(1);
    const header = lines[0] ?? '';
    const cols = ['Type', 'Reason', 'Age', 'From', 'Message'].map((c) => header.indexOf(c));
    if (cols.some((c) => c < 0)) throw new Error(`unexpected Events header ${JSON.stringify(header)}`);
    return lines
      .slice(2)
      .filter((l) => l.trim() !== '')
      .map((l) => ({
        type: l.slice(cols[0], cols[1]).trim(),
        reason: l.slice(cols[1], cols[2]).trim(),
        from: l.slice(cols[3], cols[4]).trim(),
        message: l.slice(cols[4]).trim(),
      }));
  }

  /** Counts of live pods per node name ('' for unscheduled). */
  static perNode(pods: readonly PodJson[]): Map<string, number> {
    const m = new Map<string, number>();
    for (const p of pods) m.set(p.spec.nodeName ?? '', (m.get(p.spec.nodeName ?? '') ?? 0) + 1);
    return m;
  }

  static isReady(p: PodJson): boolean {
    return p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }
}

/** The names of the simulated nodes of a `--simulate-nodes 3` server. */
export const SIM_NODES = ['sim-node-0', 'sim-node-1', 'sim-node-2'] as const;
