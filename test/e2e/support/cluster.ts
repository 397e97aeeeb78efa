/**
 * One lite server per test file: `useCluster()` registers beforeAll/afterAll hooks that start
 * `bin/lite server` and stop it again (also when tests fail), and hands out a kubectl bound to it.
 * Tests share the server but not state: each test works in its own namespace (`ns()`).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Kubectl, requireKubectl132 } from './kubectl.js';
import { makeTempDir, startLite, type LiteServer, type StartLiteOptions } from './lite-process.js';

export interface ClusterContext {
  readonly server: LiteServer;
  readonly kubectl: Kubectl;
  /** A scratch directory for this file (removed in afterAll). */
  readonly tmp: string;
}

export function useCluster(options: StartLiteOptions = {}): ClusterContext {
  let server: LiteServer | undefined;
  let kubectl: Kubectl | undefined;
  let tmp: string | undefined;
  beforeAll(async () => {
    requireKubectl132();
    tmp = makeTempDir('work');
    server = await startLite(options);
    kubectl = new Kubectl({ kubeconfig: server.kubeconfigPath, cacheDir: join(tmp, 'kube-cache') });
  });
  afterAll(async () => {
    await server?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  return {
    get server(): LiteServer {
      if (!server) throw new Error('the lite server did not start (see the beforeAll failure)');
      return server;
    },
    get kubectl(): Kubectl {
      if (!kubectl) throw new Error('the lite server did not start (see the beforeAll failure)');
      return kubectl;
    },
    get tmp(): string {
      if (!tmp) throw new Error('beforeAll did not run');
      return tmp;
    },
  };
}

let counter = 0;
/** A DNS-1123 name that is unique within this test process. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid.toString(36)}-${counter}`;
}

/** A scratch sub-directory of the file's tmp dir. */
export function scratchDir(ctx: ClusterContext, name: string): string {
  const dir = join(ctx.tmp, uniqueName(name));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Parses kubectl's column output (tabwriter: every column starts at the same offset as its
 * header) into records keyed by header. Empty cells come out as ''.
 */
export function parseTable(stdout: string): Record<string, string>[] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0];
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) starts.push(m.index);
  const names = starts.map((s, i) => header.slice(s, starts[i + 1] ?? header.length).trim());
  return lines.slice(1).map((line) => {
    const rec: Record<string, string> = {};
    names.forEach((n, i) => {
      rec[n] = line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    });
    return rec;
  });
}

/** parseTable, keyed by the NAME column (or the first column). */
export function rowsByName(stdout: string): Map<string, Record<string, string>> {
  const rows = parseTable(stdout);
  return new Map(rows.map((r) => [r.NAME ?? Object.values(r)[0], r]));
}
