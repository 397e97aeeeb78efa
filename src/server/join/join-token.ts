/**
 * Join tokens, k3s style: `K10<ca-hash>::<id>:<secret>`.
 *  - `<ca-hash>` is the hex SHA-256 of the server CA certificate (DER), so an agent can check
 *    the server it talks to before it sends any secret;
 *  - the server's own token has id `server` and lives in `<data-dir>/server/token` (0600);
 *  - tokens from `lite token create` are bootstrap tokens (id [a-z0-9]{6}, secret [a-z0-9]{16})
 *    stored as kube-system Secrets `bootstrap-token-<id>` of type bootstrap.kubernetes.io/token,
 *    with an optional expiration, as kubeadm and k3s store them.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import type { Client } from '../../client/client.js';
import { writeSecureFile } from '../../pki/write-secure-file.js';
import type { Clock } from '../../util/clock.js';

export const SERVER_TOKEN_ID = 'server';
const BOOTSTRAP_TYPE = 'bootstrap.kubernetes.io/token';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const secrets = { group: '', version: 'v1', resource: 'secrets' } as const;

export interface ParsedToken {
  readonly caHash: string;
  readonly id: string;
  readonly secret: string;
}

/** Parses `K10<hash>::<id>:<secret>`; undefined if the text is not a join token. */
export function parseJoinToken(token: string): ParsedToken | undefined {
  const m = /^K10([0-9a-f]{64})::([A-Za-z0-9._-]+):(.+)$/.exec(token.trim());
  return m ? { caHash: m[1], id: m[2], secret: m[3] } : undefined;
}

export function formatJoinToken(caHash: string, id: string, secret: string): string {
  return `K10${caHash}::${id}:${secret}`;
}

function randomString(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type TokenCheck = { ok: true; id: string } | { ok: false; reason: 'unknown' | 'expired' };

export interface JoinTokensConfig {
  readonly client: Client;
  readonly clock: Clock;
  /** `<data-dir>/server/token`. */
  readonly tokenFile: string;
  readonly caHash: string;
}

export class JoinTokens {
  readonly #c: JoinTokensConfig;
  readonly #serverSecret: string;

  /** Loads the server token, creating it on first start. */
  constructor(config: JoinTokensConfig) {
    this.#c = config;
    const existing = existsSync(config.tokenFile) ? parseJoinToken(readFileSync(config.tokenFile, 'utf8')) : undefined;
    if (existing && existing.id === SERVER_TOKEN_ID && existing.caHash === config.caHash) this.#serverSecret = existing.secret;
    else {
      // A new CA (or no token yet): a token pinning an old CA would fail every agent.
      this.#serverSecret = existing?.id === SERVER_TOKEN_ID ? existing.secret : randomString(32);
      writeSecureFile(config.tokenFile, `${formatJoinToken(config.caHash, SERVER_TOKEN_ID, this.#serverSecret)}\n`, 0o600);
    }
  }

  /** The server's own (non-expiring) token. */
  get serverToken(): string {
    return formatJoinToken(this.#c.caHash, SERVER_TOKEN_ID, this.#serverSecret);
  }

  /** Creates an expiring token (ttlMs 0 = never expires). */
  async create(options: { ttlMs: number; description?: string }): Promise<{ token: string; expiration?: string }> {
    const id = randomString(6);
    const secret = randomString(16);
    const data: Record<string, string> = { 'token-id': id, 'token-secret': secret, 'usage-bootstrap-authentication': 'true' };
    let expiration: string | undefined;
    if (options.ttlMs > 0) {
      expiration = new Date(this.#c.clock.now() + options.ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
      data.expiration = expiration;
    }
    if (options.description) data.description = options.description;
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    await this.#c.client.create(secrets, 'kube-system', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' }, type: BOOTSTRAP_TYPE, data: encoded }, { fieldManager: 'lite-token' });
    return { token: formatJoinToken(this.#c.caHash, id, secret), expiration };
  }

  async check(id: string, secret: string): Promise<TokenCheck> {
    if (id === SERVER_TOKEN_ID) return same(secret, this.#serverSecret) ? { ok: true, id } : { ok: false, reason: 'unknown' };
    if (!/^[a-z0-9]{6}$/.test(id)) return { ok: false, reason: 'unknown' };
    let s: KubeObject;
    try {
      s = await this.#c.client.get(secrets, 'kube-system', `bootstrap-token-${id}`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return { ok: false, reason: 'unknown' };
      throw e;
    }
    const data = isJsonObject(s.data) ? s.data : {};
    const get = (k: string) => (typeof data[k] === 'string' ? Buffer.from(data[k] as string, 'base64').toString('utf8') : undefined);
    if (s.type !== BOOTSTRAP_TYPE || !same(get('token-secret') ?? '', secret)) return { ok: false, reason: 'unknown' };
    const exp = get('expiration');
    if (exp && Date.parse(exp) <= this.#c.clock.now()) return { ok: false, reason: 'expired' };
    return { ok: true, id };
  }
}
