import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTar, createTar } from '../tar.js';
import { pauseElfX86_64, pauseImageContext } from './pause-image.js';

function runUntilSignal(path: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, [], { stdio: 'ignore' });
    const start = Date.now();
    child.on('error', reject);
    child.on('exit', (code, sig) => resolve({ code, signal: sig, ms: Date.now() - start }));
    setTimeout(() => child.kill(signal), 200);
  });
}

describe('pause image', () => {
  it('the x86_64 pause binary is a small static ELF', () => {
    const elf = pauseElfX86_64();
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(elf.length).toBeLessThan(300);
  });

  it.runIf(arch() === 'x64' && process.platform === 'linux')('sleeps until SIGTERM or SIGINT, then exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lite-pause-'));
    try {
      const path = join(dir, 'pause');
      await writeFile(path, pauseElfX86_64(), { mode: 0o755 });
      for (const sig of ['SIGTERM', 'SIGINT'] as const) {
        const r = await runUntilSignal(path, sig);
        expect(r).toMatchObject({ code: 0, signal: null });
        expect(r.ms).toBeGreaterThanOrEqual(150);
      }
      // Other signals keep their default action.
      expect(await runUntilSignal(path, 'SIGKILL')).toMatchObject({ code: null, signal: 'SIGKILL' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the elf context is deterministic and round-trips through tar', async () => {
    const a = createTar(await pauseImageContext({ variant: 'elf' }));
    const b = createTar(await pauseImageContext({ variant: 'elf' }));
    expect(a.equals(b)).toBe(true);
    const files = readTar(a);
    expect(files.map((f) => f.name)).toEqual(['Dockerfile', 'pause']);
    expect(files[1].data.equals(pauseElfX86_64())).toBe(true);
  });

  it('the busybox variant names the package when busybox is missing', async () => {
    await expect(pauseImageContext({ variant: 'busybox', busyboxPath: '/nonexistent/busybox' })).rejects.toThrow(/apt-get install -y busybox-static/);
  });
});
