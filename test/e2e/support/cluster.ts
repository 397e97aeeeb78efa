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
import { eventually } from './wait.js';

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

/** The ConfigMap the root-CA publisher (controller manager) keeps in every namespace. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

/**
 * Waits (bounded) until the root-CA publisher has created `kube-root-ca.crt` in `ns`. It does so
 * asynchronously after the namespace appears; tests that print a namespace's ConfigMaps wait for it
 * so their expected output (which includes it, as on any real cluster) is deterministic.
 */
export async function waitForRootCa(ctx: ClusterContext, ns: string): Promise<void> {
  await eventually(async () => (await ctx.kubectl.run(['get', 'configmap', ROOT_CA_CONFIGMAP, '-n', ns, '-o', 'name'])).code === 0, {
    what: `${ROOT_CA_CONFIGMAP} in namespace ${ns}`,
    timeoutMs: 15_000,
    intervalMs: 50,
  });
}

/**
 * Waits (bounded) until `kubectl get <args> -o jsonpath=<template>` prints `expected`: for
 * conditions a controller brings about (e.g. a Deployment's status after the deployment
 * controller has observed it).
 */
export async function waitForJsonPath(ctx: ClusterContext, args: readonly string[], template: string, expected: string, timeoutMs = 20_000): Promise<void> {
  let last = '';
  try {
    await eventually(
      async () => {
        const r = await ctx.kubectl.run(['get', ...args, '-o', `jsonpath=${template}`]);
        last = r.code === 0 ? r.stdout : `exit ${r.code}: ${r.stderr.trim()}`;
        return last === expected;
      },
      { what: `kubectl get ${args.join(' ')} -o jsonpath=${template} to print ${JSON.stringify(expected)}`, timeoutMs, intervalMs: 100 },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message} (last output ${JSON.stringify(last)})`);
  }
}
