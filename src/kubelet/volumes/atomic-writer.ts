/**
 * Writes a volume's files as upstream's AtomicWriter (pkg/volume/util/atomic_writer.go) does, so a
 * container never sees a half-updated configMap or secret volume:
 *
 *   <dir>/..2025_01_01_00_00_00.123456789/   the payload (a fresh directory per version)
 *   <dir>/..data -> ..2025_01_01_…           swapped by an atomic rename of `..data_tmp`
 *   <dir>/<key>  -> ..data/<key>             user-visible names (top-level path components)
 *
 * An unchanged payload writes nothing. The previous version's directory and names no longer in
 * the payload are removed after the swap.
 */
import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface FileProjection {
  readonly data: Buffer;
  /** File mode (e.g. 0o644). */
  readonly mode: number;
}

const DATA = '..data';
const DATA_TMP = '..data_tmp';

export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** Checks the payload's paths: relative, no `..` components, not starting with `..`. */
export function validatePayload(payload: ReadonlyMap<string, FileProjection>): void {
  for (const path of payload.keys()) {
    if (path === '' || path.startsWith('/')) throw new PayloadError(`invalid path: ${JSON.stringify(path)} must be relative path`);
    if (path.split('/').includes('..')) throw new PayloadError(`invalid path: ${JSON.stringify(path)} must not contain '..'`);
    if (path.startsWith('..')) throw new PayloadError(`invalid path: ${JSON.stringify(path)} must not start with '..'`);
  }
}

function timestampDir(now: number): string {
  const d = new Date(now);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const nanos = `${p(d.getUTCMilliseconds(), 3)}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.${nanos}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function currentMatches(dir: string, current: string, payload: ReadonlyMap<string, FileProjection>): Promise<boolean> {
  const base = join(dir, current);
  const files: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await readdir(join(base, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else files.push(r);
    }
  };
  try {
    await walk('');
  } catch {
    return false;
  }
  if (files.length !== payload.size) return false;
  for (const [path, f] of payload) {
    try {
      const st = await lstat(join(base, path));
      if ((st.mode & 0o7777) !== f.mode) return false;
      if (!(await readFile(join(base, path))).equals(f.data)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function topLevel(path: string): string {
  return path.split('/')[0];
}

/** Writes the payload into `dir` (created if missing); returns whether anything changed. */
export async function writeAtomically(dir: string, payload: ReadonlyMap<string, FileProjection>, now: number): Promise<boolean> {
  validatePayload(payload);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  let current: string | undefined;
  try {
    current = await readlink(join(dir, DATA));
  } catch {
    current = undefined;
  }
  if (current && (await currentMatches(dir, current, payload))) {
    // Still make sure every user-visible link exists (a crash between swap and links).
    let complete = true;
    for (const p of payload.keys()) if (!(await exists(join(dir, topLevel(p))))) complete = false;
    if (complete) return false;
  }
  const ts = timestampDir(now);
  const tsPath = join(dir, ts);
  await mkdir(tsPath, { mode: 0o755 });
  for (const [path, f] of payload) {
    const target = join(tsPath, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, f.data, { mode: f.mode });
    await chmod(target, f.mode);
  }
  await rm(join(dir, DATA_TMP), { force: true });
  await symlink(ts, join(dir, DATA_TMP));
  await rename(join(dir, DATA_TMP), join(dir, DATA));
  const wanted = new Set([...payload.keys()].map(topLevel));
  for (const name of wanted) {
    const link = join(dir, name);
    if (await exists(link)) continue;
    await symlink(join(DATA, name), link);
  }
  for (const e of await readdir(dir)) {
    if (e === DATA || e === ts) continue;
    if (e.startsWith('..') || !wanted.has(e)) await rm(join(dir, e), { recursive: true, force: true });
  }
  return true;
}
