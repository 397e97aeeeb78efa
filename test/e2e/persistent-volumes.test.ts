/**
 * Persistent volumes with the real bin/lite (server + embedded Docker agent), kubectl 1.32 and the
 * locally built busybox image, as a k3s user meets them:
 *  - the default `local-path` class; a claim waits for its first consumer;
 *  - a pod running as a non-root user (as database images do) writes a file into the claim
 *    (provisioned under <data-dir>/storage on the node, world-writable as local-path-provisioner
 *    makes it), the pod is deleted and a new one reads the same file;
 *  - `kubectl get pv,pvc,sc` and `kubectl describe pvc` read as on k3s;
 *  - deleting the claim deletes the volume and its directory on the node.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseTable, uniqueName, useCluster } from './support/cluster.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ agent: true });
const ns = uniqueName('pv');

async function apply(name: string, yaml: string): Promise<void> {
  const file = join(ctx.tmp, `${name}.yaml`);
  writeFileSync(file, yaml);
  await ctx.kubectl.ok(['apply', '-n', ns, '-f', file]);
}

function pod(name: string, command: string, runAsUser?: number): string {
  return `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1${runAsUser === undefined ? '' : `\n  securityContext: {runAsUser: ${runAsUser}, runAsGroup: ${runAsUser}}`}
  containers:
  - name: c
    image: ${TEST_IMAGES.busybox}
    command: ["sh", "-c", ${JSON.stringify(command)}]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data}
`;
}

async function running(name: string): Promise<void> {
  await eventually(async () => (await ctx.kubectl.ok(['get', 'pod', name, '-n', ns, '-o', 'jsonpath={.status.phase}'])) === 'Running', { timeoutMs: 60_000, what: `${name} Running` });
}

async function gone(args: string[], what: string): Promise<void> {
  await eventually(async () => (await ctx.kubectl.run(['get', ...args, '-o', 'name'])).stdout.trim() === '', { timeoutMs: 60_000, what });
}

beforeAll(async () => {
  await ensureE2eImages();
  await ctx.kubectl.ok(['create', 'namespace', ns]);
});

afterAll(async () => {
  await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=false']);
});

describe('local-path persistent volumes on a Docker node', () => {
  test('a file written into a claim survives its pod; deleting the claim removes the volume and its directory', async () => {
    const sc = parseTable(await ctx.kubectl.ok(['get', 'sc']));
    expect(sc).toEqual([{ NAME: 'local-path (default)', PROVISIONER: 'rancher.io/local-path', RECLAIMPOLICY: 'Delete', VOLUMEBINDINGMODE: 'WaitForFirstConsumer', ALLOWVOLUMEEXPANSION: 'false', AGE: expect.any(String) }]);

    await apply('pvc', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 64Mi}}\n');
    await eventually(async () => (await ctx.kubectl.ok(['describe', 'pvc', 'data', '-n', ns])).includes('waiting for first consumer to be created before binding'), { timeoutMs: 20_000, what: 'WaitForFirstConsumer event' });
    expect(parseTable(await ctx.kubectl.ok(['get', 'pvc', 'data', '-n', ns]))[0]).toMatchObject({ STATUS: 'Pending', VOLUME: '', STORAGECLASS: 'local-path' });

    await apply('writer', pod('writer', 'echo $RANDOM$RANDOM-$(date +%s) > /data/stamp && echo written && exec sleep 3600', 999));
    await running('writer');
    const stamp = (await ctx.kubectl.ok(['exec', 'writer', '-n', ns, '--', 'cat', '/data/stamp'])).trim();
    expect(stamp).toMatch(/^\d+-\d+$/);

    const uid = await ctx.kubectl.ok(['get', 'pvc', 'data', '-n', ns, '-o', 'jsonpath={.metadata.uid}']);
    const pvName = `pvc-${uid}`;
    const node = await ctx.kubectl.ok(['get', 'pod', 'writer', '-n', ns, '-o', 'jsonpath={.spec.nodeName}']);
    const dir = join(ctx.server.dataDir, 'storage', `${pvName}_${ns}_data`);
    expect(readFileSync(join(dir, 'stamp'), 'utf8').trim()).toBe(stamp);
    expect(statSync(dir).mode & 0o7777).toBe(0o777);
    expect(statSync(join(dir, 'stamp')).uid).toBe(999);

    const all = await ctx.kubectl.ok(['get', 'pv,pvc', '-n', ns]);
    expect(all).toContain(`persistentvolume/${pvName}`);
    expect(all).toContain('persistentvolumeclaim/data');
    const pvRow = parseTable(await ctx.kubectl.ok(['get', 'pv', pvName]))[0];
    expect(pvRow).toMatchObject({ NAME: pvName, CAPACITY: '64Mi', 'ACCESS MODES': 'RWO', 'RECLAIM POLICY': 'Delete', STATUS: 'Bound', CLAIM: `${ns}/data`, STORAGECLASS: 'local-path', 'VOLUMEATTRIBUTESCLASS': '<unset>' });
    expect(parseTable(await ctx.kubectl.ok(['get', 'pvc', 'data', '-n', ns]))[0]).toMatchObject({ NAME: 'data', STATUS: 'Bound', VOLUME: pvName, CAPACITY: '64Mi', 'ACCESS MODES': 'RWO', STORAGECLASS: 'local-path' });
    const described = await ctx.kubectl.ok(['describe', 'pvc', 'data', '-n', ns]);
    expect(described).toMatch(/^Status:\s+Bound$/m);
    expect(described).toMatch(new RegExp(`^Volume:\\s+${pvName}$`, 'm'));
    expect(described).toMatch(/^StorageClass:\s+local-path$/m);
    expect(described).toMatch(/^Finalizers:\s+\[kubernetes\.io\/pvc-protection\]$/m);
    expect(described).toMatch(/^Used By:\s+writer$/m);
    expect(described).toMatch(new RegExp(`volume\\.kubernetes\\.io/selected-node: ${node}`));
    expect(described).toMatch(/ProvisioningSucceeded .*Successfully provisioned volume/);
    const describedPv = await ctx.kubectl.ok(['describe', 'pv', pvName]);
    expect(describedPv).toMatch(/^\s+Type:\s+HostPath \(bare host directory volume\)$/m);
    expect(describedPv).toMatch(new RegExp(`^\\s+Path:\\s+${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));

    // The pod goes; a new one finds the file.
    await ctx.kubectl.ok(['delete', 'pod', 'writer', '-n', ns]);
    await gone(['pod', 'writer', '-n', ns], 'writer gone');
    expect(existsSync(join(dir, 'stamp'))).toBe(true);
    await apply('reader', pod('reader', 'cat /data/stamp && exec sleep 3600'));
    await running('reader');
    expect((await ctx.kubectl.ok(['exec', 'reader', '-n', ns, '--', 'cat', '/data/stamp'])).trim()).toBe(stamp);
    expect(await ctx.kubectl.ok(['get', 'pod', 'reader', '-n', ns, '-o', 'jsonpath={.spec.nodeName}'])).toBe(node);

    // While a pod uses the claim, deleting it leaves it Terminating (pvc-protection).
    await ctx.kubectl.ok(['delete', 'pvc', 'data', '-n', ns, '--wait=false']);
    expect(parseTable(await ctx.kubectl.ok(['get', 'pvc', 'data', '-n', ns]))[0]?.STATUS).toBe('Terminating');
    await ctx.kubectl.ok(['delete', 'pod', 'reader', '-n', ns]);
    await gone(['pvc', 'data', '-n', ns], 'claim gone');
    await gone(['pv', pvName], 'volume gone');
    await eventually(() => !existsSync(dir), { timeoutMs: 20_000, what: 'volume directory removed' });
    expect(existsSync(join(ctx.server.dataDir, 'storage'))).toBe(true);
  });
});
