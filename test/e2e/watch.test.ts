/**
 * Watching (acceptance item 4): `kubectl get -w` as a long-running child while another kubectl
 * changes things; selector semantics of watches; and the "too old resource version" path: a
 * watch from a compacted revision gets 410 Expired and kubectl's informer relists.
 *
 * Compaction is made fast with `--datastore-compact-interval 1s --datastore-compact-retain 1`
 * (each run compacts up to the revision current at the previous run, keeping the newest one).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uniqueName, useCluster } from './support/cluster.js';
import { Kubectl, describeResult, requireKubectl132, type KubectlProcess } from './support/kubectl.js';
import { makeTempDir, startLite, type LiteServer } from './support/lite-process.js';
import { eventually } from './support/wait.js';
import { join } from 'node:path';
import { rmSync } from 'node:fs';

const ctx = useCluster();

/** Splits a kubectl table line into its cells. */
function cells(line: string): string[] {
  return line.trim().split(/\s+/);
}

async function withWatcher<T>(w: KubectlProcess, body: (w: KubectlProcess) => Promise<T>): Promise<T> {
  try {
    return await body(w);
  } finally {
    await w.stop();
  }
}

describe('kubectl get -w', () => {
  test('prints ADDED / MODIFIED / DELETED as pods are created, labelled and deleted', async () => {
    const ns = uniqueName('watch');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await ctx.kubectl.ok(['run', 'first', '-n', ns, '--image=nginx:1.27']);

    const events = ctx.kubectl.start(['get', 'pods', '-n', ns, '-w', '--output-watch-events']);
    const plain = ctx.kubectl.start(['get', 'pods', '-n', ns, '-w']);
    await withWatcher(events, () =>
      withWatcher(plain, async () => {
        // The initial list arrives first (as ADDED with --output-watch-events).
        expect(cells(await events.waitForLine(/^EVENT\s/))).toEqual(['EVENT', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
        expect(cells(await events.waitForLine(/^ADDED\s+first\s/)).slice(0, 5)).toEqual(['ADDED', 'first', '0/1', 'Pending', '0']);
        await plain.waitForLine(/^first\s/);

        await ctx.kubectl.ok(['run', 'second', '-n', ns, '--image=nginx:1.27']);
        await events.waitForLine(/^ADDED\s+second\s+0\/1\s+Pending\s/);
        await ctx.kubectl.ok(['label', 'pod', 'second', '-n', ns, 'stage=two']);
        await events.waitForLine(/^MODIFIED\s+second\s+0\/1\s+Pending\s/);
        await ctx.kubectl.ok(['delete', 'pod', 'second', '-n', ns, '--wait=false']);
        await events.waitForLine(/^DELETED\s+second\s/);

        // The scheduler also writes pod status (PodScheduled=False: this cluster has no nodes), so
        // "second" may be MODIFIED more than once; consecutive repeats are collapsed here.
        const evs = events.lines().slice(1).map((l) => `${cells(l)[0]} ${cells(l)[1]}`);
        expect(evs.filter((e, i) => e !== evs[i - 1])).toEqual(['ADDED first', 'ADDED second', 'MODIFIED second', 'DELETED second']);
        const secondEvents = evs.filter((e) => e.endsWith(' second')).length;

        // Without --output-watch-events: the header once, then one row per event.
        await plain.waitFor(() => (plain.lines().filter((l) => l.startsWith('second ')).length === secondEvents ? true : undefined), 15_000, `${secondEvents} rows for pod second`);
        const rows = plain.lines();
        expect(cells(rows[0])).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
        expect(rows.slice(1).map((l) => cells(l)[0])).toEqual(['first', ...Array<string>(secondEvents).fill('second')]);
        expect(events.stderr).toBe('');
        expect(plain.stderr).toBe('');
      }),
    );
  });

  test('--watch-only on one named object, and -o json events', async () => {
    const ns = uniqueName('watchone');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await ctx.kubectl.ok(['create', 'configmap', 'watched', '-n', ns, '--from-literal=v=0']);
    await ctx.kubectl.ok(['create', 'configmap', 'other', '-n', ns]);
    const w = ctx.kubectl.start(['get', 'configmap', 'watched', '-n', ns, '--watch-only', '-o', 'jsonpath={.data.v}{"\\n"}']);
    await withWatcher(w, async () => {
      // Nothing is printed for the current state with --watch-only; wait until the watch is open
      // by retrying a change until it shows up.
      let v = 0;
      await eventually(
        async () => {
          v += 1;
          await ctx.kubectl.ok(['patch', 'configmap', 'watched', '-n', ns, '--type=merge', '-p', JSON.stringify({ data: { v: String(v) } })]);
          await ctx.kubectl.ok(['patch', 'configmap', 'other', '-n', ns, '--type=merge', '-p', JSON.stringify({ data: { v: String(v) } })]);
          return w.lines().length > 0;
        },
        { timeoutMs: 15_000, intervalMs: 300, what: 'the watch to report a change' },
      );
      const seen = w.lines();
      // Only "watched" is reported, each change once, in order, never the initial "0".
      expect(seen).not.toContain('0');
      expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => a - b));
      expect(new Set(seen).size).toBe(seen.length);
      expect(w.stderr).toBe('');
    });

    const json = ctx.kubectl.start(['get', 'configmaps', '-n', ns, '-w', '-o', 'json', '--output-watch-events']);
    await withWatcher(json, async () => {
      // One JSON watch event per line.
      const events = () => json.lines().map((l) => JSON.parse(l) as { type: string; object: { kind: string; metadata: { name: string } } });
      await json.waitFor(() => (events().some((e) => e.object.metadata.name === 'other') ? true : undefined), 15_000, 'the initial events');
      await ctx.kubectl.ok(['delete', 'configmap', 'other', '-n', ns]);
      await json.waitFor(() => (events().some((e) => e.type === 'DELETED') ? true : undefined), 15_000, 'a DELETED event');
      // kube-root-ca.crt (root-CA publisher) may or may not exist yet when the watch starts.
      const seen = events()
        .map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name}`)
        .filter((e) => !e.endsWith('/kube-root-ca.crt'));
      expect(seen).toEqual(['ADDED ConfigMap/other', 'ADDED ConfigMap/watched', 'DELETED ConfigMap/other']);
      expect(json.stderr).toBe('');
    });
  });

  test('a watch with a label selector sees an object leave (DELETED) and come back (ADDED)', async () => {
    const ns = uniqueName('watchsel');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await ctx.kubectl.ok(['create', 'configmap', 'mover', '-n', ns]);
    await ctx.kubectl.ok(['label', 'configmap', 'mover', '-n', ns, 'team=a']);
    const w = ctx.kubectl.start(['get', 'configmaps', '-n', ns, '-l', 'team=a', '-w', '--output-watch-events']);
    await withWatcher(w, async () => {
      await w.waitForLine(/^ADDED\s+mover\s/);
      await ctx.kubectl.ok(['label', 'configmap', 'mover', '-n', ns, 'team=b', '--overwrite']);
      await w.waitForLine(/^DELETED\s+mover\s/);
      await ctx.kubectl.ok(['create', 'configmap', 'bystander', '-n', ns]);
      await ctx.kubectl.ok(['label', 'configmap', 'mover', '-n', ns, 'team=a', '--overwrite']);
      await w.waitFor(() => (w.lines().filter((l) => /^ADDED\s+mover\s/.test(l)).length === 2 ? true : undefined), 15_000, 'mover to be ADDED again');
      const evs = w.lines().slice(1).map((l) => `${cells(l)[0]} ${cells(l)[1]}`);
      expect(evs).toEqual(['ADDED mover', 'DELETED mover', 'ADDED mover']);
      expect(w.stderr).toBe('');
    });
  });
});

describe('watch from a compacted resourceVersion (410 Expired) and kubectl relisting', () => {
  const compactArgs = ['--datastore-compact-interval', '1s', '--datastore-compact-retain', '1'];
  const servers: LiteServer[] = [];
  let dataDir = '';
  let port = 0;
  let kubectl: Kubectl | undefined;
  let tmp = '';

  const current = (): LiteServer => {
    const s = servers.at(-1);
    if (!s) throw new Error('no lite server (see beforeAll)');
    return s;
  };
  const k = (): Kubectl => {
    if (!kubectl) throw new Error('no kubectl (see beforeAll)');
    return kubectl;
  };

  /** The highest revision compaction has reached, from the server's log (info level). */
  const compactedTo = (s: LiteServer): number => {
    let best = 0;
    for (const m of s.stderr.matchAll(/"to":(\d+)[^\n]*"msg":"compacted storage history"/g)) best = Math.max(best, Number(m[1]));
    return best;
  };

  async function waitCompactedPast(rv: number): Promise<void> {
    await eventually(() => compactedTo(current()) > rv, { timeoutMs: 20_000, intervalMs: 200, what: `compaction past revision ${rv} (log: ${current().stderr.slice(-600)})` });
  }

  async function restart(): Promise<void> {
    const exit = await current().stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    servers.push(await startLite({ dataDir, port, args: compactArgs }));
  }

  /** Makes a few writes so that the revision moves on; returns the newest resourceVersion. */
  async function writes(ns: string, n: number): Promise<number> {
    let rv = 0;
    for (let i = 0; i < n; i++) {
      const out = await k().ok(['create', 'configmap', uniqueName('filler'), '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}']);
      rv = Number(out);
    }
    return rv;
  }

  beforeAll(async () => {
    requireKubectl132();
    tmp = makeTempDir('compaction');
    const first = await startLite({ args: compactArgs });
    servers.push(first);
    dataDir = first.dataDir;
    port = first.port;
    kubectl = new Kubectl({ kubeconfig: first.kubeconfigPath, cacheDir: join(tmp, 'cache') });
  });

  afterAll(async () => {
    // Newest first; the first server owns (and removes) the data dir.
    for (const s of [...servers].reverse()) await s.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('after a restart, a watch from a compacted resourceVersion gets ERROR 410 Expired', async () => {
    const ns = uniqueName('expired');
    await k().ok(['create', 'namespace', ns]);
    const rv = await writes(ns, 4);
    await waitCompactedPast(rv - 2);
    await restart();
    const r = await k().run(['get', '--raw', `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=1`], { timeoutMs: 15_000 });
    expect(r.timedOut, `the watch from resourceVersion=1 did not end\n${describeResult(r)}`).toBe(false);
    expect(r.code, describeResult(r)).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const ev = JSON.parse(lines[0]) as { type: string; object: { kind: string; status: string; reason: string; code: number; message: string } };
    expect(ev.type).toBe('ERROR');
    expect(ev.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(ev.object.message).toMatch(/^too old resource version: 1 \(\d+\)$/);

    // A list at a compacted resourceVersion with resourceVersionMatch=Exact is 410 too.
    const exact = await k().fails(['get', '--raw', `/api/v1/namespaces/${ns}/configmaps?resourceVersion=2&resourceVersionMatch=Exact`]);
    expect(exact.stderr).toMatch(/^Error from server \(Expired\): too old resource version: 2 \(\d+\)\n$/);
  });

  test('on a running server, a watch from a compacted resourceVersion gets ERROR 410 Expired', async () => {
    // --datastore-compact-retain says "watches from older [revisions] get 410 Gone". The watch
    // bus keeps the newest 10 000 events in memory, so this only holds if it refuses to replay
    // what storage has compacted away.
    const ns = uniqueName('expired-live');
    await k().ok(['create', 'namespace', ns]);
    const first = await writes(ns, 1);
    const rv = await writes(ns, 4);
    await waitCompactedPast(rv - 2);
    const r = await k().run(['get', '--raw', `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${first}`], { timeoutMs: 10_000 });
    expect(r.timedOut, `the watch from compacted resourceVersion ${first} was served as a normal watch instead of ending with 410\n${describeResult(r)}`).toBe(false);
    const ev = JSON.parse(r.stdout.trim().split('\n')[0]) as { type: string; object: { code: number; reason: string } };
    expect(ev.type).toBe('ERROR');
    expect(ev.object).toMatchObject({ code: 410, reason: 'Expired' });
  });

  test('kubectl wait keeps going across a restart: its re-watch gets 410, it relists and still sees the delete', async () => {
    const ns = uniqueName('relist');
    await k().ok(['create', 'namespace', ns]);
    await k().ok(['create', 'configmap', 'target', '-n', ns]);
    const waiter = k().start(['wait', '--for=delete', 'configmap/target', '-n', ns, '--timeout=120s', '-v=6']);
    try {
      // The informer lists, then watches from the list's resourceVersion.
      const watchLine = await waiter.waitFor(
        () => /configmaps\?allowWatchBookmarks=true&fieldSelector=metadata\.name%3Dtarget&resourceVersion=(\d+)&timeoutSeconds=\d+&watch=true 200 OK/.exec(waiter.stderr)?.[1],
        20_000,
        'the informer watch request',
      );
      const watchedFrom = Number(watchLine);
      // Move the revision on (elsewhere: the waiter sees no events) and let compaction pass it.
      const other = uniqueName('relist-other');
      await k().ok(['create', 'namespace', other]);
      const rv = await writes(other, 4);
      await waitCompactedPast(Math.max(watchedFrom, rv - 2));

      await restart();
      await waiter.waitFor(() => (/too old resource version/.test(waiter.stderr) ? true : undefined), 30_000, 'the informer to be told its resourceVersion is too old');
      await k().ok(['delete', 'configmap', 'target', '-n', ns, '--wait=false']);
      const exit = await Promise.race([waiter.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 45_000))]);
      expect(exit, `kubectl wait did not finish\n${waiter.stderr.slice(-3000)}`).toEqual({ code: 0, signal: null });
      expect(waiter.stdout).toBe('configmap/target condition met\n');
      // It relisted after the 410 (a list request after the restart).
      const afterExpired = waiter.stderr.slice(waiter.stderr.indexOf('too old resource version'));
      expect(afterExpired).toMatch(/GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/[^/]+\/configmaps\?fieldSelector=metadata\.name%3Dtarget[^ ]* 200 OK/);
    } finally {
      await waiter.stop();
    }
  });
});
