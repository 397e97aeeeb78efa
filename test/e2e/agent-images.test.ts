/**
 * Images without a registry (issue 4): `lite images import FILE.tar` loads a `docker save`
 * archive into the local engine (as `k3s ctr images import`), and archives in an agent's
 * `<data-dir>/agent/images/` are imported when it starts, so a pod with `imagePullPolicy: Never`
 * runs that image on the node. Images are test-local tags of the busybox test image, removed
 * afterwards.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLiteAgent, type LiteAgent } from './support/agent-process.js';
import { uniqueName, useCluster } from './support/cluster.js';
import { docker, dockerOk } from './support/docker.js';
import { ensureE2eImages, TEST_IMAGES } from './support/images.js';
import { runProgram } from './support/kubectl.js';
import { LITE_BIN, makeTempDir } from './support/lite-process.js';
import { eventually } from './support/wait.js';

const ctx = useCluster({ agent: true });
const tag = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
const cliImage = `lite-e2e/cli-import:${tag}`;
const dirImage = `lite-e2e/dir-import:${tag}`;
let work: string;
let agent: LiteAgent | undefined;

/** A `docker save` archive of the busybox test image under `name`, with the tag removed from the engine. */
async function archiveOf(name: string, file: string): Promise<void> {
  await dockerOk(['tag', TEST_IMAGES.busybox, name]);
  await dockerOk(['save', '-o', file, name]);
  await dockerOk(['rmi', name]);
  expect((await docker(['image', 'inspect', name])).code).not.toBe(0);
}

beforeAll(async () => {
  await ensureE2eImages();
  work = makeTempDir('images');
});

afterAll(async () => {
  await agent?.cleanup();
  await docker(['rmi', cliImage, dirImage]);
  rmSync(work, { recursive: true, force: true });
});

describe('lite images import', () => {
  test('loads a docker save archive into the local engine', async () => {
    const file = join(work, 'cli.tar');
    await archiveOf(cliImage, file);
    const r = await runProgram(process.execPath, [LITE_BIN, 'images', 'import', file], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`unpacked ${cliImage} from ${file}\n`);
    expect((await docker(['image', 'inspect', cliImage])).code).toBe(0);
  });

  test('says what is wrong with a file that is not an archive, and with a missing one', async () => {
    const junk = join(work, 'junk.tar');
    writeFileSync(junk, 'not a tar file\n');
    const bad = await runProgram(process.execPath, [LITE_BIN, 'images', 'import', junk]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^lite images import: ${junk.replace(/[.]/g, '\\.')}: not an image archive the engine accepts \\(`));
    const missing = await runProgram(process.execPath, [LITE_BIN, 'images', 'import', join(work, 'nope.tar')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`lite images import: ${join(work, 'nope.tar')}: no such file\n`);
    const noDocker = await runProgram(process.execPath, [LITE_BIN, 'images', 'import', '--docker-socket', join(work, 'docker.sock'), junk]);
    expect(noDocker.code).toBe(3);
    expect(noDocker.stderr).toContain(`lite images import: cannot reach Docker at ${join(work, 'docker.sock')}:`);
  });
});

describe('the agent images directory', () => {
  test('archives in <data-dir>/agent/images are imported at start; a pod runs the image without a registry', async () => {
    // under `work`, which afterAll removes
    const dataDir = join(work, 'agent-data');
    mkdirSync(join(dataDir, 'agent', 'images'), { recursive: true });
    await archiveOf(dirImage, join(dataDir, 'agent', 'images', 'dir-import.tar'));
    agent = await startLiteAgent(ctx.server, { dataDir });
    const owned = agent;
    const ns = uniqueName('images');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const file = join(work, 'pod.yaml');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Pod
metadata: {name: offline}
spec:
  nodeName: ${owned.nodeName}
  containers:
  - name: main
    image: ${dirImage}
    imagePullPolicy: Never
    command: ["sh", "-c", "echo running the imported image; exec sleep 3600"]
`,
    );
    await ctx.kubectl.ok(['apply', '-n', ns, '-f', file]);
    await ctx.kubectl.ok(['wait', '-n', ns, '--for=condition=Ready', 'pod/offline', '--timeout=60s'], { timeoutMs: 70_000 });
    await eventually(async () => (await ctx.kubectl.ok(['logs', '-n', ns, 'offline'])) === 'running the imported image\n', { timeoutMs: 10_000, what: 'the pod log' });
    expect(await ctx.kubectl.ok(['get', 'pod', '-n', ns, 'offline', '-o', 'jsonpath={.status.containerStatuses[0].image}'])).toBe(dirImage);
    await ctx.kubectl.run(['delete', 'namespace', ns, '--wait=false']);
    await owned.cleanup();
    agent = undefined;
  });
});
