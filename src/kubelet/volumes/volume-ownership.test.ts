import { lstat, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { podFsGroup, setVolumeOwnership } from './volume-ownership.js';

const isRoot = process.getuid?.() === 0;
// Fails loudly rather than skipping: changing a file's group to an arbitrary one needs root (CI runs as root).
if (!isRoot) throw new Error('volume-ownership.test.ts needs root (chown to an arbitrary group): run the tests as root, as .ci/run does');

const perm = async (p: string) => (await stat(p)).mode & 0o7777;

describe('setVolumeOwnership (upstream SetVolumeOwnership)', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function volume(): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'lite-ownership-'));
    await mkdir(join(dir, 'sub'), { mode: 0o755 });
    await writeFile(join(dir, 'secret'), 's', { mode: 0o400 });
    await writeFile(join(dir, 'sub', 'data'), 'd', { mode: 0o644 });
    await symlink('secret', join(dir, 'link'));
    return dir;
  }

  it('read-only volumes: group read on files, group search and setgid on directories, the group everywhere', async () => {
    const v = await volume();
    await setVolumeOwnership(v, 2000, true);
    expect(await perm(join(v, 'secret'))).toBe(0o440);
    expect(await perm(join(v, 'sub', 'data'))).toBe(0o644);
    expect(await perm(join(v, 'sub'))).toBe(0o2755);
    expect(await perm(v)).toBe((0o700 | 0o2000 | 0o550) & 0o7777);
    for (const p of [v, join(v, 'sub'), join(v, 'secret'), join(v, 'sub', 'data')]) expect((await stat(p)).gid).toBe(2000);
    // The link itself gets the group; its target's mode is the volume's own.
    expect((await lstat(join(v, 'link'))).gid).toBe(2000);
  });

  it('writable volumes: group read-write', async () => {
    const v = await volume();
    await setVolumeOwnership(v, 3000, false);
    expect(await perm(join(v, 'secret'))).toBe(0o660);
    expect(await perm(join(v, 'sub', 'data'))).toBe(0o664);
    expect(await perm(join(v, 'sub'))).toBe(0o2775);
  });

  it('no fsGroup: nothing changes; OnRootMismatch skips a volume whose root already matches', async () => {
    const v = await volume();
    await setVolumeOwnership(v, undefined, true);
    expect(await perm(join(v, 'secret'))).toBe(0o400);
    await setVolumeOwnership(v, 2000, false);
    await writeFile(join(v, 'later'), 'x', { mode: 0o600 });
    await setVolumeOwnership(v, 2000, false, 'OnRootMismatch');
    expect(await perm(join(v, 'later'))).toBe(0o600);
    await setVolumeOwnership(v, 2000, false, 'Always');
    expect(await perm(join(v, 'later'))).toBe(0o660);
  });

  it('reads the pod\'s fsGroup and policy', () => {
    expect(podFsGroup({})).toEqual({ policy: 'Always' });
    expect(podFsGroup({ securityContext: { fsGroup: 2000 } })).toEqual({ fsGroup: 2000, policy: 'Always' });
    expect(podFsGroup({ securityContext: { fsGroup: 2000, fsGroupChangePolicy: 'OnRootMismatch' } })).toEqual({ fsGroup: 2000, policy: 'OnRootMismatch' });
  });
});
