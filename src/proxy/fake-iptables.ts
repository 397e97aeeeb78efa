/**
 * An in-memory iptables for unit tests, with the semantics the proxy relies on:
 *  - `restore` applies restore-format input as `iptables-restore --noflush` does: declaring a
 *    user chain (`:NAME - [0:0]`) creates or flushes it, `-A`/`-I`/`-D`/`-F`/`-X` change rules and
 *    chains, other chains are untouched; the whole input applies or nothing does;
 *  - errors where the kernel refuses: a rule in or jumping to a chain that does not exist, `-D` of
 *    a rule that is not there, `-X` of a chain that is referenced or not empty;
 *  - `save` prints the table as iptables-save lays it out (built-in chains first).
 * Rules are compared as text (the real iptables normalizes; the proxy only ever deletes rules by
 * the exact text `save` printed).
 * Fault injection: `failNextRestore`.
 */
import type { IptablesRunner, IptablesTable } from './iptables.js';

const BUILTIN: Record<IptablesTable, readonly string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};
const TARGETS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'MARK', 'MASQUERADE', 'DNAT', 'SNAT', 'LOG', 'REDIRECT']);

type Tables = Record<IptablesTable, Map<string, string[]>>;

export class FakeIptables implements IptablesRunner {
  #tables: Tables = { filter: fresh('filter'), nat: fresh('nat') };
  #failNext: Error | undefined;
  /** Every restore input received (successful or not). */
  readonly restores: string[] = [];
  saves = 0;

  async save(table: IptablesTable): Promise<string> {
    this.saves++;
    const t = this.#tables[table];
    const builtins = BUILTIN[table];
    const user = [...t.keys()].filter((c) => !builtins.includes(c)).sort();
    const out = [`*${table}`];
    for (const c of builtins) out.push(`:${c} ACCEPT [0:0]`);
    for (const c of user) out.push(`:${c} - [0:0]`);
    for (const c of [...builtins, ...user]) for (const r of t.get(c) ?? []) out.push(`-A ${c} ${r}`);
    out.push('COMMIT', '');
    return out.join('\n');
  }

  async restore(input: string): Promise<void> {
    this.restores.push(input);
    if (this.#failNext) {
      const e = this.#failNext;
      this.#failNext = undefined;
      throw e;
    }
    const next: Tables = { filter: clone(this.#tables.filter), nat: clone(this.#tables.nat) };
    let table: Map<string, string[]> | undefined;
    let tableName: IptablesTable | undefined;
    const lines = input.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      const fail = (msg: string) => new Error(`iptables-restore: line ${i + 1}: ${msg}`);
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        const name = line.slice(1);
        if (name !== 'filter' && name !== 'nat') throw fail(`unknown table ${name}`);
        tableName = name;
        table = next[name];
        continue;
      }
      if (!table || !tableName) throw fail('no table');
      if (line === 'COMMIT') {
        table = undefined;
        continue;
      }
      if (line.startsWith(':')) {
        const chain = line.slice(1).split(' ')[0];
        if (!BUILTIN[tableName].includes(chain)) table.set(chain, []);
        continue;
      }
      const m = /^(-[AIDFX]) (\S+)(?: (.*))?$/.exec(line);
      if (!m) throw fail(`cannot parse ${JSON.stringify(line)}`);
      const [, op, chain, rest = ''] = m;
      const rules = table.get(chain);
      if (!rules) throw fail(`chain ${chain} does not exist`);
      if (op === '-F') {
        rules.length = 0;
        continue;
      }
      if (op === '-X') {
        if (BUILTIN[tableName].includes(chain)) throw fail(`cannot delete built-in chain ${chain}`);
        if (rules.length > 0) throw fail(`chain ${chain} is not empty`);
        for (const [c, rs] of table) if (rs.some((r) => jumpTarget(r) === chain)) throw fail(`chain ${chain} is referenced by ${c}`);
        table.delete(chain);
        continue;
      }
      let rule = rest;
      let position = -1;
      if (op === '-I') {
        const pm = /^(\d+) (.*)$/.exec(rest);
        if (pm) {
          position = Number(pm[1]) - 1;
          rule = pm[2];
        } else position = 0;
      }
      const target = jumpTarget(rule);
      if (op !== '-D' && target && !TARGETS.has(target) && !table.has(target)) throw fail(`jump target ${target} does not exist`);
      if (op === '-A') rules.push(rule);
      else if (op === '-I') rules.splice(Math.min(position, rules.length), 0, rule);
      else {
        const at = rules.indexOf(rule);
        if (at < 0) throw fail(`no such rule in ${chain}: ${rule}`);
        rules.splice(at, 1);
      }
    }
    this.#tables = next;
  }

  /** Rules of a chain (without `-A CHAIN`), or undefined when the chain does not exist. */
  rules(table: IptablesTable, chain: string): readonly string[] | undefined {
    const rules = this.#tables[table].get(chain);
    return rules ? [...rules] : undefined;
  }

  chains(table: IptablesTable): string[] {
    return [...this.#tables[table].keys()];
  }

  /** Adds a rule as someone else would (Docker, the admin). */
  addForeignRule(table: IptablesTable, chain: string, rule: string): void {
    const t = this.#tables[table];
    if (!t.has(chain)) t.set(chain, []);
    t.get(chain)?.push(rule);
  }

  /** Deletes the rule at `index` of a chain, as `iptables -t T -D CHAIN N` by hand. */
  deleteByHand(table: IptablesTable, chain: string, index: number): string {
    const rules = this.#tables[table].get(chain);
    if (!rules || index >= rules.length) throw new Error(`no rule ${index} in ${chain}`);
    return rules.splice(index, 1)[0];
  }

  failNextRestore(error: Error): void {
    this.#failNext = error;
  }
}

function fresh(table: IptablesTable): Map<string, string[]> {
  return new Map(BUILTIN[table].map((c) => [c, []]));
}

function clone(t: Map<string, string[]>): Map<string, string[]> {
  return new Map([...t].map(([k, v]) => [k, [...v]]));
}

function jumpTarget(rule: string): string | undefined {
  return /(?:^| )-j (\S+)/.exec(rule)?.[1];
}
