import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` atomically with the given mode: the content goes to a fresh temporary
 * file in the same directory, created with `mode` from the start (never chmod'ed afterwards, so a
 * private key is at no moment readable by others), synced, then renamed over `path`. Readers see
 * either the old file or the complete new one. Parent directories are created with mode 0700.
 */
export function writeSecureFile(path: string, data: string | Uint8Array, mode: number): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Mode for private keys, tokens and kubeconfigs. */
export const SECRET_FILE_MODE = 0o600;
/** Mode for certificates (public material). */
export const PUBLIC_FILE_MODE = 0o644;
