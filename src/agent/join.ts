/**
 * Joining a cluster, as a k3s agent does:
 *   1. parse the token `K10<ca-hash>::<id>:<secret>`;
 *   2. fetch the server CA from `/cacerts` without trusting anything yet, and check its hash
 *      against the token — so no secret is sent to an impostor;
 *   3. over TLS verified with that CA, present the token, the node name and this machine's
 *      node password (kept in the data dir) to `/v1-lite/join`, and receive a node client
 *      certificate (system:node:<name>, group system:nodes).
 * Credentials are kept in the agent's data dir and reused on later starts.
 *
 * Every failure is a JoinError naming the hop that failed, in words a person can act on.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { get, request } from 'node:https';
import { join } from 'node:path';
import { caCertHash } from '../pki/issue-certificate.js';
import { writeSecureFile } from '../pki/write-secure-file.js';
import { parseJoinToken } from '../server/join/join-token.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

export type JoinHop = 'token' | 'dns' | 'connect' | 'tls' | 'ca-hash' | 'token-rejected' | 'name-taken' | 'server';

export class JoinError extends Error {
  constructor(
    readonly hop: JoinHop,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'JoinError';
  }
}

export interface NodeCredentials {
  readonly server: string;
  readonly nodeName: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface JoinConfig {
  readonly server: string;
  readonly token: string;
  readonly nodeName: string;
  /** The agent's data dir; credentials go to `<dir>/agent/`. */
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Per-step network timeout (default 10 s). */
  readonly timeoutMs?: number;
}

interface Files {
  readonly dir: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly password: string;
  readonly server: string;
}

function files(dataDir: string): Files {
  const dir = join(dataDir, 'agent');
  return { dir, ca: join(dir, 'server-ca.crt'), cert: join(dir, 'client-kubelet.crt'), key: join(dir, 'client-kubelet.key'), password: join(dir, 'node-password'), server: join(dir, 'server-url') };
}

/** The node password of this machine (created once, kept forever: it is the node's identity). */
export function nodePassword(dataDir: string): string {
  const f = files(dataDir);
  if (existsSync(f.password)) return readFileSync(f.password, 'utf8').trim();
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  const pw = randomBytes(24).toString('hex');
  writeSecureFile(f.password, `${pw}\n`, 0o600);
  return pw;
}

/** Credentials from an earlier join, if they are for this server and node and still valid. */
export function savedCredentials(config: Pick<JoinConfig, 'server' | 'nodeName' | 'dataDir' | 'clock'>): NodeCredentials | undefined {
  const f = files(config.dataDir);
  if (![f.ca, f.cert, f.key, f.server].every((p) => existsSync(p))) return undefined;
  if (readFileSync(f.server, 'utf8').trim() !== config.server) return undefined;
  const certPem = readFileSync(f.cert, 'utf8');
  const cert = new X509Certificate(certPem);
  if (!cert.subject.includes(`CN=system:node:${config.nodeName}`)) return undefined;
  // Renew when less than 30 days remain.
  if (Date.parse(cert.validTo) - config.clock.now() < 30 * 86_400_000) return undefined;
  return { server: config.server, nodeName: config.nodeName, caPem: readFileSync(f.ca, 'utf8'), certPem, keyPem: readFileSync(f.key, 'utf8') };
}

