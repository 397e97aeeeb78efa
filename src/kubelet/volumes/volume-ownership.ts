/**
 * A pod's fsGroup on its volumes, as upstream's SetVolumeOwnership (pkg/volume/volume_linux.go):
 * every file and directory gets the fsGroup as its group and the group permissions the volume
 * needs — read-write (0660) for emptyDir and local volumes, read (0440) for the read-only
 * configMap, secret, downwardAPI and projected volumes — directories also group search (0110) and
 * setgid, so that files made later inherit the group. So a container running as a non-root user
 * in that group can read a secret mounted with `defaultMode: 0400` and write to its emptyDir.
 *
 * Symbolic links get the group only: a chmod would follow them and change the target's mode,
 * which the volume's own modes (defaultMode, items[].mode) decide.
 *
 * fsGroupChangePolicy `OnRootMismatch` skips the walk when the volume's root directory already
 * has the group and the permissions; `Always` (the default) walks every time it is asked to.
 */
import type { Stats } from 'node:fs';
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

export type FsGroupChangePolicy = 'Always' | 'OnRootMismatch';

function wantedMode(st: Stats, readOnly: boolean): number {
  let mask = readOnly ? RO_MASK : RW_MASK;
  if (st.isDirectory()) mask |= SETGID | EXEC_MASK;
  return (st.mode & 0o7777) | mask;
}

async function changeFile(path: string, st: Stats, fsGroup: number, readOnly: boolean): Promise<void> {
  if (st.gid !== fsGroup) await lchown(path, -1, fsGroup);
  if (st.isSymbolicLink()) return;
  const mode = wantedMode(st, readOnly);
  if (mode !== (st.mode & 0o7777)) await chmod(path, mode);
}

/** Upstream's requiresPermissionChange, on the volume's root directory. */
async function rootMatches(dir: string, fsGroup: number, readOnly: boolean): Promise<boolean> {
  const st = await lstat(dir);
  return st.gid === fsGroup && wantedMode(st, readOnly) === (st.mode & 0o7777);
}

export async function setVolumeOwnership(dir: string, fsGroup: number | undefined, readOnly: boolean, policy: FsGroupChangePolicy = 'Always'): Promise<void> {
  if (fsGroup === undefined) return;
  if (policy === 'OnRootMismatch' && (await rootMatches(dir, fsGroup, readOnly))) return;
  // Children first (upstream's walkDeep), iteratively: a volume may hold deep trees.
  const pending: string[] = [dir];
  const directories: string[] = [];
  while (pending.length > 0) {
    const path = pending.pop() as string;
    const st = await lstat(path);
    if (st.isDirectory()) {
      directories.push(path);
      for (const entry of await readdir(path)) pending.push(join(path, entry));
    } else {
      await changeFile(path, st, fsGroup, readOnly);
    }
  }
  for (const path of directories.reverse()) await changeFile(path, await lstat(path), fsGroup, readOnly);
}

/** The pod's fsGroup and fsGroupChangePolicy (spec.securityContext). */
export function podFsGroup(spec: Record<string, unknown>): { fsGroup?: number; policy: FsGroupChangePolicy } {
  const sc = spec.securityContext;
  if (typeof sc !== 'object' || sc === null || Array.isArray(sc)) return { policy: 'Always' };
  const { fsGroup, fsGroupChangePolicy } = sc as Record<string, unknown>;
  return {
    ...(typeof fsGroup === 'number' && Number.isInteger(fsGroup) ? { fsGroup } : {}),
    policy: fsGroupChangePolicy === 'OnRootMismatch' ? 'OnRootMismatch' : 'Always',
  };
}
