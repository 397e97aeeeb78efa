/**
 * A `kubectl get <resource> -w --output-watch-events -o custom-columns=…` running in the
 * background, its lines parsed into events, for tests that need the order in which things
 * happened (rolling-update bounds, StatefulSet ordering, foreground deletion).
 *
 * With `--output-watch-events` kubectl hands the printer the WatchEvent itself, so the column
 * paths are `.type` and `.object.<path>` (a kubectl quirk; the same on a real cluster). kubectl
 * re-aligns columns per chunk, so lines are split on whitespace; column values must not contain
 * spaces (metadata names, timestamps, condition statuses, resourceVersions are fine). `<none>`
 * (kubectl's empty cell) comes out as ''.
 *
 * The process is always stopped by `stop()` (call it in `finally`); the kubectl support module
 * SIGKILLs it at process exit otherwise.
 */
import type { Kubectl, KubectlProcess } from './kubectl.js';

export interface WatchEvent {
  /** ADDED, MODIFIED, DELETED (BOOKMARKs are not printed by kubectl). */
  readonly type: string;
  /** Column name → value ('' for `<none>`). */
  readonly fields: Readonly<Record<string, string>>;
  /** Index in the stream (0-based). */
  readonly seq: number;
}

export class ObjectWatch {
  readonly process: KubectlProcess;
  readonly columns: readonly string[];

  private constructor(process: KubectlProcess, columns: readonly string[]) {
    this.process = process;
    this.columns = columns;
  }

  /**
   * Starts the watch. `columns` maps column names (upper case, no spaces) to paths relative to
   * the object (e.g. `{ NAME: '.metadata.name', READY: '.status.conditions[?(@.type=="Ready")].status' }`).
   * Resolves once kubectl printed the header, which it does with the first object of its
   * initial list: at least one object must match when the watch starts (create a sentinel
   * otherwise), so that the watch is known to be established before the test acts.
   */
  static async start(kubectl: Kubectl, getArgs: readonly string[], columns: Readonly<Record<string, string>>): Promise<ObjectWatch> {
    const names = Object.keys(columns);
    for (const n of names) if (!/^[A-Z][A-Z0-9_-]*$/.test(n) || n === 'EV') throw new Error(`column name ${n} must be upper case without spaces (and not EV)`);
    const spec = ['EV:.type', ...names.map((n) => `${n}:.object${columns[n]}`)].join(',');
    const p = kubectl.start(['get', ...getArgs, '-w', '--output-watch-events', '-o', `custom-columns=${spec}`]);
    const w = new ObjectWatch(p, names);
    try {
      await p.waitForLine(/^EV\s/, 15_000);
    } catch (e) {
      await p.stop();
      throw e;
    }
    return w;
  }

  /** Every event printed so far, in order. */
  events(): WatchEvent[] {
    const lines = this.process.lines();
    const out: WatchEvent[] = [];
    for (const line of lines) {
      const cells = line.trim().split(/\s+/);
      if (cells[0] === 'EV') continue;
      if (cells.length !== this.columns.length + 1) {
        throw new Error(`unexpected watch line (expected ${this.columns.length + 1} cells): ${JSON.stringify(line)}\n$ ${this.process.command}`);
      }
      const fields: Record<string, string> = {};
      this.columns.forEach((c, i) => (fields[c] = cells[i + 1] === '<none>' ? '' : cells[i + 1]));
      out.push({ type: cells[0], fields, seq: out.length });
    }
    return out;
  }

  /**
   * Replays the events into the set of live objects keyed by `key` (default NAME) and calls
   * `visit` after each event with the state at that point.
   */
  replay(visit: (state: ReadonlyMap<string, Readonly<Record<string, string>>>, ev: WatchEvent) => void, key = 'NAME'): Map<string, Readonly<Record<string, string>>> {
    const state = new Map<string, Readonly<Record<string, string>>>();
    for (const ev of this.events()) {
      if (ev.type === 'DELETED') state.delete(ev.fields[key]);
      else state.set(ev.fields[key], ev.fields);
      visit(state, ev);
    }
    return state;
  }

  /** Waits (bounded) until the replayed state satisfies `pred`. */
  async waitForState(pred: (state: ReadonlyMap<string, Readonly<Record<string, string>>>) => boolean, timeoutMs: number, what: string, key = 'NAME'): Promise<void> {
    await this.process.waitFor(() => (pred(this.replay(() => undefined, key)) ? true : undefined), timeoutMs, what);
  }

  /** Waits (bounded) until some event satisfies `pred`; returns it. */
  async waitForEvent(pred: (ev: WatchEvent) => boolean, timeoutMs: number, what: string): Promise<WatchEvent> {
    return await this.process.waitFor(() => this.events().find(pred), timeoutMs, what);
  }

  get stderr(): string {
    return this.process.stderr;
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}

/** Starts a watch, runs `body`, always stops the watch. */
export async function withObjectWatch<T>(
  kubectl: Kubectl,
  getArgs: readonly string[],
  columns: Readonly<Record<string, string>>,
  body: (w: ObjectWatch) => Promise<T>,
): Promise<T> {
  const w = await ObjectWatch.start(kubectl, getArgs, columns);
  try {
    return await body(w);
  } finally {
    await w.stop();
  }
}

/** The path of a pod condition's status, for a column. */
export function podCondition(type: string): string {
  return `.status.conditions[?(@.type=="${type}")].status`;
}