export async function joinCluster(config: JoinConfig): Promise<NodeCredentials> {
  const saved = savedCredentials(config);
  if (saved) return saved;
  const token = parseJoinToken(config.token);
  if (!token) throw new JoinError('token', 'the join token is not valid: it must look like K10<64 hex characters>::<id>:<secret> (print it on the server with "lite token")');
  const url = parseServerUrl(config.server);
  const timeoutMs = config.timeoutMs ?? 10_000;

  const caPem = await fetchCa(url, timeoutMs);
  let actual: string;
  try {
    actual = caCertHash(caPem);
  } catch (e) {
    throw new JoinError('server', `${url.host} answered /cacerts with something that is not a certificate: is it a lite server?`, { cause: e });
  }
  if (actual !== token.caHash) {
    throw new JoinError('ca-hash', `the server's CA does not match the join token (token pins ${token.caHash.slice(0, 12)}…, server has ${actual.slice(0, 12)}…): wrong server, or a token from another cluster`);
  }

  const password = nodePassword(config.dataDir);
  const answer = await postJoin(url, caPem, `${token.id}:${token.secret}`, { nodeName: config.nodeName, nodePassword: password }, timeoutMs);
  const f = files(config.dataDir);
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  writeSecureFile(f.ca, answer.caCert, 0o644);
  writeSecureFile(f.cert, answer.certificate, 0o644);
  writeSecureFile(f.key, answer.key, 0o600);
  writeSecureFile(f.server, `${config.server}\n`, 0o644);
  config.logger.info({ server: url.host, node: config.nodeName }, 'joined the cluster');
  return { server: config.server, nodeName: config.nodeName, caPem: answer.caCert, certPem: answer.certificate, keyPem: answer.key };
}

function parseServerUrl(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new JoinError('token', `--server must be a URL such as https://10.0.0.1:6443, got ${JSON.stringify(server)}`);
  }
  if (url.protocol !== 'https:') throw new JoinError('token', `--server must use https:// (lite servers speak only TLS), got ${JSON.stringify(server)}`);
  return url;
}

/** Network errors → the hop they show. */
function networkError(url: URL, e: unknown): JoinError {
  const err = e as NodeJS.ErrnoException;
  const where = `${url.hostname}:${url.port || 443}`;
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new JoinError('dns', `cannot resolve the server's name ${JSON.stringify(url.hostname)} (DNS lookup failed)`, { cause: e });
    case 'ECONNREFUSED':
      return new JoinError('connect', `connection refused by ${where}: is "lite server" running there, and is that its --https-listen-port?`, { cause: e });
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
      return new JoinError('connect', `cannot reach ${where} (${err.code}): check the address and any firewall between this machine and the server`, { cause: e });
    default:
      if (/SSL|TLS|EPROTO|certificate|wrong version/i.test(`${err.code ?? ''} ${err.message}`)) {
        return new JoinError('tls', `TLS handshake with ${where} failed (${err.message}): is that an HTTPS port of a lite server?`, { cause: e });
      }
      return new JoinError('connect', `cannot talk to ${where}: ${err.message}`, { cause: e });
  }
}

function fetchCa(url: URL, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Nothing is trusted yet: the answer is checked against the token's hash before use.
    const req = get({ host: url.hostname, port: url.port || 443, path: '/cacerts', rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new JoinError('server', `${url.host} answered /cacerts with HTTP ${res.statusCode ?? '?'}: is it a lite server?`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', (e) => reject(networkError(url, e)));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => reject(networkError(url, e)));
  });
}

interface JoinAnswer {
  readonly certificate: string;
  readonly key: string;
  readonly caCert: string;
}

function postJoin(url: URL, caPem: string, credential: string, body: object, timeoutMs: number): Promise<JoinAnswer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: 'POST',
        host: url.hostname,
        port: url.port || 443,
        path: '/v1-lite/join',
        ca: caPem,
        // The CA pins the server; its certificate may not name the address the user typed.
        checkServerIdentity: () => undefined,
        timeout: timeoutMs,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), Authorization: `Bearer ${credential}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: { message?: string } & Partial<JoinAnswer> = {};
          try {
            parsed = JSON.parse(text) as typeof parsed;
          } catch {
            // keep the raw text for the message
          }
          const message = parsed.message ?? text.trim();
          if (res.statusCode === 200 && parsed.certificate && parsed.key && parsed.caCert) resolve({ certificate: parsed.certificate, key: parsed.key, caCert: parsed.caCert });
          else if (res.statusCode === 401) reject(new JoinError('token-rejected', `the server rejected the join token: ${message}`));
          else if (res.statusCode === 409) reject(new JoinError('name-taken', message));
          else reject(new JoinError('server', `joining failed: HTTP ${res.statusCode ?? '?'}: ${message}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => reject(networkError(url, e)));
    req.end(payload);
  });
}
