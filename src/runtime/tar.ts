/**
 * A minimal ustar writer and reader: enough to send Docker build contexts made in memory
 * (pause and test images) and to read `docker save` archives (the sim's importImages), without a
 * dependency (tar-stream is only a transitive package here).
 *
 * Writer: regular files, directories and symlinks; names up to 255 bytes (ustar prefix field);
 * fixed mtime 0, uid/gid 0, so equal inputs give byte-identical archives (content hashes).
 * Reader: regular files and directories; PAX `path` records honoured; everything else skipped.
 */

export interface TarEntry {
  readonly name: string;
  readonly type?: 'file' | 'dir' | 'symlink';
  readonly data?: Uint8Array | string;
  /** Octal permission bits (default 0o644 for files, 0o755 for directories, 0o777 for links). */
  readonly mode?: number;
  /** Target of a symlink. */
  readonly linkname?: string;
}

const BLOCK = 512;

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar: field too long: ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, value.toString(8).padStart(length - 1, '0'));
}

function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { prefix, name: rest };
  }
  throw new Error(`tar: name too long for ustar: ${name}`);
}

function header(entry: TarEntry, size: number): Buffer {
  const type = entry.type ?? 'file';
  const h = Buffer.alloc(BLOCK);
  const n = splitName(type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name);
  writeString(h, 0, 100, n.name);
  writeOctal(h, 100, 8, entry.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644));
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0);
  h.fill(0x20, 148, 156);
  h[156] = type === 'dir' ? 0x35 : type === 'symlink' ? 0x32 : 0x30;
  if (entry.linkname) writeString(h, 157, 100, entry.linkname);
  writeString(h, 257, 6, 'ustar');
  writeString(h, 263, 2, '00');
  writeString(h, 345, 155, n.prefix);
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Builds a complete archive in memory (build contexts here are a few MB at most). */
export function createTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === 'dir' || e.type === 'symlink' ? Buffer.alloc(0) : typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : Buffer.from(e.data ?? new Uint8Array());
    parts.push(header(e, data.length), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

export interface TarFile {
  readonly name: string;
  readonly type: 'file' | 'dir';
  readonly data: Buffer;
}

function readString(buf: Buffer, offset: number, length: number): string {
  const end = buf.indexOf(0, offset);
  return buf.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
}

function readOctal(buf: Buffer, offset: number, length: number): number {
  const s = readString(buf, offset, length).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp === -1) break;
    const len = parseInt(data.toString('utf8', i, sp), 10);
    if (!(len > 0)) break;
    const record = data.toString('utf8', sp + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Reads the regular files and directories of an archive held in memory. */
export function readTar(archive: Buffer): TarFile[] {
  const files: TarFile[] = [];
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const h = archive.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = readOctal(h, 124, 12);
    const typeflag = String.fromCharCode(h[156] || 0x30);
    const prefix = readString(h, 345, 155);
    const base = readString(h, 0, 100);
    const data = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'x') {
      paxPath = parsePax(data).path ?? paxPath;
      continue;
    }
    if (typeflag === 'g') continue;
    const name = paxPath ?? (prefix ? `${prefix}/${base}` : base);
    paxPath = undefined;
    if (typeflag === '0' || typeflag === '\0') files.push({ name, type: 'file', data: Buffer.from(data) });
    else if (typeflag === '5') files.push({ name: name.replace(/\/$/, ''), type: 'dir', data: Buffer.alloc(0) });
  }
  return files;
}
