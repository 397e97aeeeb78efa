/**
 * `lite kubectl`, as `k3s kubectl`: the kubectl on PATH, pointed at this host's server by the admin
 * kubeconfig the server wrote, with arguments, stdin, stdout, stderr and exit code passed through.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { useCluster } from './support/cluster.js';
import { runProgram } from './support/kubectl.js';
import { LITE_BIN } from './support/lite-process.js';

const ctx = useCluster({ args: ['--simulate-nodes', '2'] });

/** `lite kubectl ARGS` as a user on this host runs it: no KUBECONFIG, the server's data dir. */
function liteKubectl(args: readonly string[], options: { env?: Record<string, string>; input?: string } = {}) {
  return runProgram(process.execPath, [LITE_BIN, 'kubectl', ...args], {
    env: { KUBECONFIG: '', HOME: ctx.tmp, LITE_DATA_DIR: ctx.server.dataDir, LITE_WRITE_KUBECONFIG: '', LITE_KUBECTL: '', ...options.env },
    input: options.input,
    timeoutMs: 30_000,
  });
}

describe('lite kubectl', () => {
  test('uses the server\'s admin kubeconfig when none is named', async () => {
    const r = await liteKubectl(['get', 'nodes', '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('node/sim-node-0\nnode/sim-node-1\n');
    expect(r.code).toBe(0);
  });

  test('passes stdin through, and kubectl\'s errors and exit code back', async () => {
    const created = await liteKubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-stdin, namespace: default}\ndata: {a: b}\n' });
    expect(created.stdout).toBe('configmap/from-stdin created\n');
    expect(await ctx.kubectl.ok(['get', 'configmap', 'from-stdin', '-o', 'jsonpath={.data.a}'])).toBe('b');
    const missing = await liteKubectl(['get', 'pod', 'nope', '-n', 'default']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
  });

  test('KUBECONFIG and --kubeconfig win over the server\'s kubeconfig', async () => {
    const elsewhere = join(ctx.tmp, 'no-such-kubeconfig.yaml');
    const viaEnv = await liteKubectl(['get', 'nodes'], { env: { KUBECONFIG: elsewhere } });
    expect(viaEnv.code).not.toBe(0);
    const viaFlag = await liteKubectl(['--kubeconfig', elsewhere, 'get', 'nodes']);
    expect(viaFlag.code).not.toBe(0);
    expect(viaFlag.stderr).toContain(elsewhere);
    const explicit = await liteKubectl([`--kubeconfig=${ctx.server.kubeconfigPath}`, 'get', 'nodes', '-o', 'name']);
    expect(explicit.stdout).toBe('node/sim-node-0\nnode/sim-node-1\n');
  });

  test('without a kubectl it says what to do and exits 1', async () => {
    const r = await liteKubectl(['get', 'nodes'], { env: { PATH: join(ctx.tmp, 'empty-path') } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('lite kubectl: no kubectl found on PATH. lite drives the real kubectl: install it (https://kubernetes.io/docs/tasks/tools/), or name it with LITE_KUBECTL=/path/to/kubectl\n');
  });
});
