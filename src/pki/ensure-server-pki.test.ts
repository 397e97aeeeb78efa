import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../util/clock.js';
import type { ServerPkiConfig } from './ensure-server-pki.js';
import { ensureServerPki, serverPkiFiles, servingNames } from './ensure-server-pki.js';
import { caCertHash, createCertificateAuthority, issueClientCertificate } from './issue-certificate.js';
import { writeKubeconfig } from './write-kubeconfig.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
const DAY = 24 * 60 * 60 * 1000;

let dir: string;
let clock: FakeClock;
let config: ServerPkiConfig;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lite-pki-'));
  clock = new FakeClock(Date.now());
  config = {
    dir: join(dir, 'server', 'tls'),
    clock,
    hostname: 'node-a',
    hostnames: ['lite.example.com', '10.1.2.3'],
    ips: ['192.0.2.10'],
    interfaceAddresses: ['198.51.100.7', 'fe80::1'],
  };
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** The mode a file created with `m` ends up with under this process's umask. */
function created(m: number): number {
  return m & ~process.umask();
}

describe('servingNames', () => {
  it('covers the defaults, the host, the cluster service names and the extras', () => {
    expect(servingNames(config)).toEqual({
      dnsNames: ['localhost', 'node-a', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'lite.example.com'],
      ips: ['10.1.2.3', '127.0.0.1', '::1', '198.51.100.7', 'fe80::1', '10.43.0.1', '192.0.2.10'],
    });
  });

  it('honours the service IP and cluster domain, canonicalises and deduplicates IPs', () => {
    const n = servingNames({ hostname: 'LOCALHOST', interfaceAddresses: ['0:0:0:0:0:0:0:1'], serviceIp: '10.96.0.1', clusterDomain: 'corp.internal', ips: ['127.0.0.1'] });
    expect(n.dnsNames).toEqual(['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.corp.internal']);
    expect(n.ips).toEqual(['127.0.0.1', '::1', '10.96.0.1']);
  });

  it('refuses an extra IP that is not one', () => {
    expect(() => servingNames({ ips: ['not-an-ip'] })).toThrow('"not-an-ip" is not an IP address');
  });
});

