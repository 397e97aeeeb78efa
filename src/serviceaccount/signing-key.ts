/**
 * The service-account signing key pair: kept as `<data-dir>/server/tls/service.key` (as k3s keeps
 * its service.key), created once at the first start and reused afterwards, so tokens issued before
 * a restart stay valid. RSA 2048 signing with RS256, the algorithm every Kubernetes token consumer
 * accepts. The key id (`kid` header) is upstream's keyIDFromPublicKey: unpadded base64url of the
 * SHA-256 of the public key's PKIX DER encoding.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_FILE_MODE, writeSecureFile } from '../pki/write-secure-file.js';
import type { Logger } from '../util/log.js';

export const SERVICE_ACCOUNT_KEY_FILE = 'service.key';

export interface ServiceAccountSigningKey {
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** SPKI PEM (what `--service-account-key-file` would hold). */
  readonly publicKeyPem: string;
  readonly keyId: string;
  /** Whether this call created the key. */
  readonly generated: boolean;
}

/** Loads `<dir>/service.key`, or creates it (mode 0600) when missing or not a usable RSA key. */
export function ensureServiceAccountKey(dir: string, logger?: Logger): ServiceAccountSigningKey {
  const path = join(dir, SERVICE_ACCOUNT_KEY_FILE);
  let pem: string | undefined;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    pem = undefined;
  }
  if (pem !== undefined) {
    const key = usableKey(pem);
    if (key) return describe(key, false);
    // A broken key invalidates every token issued with it; say so rather than fail to start.
    logger?.warn({ path }, 'the service-account signing key is unreadable or not an RSA key; creating a new one (existing service-account tokens stop working)');
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeSecureFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), SECRET_FILE_MODE);
  return describe(privateKey, true);
}

/** A fresh key pair kept in memory only (tests, in-process APIs). */
export function generateServiceAccountKey(): ServiceAccountSigningKey {
  return describe(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, true);
}

function usableKey(pem: string): KeyObject | undefined {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 ? key : undefined;
  } catch {
    return undefined;
  }
}

function describe(key: KeyObject, generated: boolean): ServiceAccountSigningKey {
  const pub = createPublicKey(key);
  const der = pub.export({ type: 'spki', format: 'der' });
  return {
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pub.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdFromPublicKey(der),
    generated,
  };
}

/** upstream keyIDFromPublicKey: base64url(SHA-256(PKIX DER)), no padding. */
export function keyIdFromPublicKey(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('base64url');
}
