/**
 * Applies a computed Ruleset with `iptables-restore --noflush`, touching only lite's chains:
 *
 *  - full sync (first sync, after a failure, every resync period): reads both tables, rewrites
 *    every one of our chains (declaring a chain flushes it), deletes stale KUBE-SVC/SVL/EXT/FW/SEP
 *    chains nobody needs any more, and inserts any missing jump from a built-in chain (INPUT,
 *    FORWARD, OUTPUT, PREROUTING, POSTROUTING) at position 1, moving back to the top a jump that
 *    someone else's rules (Docker's) got ahead of — so rules or jumps deleted by hand come back;
 *  - partial sync: only the chains whose rules differ from what was last applied are rewritten,
 *    chains no longer wanted are flushed and deleted; an unchanged ruleset writes nothing;
 *  - cleanup: removes our jumps (by the exact text iptables-save shows), then flushes and deletes
 *    every chain of ours, leaving Docker's and the host's rules alone.
 * A failed restore leaves the state unknown: the next sync is a full one.
 */
import type { Logger } from 'pino';
import { chainsInSave, rulesInSave, type IptablesRunner, type IptablesTable } from './iptables.js';
import { FILTER_TOP_CHAINS, isServiceChain, JUMP_RULES, NAT_TOP_CHAINS, type JumpRule, type Ruleset, type Table } from './proxier-rules.js';

export type SyncKind = 'unchanged' | 'partial' | 'full';

const TABLES: readonly IptablesTable[] = ['filter', 'nat'];

function ours(table: IptablesTable, chain: string): boolean {
  if (table === 'filter') return (FILTER_TOP_CHAINS as readonly string[]).includes(chain);
  return (NAT_TOP_CHAINS as readonly string[]).includes(chain) || isServiceChain(chain);
}

function isJump(line: string, j: JumpRule): boolean {
  return line.endsWith(` -j ${j.to}`) && line.includes(j.comment);
}

/**
 * The restore lines that put jump `j` where it must be: first in its built-in chain, ahead of
 * every rule that is not one of our jumps. Missing → inserted at 1. Present but below someone
 * else's rule → deleted and inserted at 1 again: Docker inserts its own FORWARD rules at the top
 * whenever it creates a bridge network or restarts, and its `-i br ! -o br -j ACCEPT` ahead of
 * KUBE-SERVICES would let traffic to a Service without endpoints past the REJECT (and a jump
 * left by an earlier run may sit anywhere).
 */
function placeJump(save: string, j: JumpRule): string[] {
  const rules = rulesInSave(save, j.from);
  const at = rules.findIndex((l) => isJump(l, j));
  const insert = `-I ${j.from} 1 ${j.args} -j ${j.to}`;
  if (at < 0) return [insert];
  if (rules.slice(0, at).every((l) => / -j KUBE-[A-Z-]+$/.test(l))) return [];
  return [`-D ${rules[at].slice(3)}`, insert];
}

function sameRules(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((r, i) => r === b[i]);
}

export interface IptablesSyncerConfig {
  readonly runner: IptablesRunner;
  readonly logger: Logger;
}

export class IptablesSyncer {
  readonly #c: IptablesSyncerConfig;
  #applied: Ruleset | undefined;

  constructor(config: IptablesSyncerConfig) {
    this.#c = config;
  }

  /** Forgets what was applied: the next sync is a full one. */
  invalidate(): void {
    this.#applied = undefined;
  }

  async sync(desired: Ruleset, full: boolean): Promise<SyncKind> {
    const kind: SyncKind = full || !this.#applied ? 'full' : 'partial';
    const sections: string[] = [];
    for (const table of TABLES) {
      const want = desired[table];
      const section = kind === 'full' ? await this.#fullSection(table, want) : this.#partialSection(table, want, (this.#applied as Ruleset)[table]);
      if (section) sections.push(section);
    }
    if (sections.length === 0) return 'unchanged';
    const input = sections.join('');
    this.#applied = undefined;
    try {
      await this.#c.runner.restore(input);
    } catch (e) {
      this.#c.logger.warn({ err: e instanceof Error ? e.message : String(e), context: (e as { context?: string }).context }, 'iptables-restore failed; next sync is a full one');
      throw e;
    }
    this.#applied = { filter: copy(desired.filter), nat: copy(desired.nat) };
    return kind;
  }

  async #fullSection(table: IptablesTable, want: Table): Promise<string> {
    const save = await this.#c.runner.save(table);
    const existing = chainsInSave(save);
    const stale = [...existing].filter((c) => ours(table, c) && !want.has(c));
    const lines = [`*${table}`];
    for (const chain of [...want.keys(), ...stale]) lines.push(`:${chain} - [0:0]`);
    for (const rules of want.values()) lines.push(...rules);
    for (const j of JUMP_RULES) if (j.table === table) lines.push(...placeJump(save, j));
    for (const chain of stale) lines.push(`-X ${chain}`);
    lines.push('COMMIT', '');
    return lines.join('\n');
  }

  #partialSection(table: IptablesTable, want: Table, applied: Table): string | undefined {
    const changed = [...want.entries()].filter(([chain, rules]) => !sameRules(applied.get(chain), rules));
    const removed = [...applied.keys()].filter((c) => !want.has(c));
    if (changed.length === 0 && removed.length === 0) return undefined;
    const lines = [`*${table}`];
    for (const [chain] of changed) lines.push(`:${chain} - [0:0]`);
    for (const chain of removed) lines.push(`:${chain} - [0:0]`);
    for (const [, rules] of changed) lines.push(...rules);
    for (const chain of removed) lines.push(`-X ${chain}`);
    lines.push('COMMIT', '');
    return lines.join('\n');
  }

  /** Removes every jump and chain of ours from both tables. */
  async cleanup(): Promise<void> {
    this.#applied = undefined;
    const sections: string[] = [];
    for (const table of TABLES) {
      const save = await this.#c.runner.save(table);
      const chains = [...chainsInSave(save)].filter((c) => ours(table, c));
      const jumps: string[] = [];
      for (const j of JUMP_RULES) {
        if (j.table !== table) continue;
        for (const l of rulesInSave(save, j.from)) if (isJump(l, j)) jumps.push(`-D ${l.slice(3)}`);
      }
      if (chains.length === 0 && jumps.length === 0) continue;
      const lines = [`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...jumps, ...chains.map((c) => `-X ${c}`), 'COMMIT', ''];
      sections.push(lines.join('\n'));
    }
    if (sections.length > 0) await this.#c.runner.restore(sections.join(''));
  }
}

function copy(t: Table): Table {
  return new Map([...t].map(([k, v]) => [k, [...v]]));
}