describe('ensureServerPki', () => {
  it('creates every file with the right modes and certificates that chain correctly', async () => {
    const pki = await ensureServerPki(config);
    expect(pki.generated).toEqual(['server-ca', 'client-ca', 'serving', 'admin', 'request-header-ca', 'proxy-client', 'admin-token']);
    const files = serverPkiFiles(config.dir);
    expect(pki.files).toEqual(files);
    for (const p of [files.serverCaKey, files.clientCaKey, files.servingKey, files.adminKey, files.adminToken, files.requestHeaderCaKey, files.proxyClientKey]) expect(mode(p), p).toBe(0o600);
    for (const p of [files.serverCaCert, files.clientCaCert, files.servingCert, files.adminCert, files.requestHeaderCaCert, files.proxyClientCert]) expect(mode(p), p).toBe(created(0o644));
    expect(mode(config.dir)).toBe(0o700);
    expect(readdirSync(config.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const serverCa = new X509Certificate(pki.caCertPem);
    const clientCa = new X509Certificate(pki.clientCaPem);
    const serving = new X509Certificate(pki.serving.certPem);
    const admin = new X509Certificate(pki.adminCert);
    expect(serverCa.ca).toBe(true);
    expect(clientCa.ca).toBe(true);
    expect(serverCa.fingerprint256).not.toBe(clientCa.fingerprint256);
    expect(serving.ca).toBe(false);
    expect(serving.checkIssued(serverCa) && serving.verify(serverCa.publicKey)).toBe(true);
    expect(admin.checkIssued(clientCa) && admin.verify(clientCa.publicKey)).toBe(true);
    expect(admin.verify(serverCa.publicKey)).toBe(false);
    expect(admin.subject.split('\n').sort()).toEqual(['CN=system:admin', 'O=system:masters']);
    // The front proxy's certificate chains to its own CA only: it is no user of this server.
    const requestHeaderCa = new X509Certificate(pki.requestHeaderCaPem);
    const proxyClient = new X509Certificate(pki.proxyClient.certPem);
    expect(requestHeaderCa.ca).toBe(true);
    expect(proxyClient.checkIssued(requestHeaderCa) && proxyClient.verify(requestHeaderCa.publicKey)).toBe(true);
    expect(proxyClient.verify(clientCa.publicKey)).toBe(false);
    expect(proxyClient.subject).toBe('CN=system:auth-proxy');
    expect(proxyClient.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    for (const name of pki.servingNames.dnsNames) expect(serving.checkHost(name, { subject: 'never' }), name).toBe(name);
    for (const ip of ['127.0.0.1', '::1', '10.43.0.1', '10.1.2.3', '192.0.2.10', '198.51.100.7', 'fe80::1']) expect(serving.checkIP(ip), ip).toBe(ip);
    expect(serving.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(admin.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(pki.adminToken).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(files.adminToken, 'utf8').trim()).toBe(pki.adminToken);
    expect(pki.serving.keyPem).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('reuses everything on a second start', async () => {
    const first = await ensureServerPki(config);
    const second = await ensureServerPki(config);
    expect(second.generated).toEqual([]);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.clientCaPem).toBe(first.clientCaPem);
    expect(second.serving).toEqual(first.serving);
    expect(second.adminCert).toBe(first.adminCert);
    expect(second.adminKey).toBe(first.adminKey);
    expect(second.adminToken).toBe(first.adminToken);
  });

  it('reissues the serving certificate, keeping its key, when the requested SANs grow', async () => {
    const first = await ensureServerPki(config);
    const second = await ensureServerPki({ ...config, hostnames: [...(config.hostnames ?? []), 'api.example.org'], ips: ['192.0.2.10', '2001:db8::5'] });
    expect(second.generated).toEqual(['serving']);
    expect(second.serving.keyPem).toBe(first.serving.keyPem);
    expect(second.serving.certPem).not.toBe(first.serving.certPem);
    const serving = new X509Certificate(second.serving.certPem);
    expect(serving.checkHost('api.example.org', { subject: 'never' })).toBe('api.example.org');
    expect(serving.checkIP('2001:db8::5')).toBe('2001:db8::5');
    // fewer names are still covered: nothing to do
    expect((await ensureServerPki({ ...config, hostnames: [], ips: [] })).generated).toEqual([]);
  });

  it('renews leaf certificates near expiry but keeps the CAs', async () => {
    const first = await ensureServerPki(config);
    clock.advance(200 * DAY);
    expect((await ensureServerPki(config)).generated).toEqual([]);
    clock.advance(100 * DAY); // 300 days: inside the 90-day renewal window of a 365-day certificate
    const renewed = await ensureServerPki(config);
    expect(renewed.generated).toEqual(['serving', 'admin', 'proxy-client']);
    expect(renewed.caCertPem).toBe(first.caCertPem);
    expect(renewed.adminKey).toBe(first.adminKey);
    expect(Date.parse(new X509Certificate(renewed.serving.certPem).validTo)).toBeGreaterThan(clock.now() + 360 * DAY);
  });

  it('replaces a lost CA key and everything the CA signed', async () => {
    const first = await ensureServerPki(config);
    unlinkSync(first.files.clientCaKey);
    const second = await ensureServerPki(config);
    expect(second.generated).toEqual(['client-ca', 'admin']);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.clientCaPem).not.toBe(first.clientCaPem);
    expect(new X509Certificate(second.adminCert).verify(new X509Certificate(second.clientCaPem).publicKey)).toBe(true);
  });

  it('replaces unreadable or mismatched files', async () => {
    const first = await ensureServerPki(config);
    writeFileSync(first.files.servingCert, 'garbage');
    writeFileSync(first.files.adminKey, (await createCertificateAuthority({ commonName: 'x', validDays: 1, clock })).keyPem);
    writeFileSync(first.files.adminToken, '\n');
    const second = await ensureServerPki(config);
    expect(second.generated).toEqual(['serving', 'admin', 'admin-token']);
    expect(mode(first.files.servingCert)).toBe(created(0o644));
    expect(mode(first.files.adminToken)).toBe(0o600);
  });
});

describe('issueClientCertificate and caCertHash', () => {
  it('issues node certificates from the client CA', async () => {
    const pki = await ensureServerPki(config);
    const node = await issueClientCertificate({ ca: pki.clientCa, commonName: 'system:node:worker-1', organizations: ['system:nodes'], ttlDays: 30, clock });
    const cert = new X509Certificate(node.certPem);
    expect(cert.subject.split('\n').sort()).toEqual(['CN=system:node:worker-1', 'O=system:nodes']);
    expect(cert.verify(new X509Certificate(pki.clientCaPem).publicKey)).toBe(true);
    expect(Date.parse(cert.validTo) - clock.now()).toBeLessThanOrEqual(30 * DAY);
    expect(node.keyPem).not.toBe(pki.adminKey);
  });

  it('hashes the DER of the CA certificate', async () => {
    const pki = await ensureServerPki(config);
    const body = pki.caCertPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
    const expected = createHash('sha256').update(Buffer.from(body, 'base64')).digest('hex');
    expect(caCertHash(pki.caCertPem)).toBe(expected);
    expect(caCertHash(pki.caCertPem)).toMatch(/^[0-9a-f]{64}$/);
    expect(caCertHash(pki.clientCaPem)).not.toBe(expected);
  });
});

// ---- real TLS --------------------------------------------------------------------------------------

interface Seen {
  authorized: boolean;
  subject?: { CN?: string | string[]; O?: string | string[] };
  authorization?: string;
}

async function startServer(pki: { serving: { certPem: string; keyPem: string }; clientCaPem: string }, handler: (req: IncomingMessage, seen: Seen) => string): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer({ key: pki.serving.keyPem, cert: pki.serving.certPem, ca: pki.clientCaPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    const s: Seen = { authorized: socket.authorized, authorization: req.headers.authorization };
    if (peer && peer.subject) s.subject = { CN: peer.subject.CN, O: peer.subject.O };
    seen.push(s);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(handler(req, s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function get(port: number, opts: { ca: string; cert?: string; key?: string; host?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: opts.host ?? '127.0.0.1', port, path: '/', ca: opts.ca, cert: opts.cert, key: opts.key, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('the certificates in a real TLS handshake', () => {
  it('Node accepts the serving certificate and authenticates the admin by its client certificate', async () => {
    const pki = await ensureServerPki(config);
    const { server, port, seen } = await startServer(pki, () => '{}');
    try {
      await get(port, { ca: pki.caCertPem, cert: pki.adminCert, key: pki.adminKey });
      await get(port, { ca: pki.caCertPem, cert: pki.adminCert, key: pki.adminKey, host: 'localhost' });
      await get(port, { ca: pki.caCertPem });
      // a client certificate from the wrong CA is presented but not authorized
      const rogue = await issueClientCertificate({ ca: { certPem: pki.caCertPem, keyPem: readFileSync(pki.files.serverCaKey, 'utf8') }, commonName: 'mallory', organizations: ['system:masters'], ttlDays: 1, clock });
      await get(port, { ca: pki.caCertPem, cert: rogue.certPem, key: rogue.keyPem });
      const node = await issueClientCertificate({ ca: pki.clientCa, commonName: 'system:node:n1', organizations: ['system:nodes'], ttlDays: 1, clock });
      await get(port, { ca: pki.caCertPem, cert: node.certPem, key: node.keyPem });
    } finally {
      await stop(server);
    }
    expect(seen.map((s) => s.authorized)).toEqual([true, true, false, false, true]);
    expect(seen[0].subject).toEqual({ CN: 'system:admin', O: 'system:masters' });
    expect(seen[3].subject?.CN).toBe('mallory');
    expect(seen[4].subject).toEqual({ CN: 'system:node:n1', O: 'system:nodes' });
    // a client that does not trust the server CA refuses the server
    const other = await createCertificateAuthority({ commonName: 'other', validDays: 1, clock });
    const again = await startServer(pki, () => '{}');
    try {
      await expect(get(again.port, { ca: other.certPem })).rejects.toThrow();
    } finally {
      await stop(again.server);
    }
  });

  it('Go (the real kubectl 1.32) accepts the certificates and the kubeconfig', async () => {
    expect(existsSync(KUBECTL), `kubectl 1.32 is expected at ${KUBECTL} on this machine`).toBe(true);
    const pki = await ensureServerPki(config);
    const version = { major: '1', minor: '32', gitVersion: 'v1.32.0+lite', gitCommit: 'abc', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23.4', compiler: 'gc', platform: 'linux/amd64' };
    const { server, port, seen } = await startServer(pki, (req, s) => {
      if (!s.authorized && !s.authorization) return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 401 });
      return req.url?.startsWith('/version') ? JSON.stringify(version) : '{}';
    });
    const run = promisify(execFile);
    try {
      const certConfig = join(dir, 'kubeconfig-cert.yaml');
      writeKubeconfig(certConfig, { server: `https://127.0.0.1:${port}`, caPem: pki.caCertPem, clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey });
      expect(mode(certConfig)).toBe(0o600);
      const env = { ...process.env, HOME: dir, KUBECONFIG: '' };
      const out = await run(KUBECTL, ['--kubeconfig', certConfig, '--cache-dir', join(dir, 'cache'), 'version', '-o', 'json'], { env, timeout: 30_000 });
      const parsed = JSON.parse(out.stdout) as { serverVersion?: { gitVersion?: string } };
      expect(parsed.serverVersion?.gitVersion).toBe('v1.32.0+lite');

      // the same through the `localhost` name and a bearer token
      const tokenConfig = join(dir, 'kubeconfig-token.yaml');
      writeKubeconfig(tokenConfig, { server: `https://localhost:${port}`, caPem: pki.caCertPem, token: pki.adminToken });
      const out2 = await run(KUBECTL, ['--kubeconfig', tokenConfig, '--cache-dir', join(dir, 'cache2'), 'version', '-o', 'json'], { env, timeout: 30_000 });
      expect((JSON.parse(out2.stdout) as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion).toBe('v1.32.0+lite');
    } finally {
      await stop(server);
    }
    const withCert = seen.filter((s) => s.authorized);
    expect(withCert.length).toBeGreaterThan(0);
    expect(withCert[0].subject).toEqual({ CN: 'system:admin', O: 'system:masters' });
    expect(seen.some((s) => s.authorization === `Bearer ${pki.adminToken}`)).toBe(true);
  });
});
