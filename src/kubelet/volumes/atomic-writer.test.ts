import { lstat, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PayloadError, writeAtomically, type FileProjection } from './atomic-writer.js';

const file = (text: string, mode = 0o644): FileProjection => ({ data: Buffer.from(text), mode });

describe('writeAtomically (upstream AtomicWriter)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'lite-aw-')), 'vol');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('writes the payload behind a ..data symlink with user-visible links', async () => {
    expect(await writeAtomically(dir, new Map([['a', file('1')], ['sub/b', file('2', 0o400)]]), Date.parse('2025-01-01T00:00:00Z'))).toBe(true);
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('1');
    expect(await readFile(join(dir, 'sub/b'), 'utf8')).toBe('2');
    expect((await lstat(join(dir, 'a'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, 'a'))).toBe('..data/a');
    expect(await readlink(join(dir, '..data'))).toMatch(/^\.\.2025_01_01_00_00_00\.\d{9}$/);
    expect((await lstat(join(dir, 'sub/b'))).mode & 0o777).toBe(0o400);
  });

  it('writes nothing for an unchanged payload and swaps versions on change, removing the old one', async () => {
    await writeAtomically(dir, new Map([['a', file('1')], ['gone', file('x')]]), 1000);
    const first = await readlink(join(dir, '..data'));
    expect(await writeAtomically(dir, new Map([['a', file('1')], ['gone', file('x')]]), 2000)).toBe(false);
    expect(await readlink(join(dir, '..data'))).toBe(first);
    expect(await writeAtomically(dir, new Map([['a', file('2')]]), 3000)).toBe(true);
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('2');
    const entries = await readdir(dir);
    expect(entries).not.toContain('gone');
    expect(entries).not.toContain(first);
    expect(entries.filter((e) => e.startsWith('..')).sort()).toEqual(['..data', await readlink(join(dir, '..data'))].sort());
  });

  it('refuses paths that escape the volume', async () => {
    await expect(writeAtomically(dir, new Map([['../x', file('1')]]), 1)).rejects.toBeInstanceOf(PayloadError);
    await expect(writeAtomically(dir, new Map([['/abs', file('1')]]), 1)).rejects.toBeInstanceOf(PayloadError);
    await expect(writeAtomically(dir, new Map([['..data', file('1')]]), 1)).rejects.toBeInstanceOf(PayloadError);
  });
});
