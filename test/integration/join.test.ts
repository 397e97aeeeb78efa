/**
 * Agents joining a server: the token pins the CA, the token is checked, node identities are
 * kept, and each failure names the hop that failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinCluster, JoinError } from '../../src/agent/join.js';
import { HttpClient } from '../../src/client/http-client.js';
import { JoinTokens, parseJoinToken } from '../../src/server/join/join-token.js';
import { NodeIdentities } from '../../src/server/join/node-identity.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { startTestServer, type TestServer } from './helpers.js';

let ts: TestServer;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lite-agent-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const base = () => ({ server: ts.server.url, clock: systemClock, logger: silentLogger, timeoutMs: 3000 });

async function failure(p: Promise<unknown>): Promise<JoinError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof JoinError) return e;
    throw e;
  }
  throw new Error('expected the join to fail');
}

describe('joining', () => {
  it('issues a node certificate the API accepts as system:node:<name>', async () => {
    const creds = await joinCluster({ ...base(), token: ts.server.joinToken, nodeName: 'worker-1', dataDir: tmp() });
    expect(creds.certPem).toContain('BEGIN CERTIFICATE');
    const client = new HttpClient({ server: ts.server.url, caPem: creds.caPem, certPem: creds.certPem, keyPem: creds.keyPem, userAgent: 'lite-agent-test' });
    try {
      const review = await fetchWhoami(client);
      expect(review).toMatchObject({ username: 'system:node:worker-1', groups: expect.arrayContaining(['system:nodes', 'system:authenticated']) });
    } finally {
      client.close();
    }
  });

  it('reuses saved credentials and refuses another machine under the same name', async () => {
    const dir = tmp();
    await joinCluster({ ...base(), token: ts.server.joinToken, nodeName: 'worker-2', dataDir: dir });
    // Same machine (same data dir, same password) again: fine.
    await joinCluster({ ...base(), token: ts.server.joinToken, nodeName: 'worker-2', dataDir: dir });
    const other = await failure(joinCluster({ ...base(), token: ts.server.joinToken, nodeName: 'worker-2', dataDir: tmp() }));
    expect(other.hop).toBe('name-taken');
    expect(other.message).toContain('lite node forget worker-2');
    // After forgetting, the new machine may take the name.
    await new NodeIdentities(ts.server.client).forget('worker-2');
    await joinCluster({ ...base(), token: ts.server.joinToken, nodeName: 'worker-2', dataDir: tmp() });
  });

  it('names the failing hop: bad token format, wrong secret, wrong CA, unreachable server, expired token', async () => {
    expect((await failure(joinCluster({ ...base(), token: 'not-a-token', nodeName: 'n', dataDir: tmp() }))).hop).toBe('token');
    const parsed = parseJoinToken(ts.server.joinToken);
    if (!parsed) throw new Error('server token does not parse');
    const wrongSecret = `K10${parsed.caHash}::server:nope`;
    const rejected = await failure(joinCluster({ ...base(), token: wrongSecret, nodeName: 'n', dataDir: tmp() }));
    expect(rejected.hop).toBe('token-rejected');
    const wrongCa = `K10${'0'.repeat(64)}::server:${parsed.secret}`;
    const pinned = await failure(joinCluster({ ...base(), token: wrongCa, nodeName: 'n', dataDir: tmp() }));
    expect(pinned.hop).toBe('ca-hash');
    const port = await freePort();
    const unreachable = await failure(joinCluster({ ...base(), server: `https://127.0.0.1:${port}`, token: ts.server.joinToken, nodeName: 'n', dataDir: tmp() }));
    expect(unreachable.hop).toBe('connect');
    expect(unreachable.message).toContain('connection refused');
    const unknownHost = await failure(joinCluster({ ...base(), server: 'https://no-such-host.invalid:6443', token: ts.server.joinToken, nodeName: 'n', dataDir: tmp() }));
    expect(unknownHost.hop).toBe('dns');
    // An expiring token works until it expires.
    const tokens = new JoinTokens({ client: ts.server.client, clock: systemClock, tokenFile: join(ts.dataDir, 'server', 'token'), caHash: parsed.caHash });
    const short = await tokens.create({ ttlMs: 60_000 });
    await joinCluster({ ...base(), token: short.token, nodeName: 'worker-3', dataDir: tmp() });
    const expiredClock = { ...systemClock, now: () => Date.now() + 120_000 };
    const later = new JoinTokens({ client: ts.server.client, clock: expiredClock, tokenFile: join(ts.dataDir, 'server', 'token'), caHash: parsed.caHash });
    const t = parseJoinToken(short.token);
    expect(t && (await later.check(t.id, t.secret))).toEqual({ ok: false, reason: 'expired' });
  });
});

async function fetchWhoami(client: HttpClient): Promise<unknown> {
  // SelfSubjectReview is create-only; the HttpClient's create posts it like kubectl auth whoami.
  const review = await client.create({ group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews' }, undefined, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} });
  return (review.status as { userInfo?: unknown } | undefined)?.userInfo;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
