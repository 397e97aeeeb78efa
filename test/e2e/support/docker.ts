/**
 * Docker as the e2e tests see it: the `docker` CLI against the machine's one engine, which every
 * test shares. Everything a test's nodes create carries `io.lite.node=<node>`; tests look only at
 * their own nodes' objects and remove them when done.
 */
import { runProgram, type RunResult } from './kubectl.js';

let counter = 0;
/** A node name unique to this test process (also its containers' io.lite.node label). */
export function uniqueNodeName(prefix: string): string {
  counter += 1;
  return `e2e-${prefix}-${process.pid.toString(36)}-${counter}`;
}

export async function docker(args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  return await runProgram('docker', args, { timeoutMs });
}

/** `docker …` that must succeed; returns stdout. */
export async function dockerOk(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const r = await docker(args, timeoutMs);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export interface NodeContainer {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly labels: Record<string, string>;
}

/** Containers (running and stopped, with `all`) of one node. */
export async function nodeContainers(node: string, options: { all?: boolean; extraFilters?: readonly string[] } = {}): Promise<NodeContainer[]> {
  const filters = [`label=io.lite.node=${node}`, ...(options.extraFilters ?? [])].flatMap((f) => ['--filter', f]);
  const out = await dockerOk(['ps', ...(options.all ? ['-a'] : []), ...filters, '--format', '{{json .}}']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const j = JSON.parse(line) as { ID: string; Names: string; State: string; Labels: string };
      const labels = Object.fromEntries(
        j.Labels.split(',')
          .filter(Boolean)
          .map((kv) => {
            const i = kv.indexOf('=');
            return [kv.slice(0, i), kv.slice(i + 1)];
          }),
      );
      return { id: j.ID, name: j.Names, state: j.State, labels };
    });
}

/** Removes every container of a node (what a test's agent or server left running). */
export async function removeNodeContainers(node: string): Promise<void> {
  const ids = (await dockerOk(['ps', '-aq', '--filter', `label=io.lite.node=${node}`])).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids], 120_000);
  // The node's pod network (a Docker bridge network, lite-pods-<node>).
  const nets = (await dockerOk(['network', 'ls', '-q', '--filter', `label=io.lite.pod-network=${node}`])).split('\n').filter(Boolean);
  if (nets.length) await docker(['network', 'rm', ...nets]);
}
