/**
 * The `pod-template-hash` of a Deployment's pod template (upstream controller.ComputeHash):
 * FNV-32a over the template, then — when the Deployment has had name collisions — its
 * status.collisionCount as four little-endian bytes; the 32-bit sum printed in decimal and each
 * digit mapped through apimachinery's SafeEncodeString alphabet. The result is what names a
 * Deployment's ReplicaSets (`web-6d4cf56db6`): up to 10 characters from "bcdfghjklmnpqrstvwxz2456789"
 * (in practice only the ten letters that decimal digits map to).
 *
 * Upstream hashes a go-spew dump of the Go struct; lite hashes a canonical JSON rendering
 * (sorted keys) of the stored template instead, so the values are stable and look the same but
 * are not byte-for-byte those a Go controller would compute. Nothing depends on that: finding a
 * Deployment's ReplicaSet compares templates, never hashes.
 */

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each byte mapped into an alphabet without vowels or look-alikes. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted and undefined members dropped, so equal values hash alike. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

function fnv32a(h: number, bytes: Uint8Array): number {
  for (const b of bytes) h = Math.imul(h ^ b, FNV32_PRIME) >>> 0;
  return h;
}

export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(FNV32_OFFSET, Buffer.from(canonicalJson(template), 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) {
    const le = new Uint8Array(4);
    new DataView(le.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(h, le);
  }
  return safeEncodeString(String(h >>> 0));
}
