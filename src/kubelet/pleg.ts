/**
 * The pod lifecycle event generator, as upstream's GenericPLEG (pkg/kubelet/pleg/generic.go):
 * every `periodMs` it lists the runtime's sandboxes and containers, compares each pod's with the
 * previous listing, and reports the pods whose containers or sandboxes changed state (a container
 * exited, a sandbox died with dockerd, a container vanished). The kubelet syncs those pods at once
 * instead of waiting for their resync.
 *
 * A listing that fails (the runtime is down) reports nothing and is retried next period.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { RuntimePod, RuntimePodReader } from './runtime-pod.js';

export interface PlegConfig {
  readonly reader: RuntimePodReader;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly periodMs: number;
  /** Called with the pods (by uid) that changed, and the full listing. */
  readonly onChange: (changed: readonly string[], all: ReadonlyMap<string, RuntimePod>) => void;
}

function fingerprint(p: RuntimePod): string {
  const parts: string[] = [];
  for (const s of p.sandboxes) parts.push(`s:${s.id}:${s.ready ? 1 : 0}:${s.ip ?? ''}`);
  for (const c of p.containers) parts.push(`c:${c.id}:${c.state}`);
  return parts.sort().join(',');
}

export class Pleg {
  readonly #c: PlegConfig;
  readonly #last = new Map<string, string>();
  #cancel: (() => void) | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  /** Successful relists (tests). */
  relists = 0;
  /** Whether the last relist reached the runtime. */
  healthy = true;

  constructor(config: PlegConfig) {
    this.#c = config;
  }

  start(): void {
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#cancel = this.#c.clock.setTimer(this.#c.periodMs, () => {
      this.#running = this.relist().finally(() => {
        this.#running = undefined;
        this.#schedule();
      });
    });
  }

  /** One relist (also called directly by tests and at start-up). */
  async relist(): Promise<void> {
    let all: Map<string, RuntimePod>;
    try {
      all = await this.#c.reader.all();
    } catch (e) {
      if (this.healthy) this.#c.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'listing the container runtime failed');
      this.healthy = false;
      return;
    }
    if (!this.healthy) this.#c.logger.info('container runtime reachable again');
    this.healthy = true;
    this.relists++;
    const changed: string[] = [];
    for (const [uid, pod] of all) {
      const fp = fingerprint(pod);
      if (this.#last.get(uid) !== fp) changed.push(uid);
      this.#last.set(uid, fp);
    }
    for (const uid of [...this.#last.keys()]) {
      if (all.has(uid)) continue;
      this.#last.delete(uid);
      changed.push(uid);
    }
    this.#c.onChange(changed, all);
  }

  /** Resolves when the relist a timer started (if any) has handed its changes on. */
  async idle(): Promise<void> {
    await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    await this.#running;
  }
}
