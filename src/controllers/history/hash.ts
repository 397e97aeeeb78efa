/**
 * The hashes behind ControllerRevision names and `controller-revision-hash` labels, shaped like
 * upstream's: a 32-bit FNV hash of the recorded state, printed in decimal and passed through
 * apimachinery's `rand.SafeEncodeString` (so names never spell words and look like
 * `web-7c9d5b8f6`).
 *
 * Upstream hashes Go's own serialisations (the raw patch bytes, or a `spew` dump of the pod
 * template), which cannot be reproduced outside Go; lite hashes a canonical JSON form (keys
 * sorted) instead. Hashes are therefore stable across restarts and key order, but not equal to
 * the ones a real kube-controller-manager would compute for the same object — nothing depends
 * on that.
 */

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** apimachinery rand.SafeEncodeString's alphabet: no vowels, no confusable characters. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Maps each character to the safe alphabet (upstream rand.SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** Incremental FNV-32 (`fnv.New32`) or FNV-32a (`fnv.New32a`). */
export class Fnv32 {
  #h = FNV32_OFFSET;
  readonly #a: boolean;

  constructor(variant: '32' | '32a') {
    this.#a = variant === '32a';
  }

  write(bytes: Uint8Array): this {
    let h = this.#h;
    if (this.#a) {
      for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV32_PRIME);
    } else {
      for (let i = 0; i < bytes.length; i++) h = Math.imul(h, FNV32_PRIME) ^ bytes[i];
    }
    this.#h = h >>> 0;
    return this;
  }

  writeString(s: string): this {
    return this.write(Buffer.from(s, 'utf8'));
  }

  sum32(): number {
    return this.#h >>> 0;
  }
}

/**
 * JSON with object keys sorted and undefined members dropped: the same value always gives the
 * same text, whatever order its keys were written in.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return v === undefined ? 'null' : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/**
 * controller.ComputeHash: the hash of a pod template, mixed with the owner's collisionCount when
 * it has one (as 8 little-endian bytes). DaemonSets name their revisions and label their pods
 * with it (`controller-revision-hash`).
 */
export function computeTemplateHash(template: unknown, collisionCount?: number): string {
  const h = new Fnv32('32a').writeString(canonicalJson(template));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h.write(bytes);
  }
  return safeEncodeString(String(h.sum32()));
}

/**
 * history.HashControllerRevision: the hash of a revision's data, mixed with a probe (the owner's
 * collisionCount, written in decimal) to step around name collisions.
 */
export function hashRevisionData(data: unknown, probe?: number): string {
  const h = new Fnv32('32').writeString(canonicalJson(data));
  if (probe !== undefined) h.writeString(String(probe));
  return safeEncodeString(String(h.sum32()));
}
