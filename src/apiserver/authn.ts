/**
 * Authentication: who sent a request. Client certificates (CN = user, O = groups, as upstream's
 * x509 authenticator) and bearer tokens. Every authenticated user also gets the group
 * `system:authenticated`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from '../registry/context.js';

export interface Authenticator {
  /** 'token' authenticators judge bearer tokens; 'certificate' ones the TLS client certificate. */
  readonly kind: 'token' | 'certificate';
  /**
   * The user, or undefined if this authenticator does not recognise the request (or refuses it).
   * Token authenticators that look objects up (service-account tokens) answer asynchronously.
   */
  authenticate(req: IncomingMessage): UserInfo | undefined | Promise<UserInfo | undefined>;
}

const AUTHENTICATED = 'system:authenticated';

export function withAuthenticated(user: UserInfo): UserInfo {
  return user.groups.includes(AUTHENTICATED) ? user : { ...user, groups: [...user.groups, AUTHENTICATED] };
}

/** Users from verified client certificates (the TLS server verifies against the client CA). */
export class ClientCertAuthenticator implements Authenticator {
  readonly kind = 'certificate' as const;
  /**
   * A connection's certificate is fixed for its lifetime (lite does not renegotiate), and
   * reading it is costly (getPeerCertificate builds a fresh object), so the user is kept per
   * socket for the keep-alive requests that follow.
   */
  readonly #bySocket = new WeakMap<TLSSocket, UserInfo | null>();

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const socket = req.socket as TLSSocket;
    const known = this.#bySocket.get(socket);
    if (known !== undefined) return known ?? undefined;
    const user = this.#fromCertificate(socket);
    if (typeof socket.getPeerCertificate === 'function') this.#bySocket.set(socket, user ?? null);
    return user;
  }

  #fromCertificate(socket: TLSSocket): UserInfo | undefined {
    if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
    const cert = socket.getPeerCertificate();
    const subject = cert?.subject as unknown as Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    const username = Array.isArray(cn) ? cn[0] : cn;
    if (!username) return undefined;
    const o = subject?.O;
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return withAuthenticated({ username, groups });
  }
}

export interface StaticToken {
  readonly token: string;
  readonly user: UserInfo;
}

/**
 * Bearer tokens from a fixed table, e.g. the admin token file. The file format is upstream's
 * static token CSV: `token,user,uid,"group1,group2"` per line.
 */
export class StaticTokenAuthenticator implements Authenticator {
  readonly kind = 'token' as const;
  readonly #tokens = new Map<string, UserInfo>();

  constructor(tokens: readonly StaticToken[]) {
    for (const t of tokens) this.#tokens.set(t.token, withAuthenticated(t.user));
  }

  static fromFile(path: string): StaticTokenAuthenticator {
    return new StaticTokenAuthenticator(parseTokenCsv(readFileSync(path, 'utf8')));
  }

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const token = bearerToken(req);
    return token === undefined ? undefined : this.#tokens.get(token);
  }
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

export function parseTokenCsv(text: string): StaticToken[] {
  const out: StaticToken[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = splitCsvLine(line);
    if (fields.length < 2 || !fields[0] || !fields[1]) continue;
    const groups = fields[3] ? fields[3].split(',').map((g) => g.trim()).filter(Boolean) : [];
    out.push({ token: fields[0], user: { username: fields[1], ...(fields[2] ? { uid: fields[2] } : {}), groups } });
  }
  return out;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * Tries each authenticator in order. A request that carries a bearer token is judged by the
 * token authenticators alone: a wrong token is refused even when a valid client certificate is
 * also presented (kubectl sends both with `--token` and a certificate kubeconfig), so that
 * wrong credentials always mean 401.
 */
export class UnionAuthenticator {
  readonly #members: readonly Authenticator[];

  constructor(members: readonly Authenticator[]) {
    this.#members = members;
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const kind = bearerToken(req) !== undefined ? 'token' : 'certificate';
    for (const a of this.#members) {
      if (a.kind !== kind) continue;
      const u = await a.authenticate(req);
      if (u) return withAuthenticated(u);
    }
    return undefined;
  }
}
