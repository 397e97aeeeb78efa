/**
 * The server's TLS material, created on first start and reused afterwards (k3s style):
 *
 *   server-ca.crt/.key               CA that signs serving certificates; clients trust it
 *                                    (kubeconfig certificate-authority-data, join-token pin)
 *   client-ca.crt/.key               separate CA for client certificates: the API server trusts only
 *                                    it for client auth, so the serving CA cannot mint users
 *   serving-kube-apiserver.crt/.key  the API server's certificate (server auth, SANs below)
 *   client-admin.crt/.key            CN=system:admin, O=system:masters
 *   admin.token                      a random bearer token for the admin
 *   request-header-ca.crt/.key       CA of the front proxy: extension API servers trust only it
 *                                    for the X-Remote-User headers (kube-system/extension-apiserver-
 *                                    authentication, `requestheader-client-ca-file`)
 *   client-auth-proxy.crt/.key       CN=system:auth-proxy, the certificate the API server presents
 *                                    when it proxies to an APIService (k3s' names for both)
 *
 * Keys and the token are written with mode 0600, certificates 0644. On later starts only what is
 * missing or unusable is regenerated: an unreadable or mismatched pair, a leaf no longer signed by
 * its CA, a leaf expired or within RENEW_BEFORE_DAYS of expiry, an expired CA (everything it signed
 * follows), a serving certificate whose SANs do not cover the requested names, or an admin
 * certificate with the wrong subject. Existing leaf keys are kept when their certificate is renewed.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { silentLogger } from '../util/log.js';
import type { CertificateAndKey } from './issue-certificate.js';
import { createCertificateAuthority, issueCertificate, keyMatchesCertificate } from './issue-certificate.js';
import { PUBLIC_FILE_MODE, SECRET_FILE_MODE, writeSecureFile } from './write-secure-file.js';

export const CA_VALID_DAYS = 3650;
export const LEAF_VALID_DAYS = 365;
/** Leaf certificates are renewed once they are this close to expiry (as k3s does). */
export const RENEW_BEFORE_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export const ADMIN_USER = 'system:admin';
export const ADMIN_GROUP = 'system:masters';

export interface ServerPkiConfig {
  /** Directory holding the files, e.g. `<data-dir>/server/tls`; created (0700) if missing. */
  readonly dir: string;
  /** Extra names for the serving certificate (IP addresses given here are treated as IPs). */
  readonly hostnames?: readonly string[];
  /** Extra IP addresses for the serving certificate. */
  readonly ips?: readonly string[];
  readonly clock?: Clock;
  /** The `kubernetes` Service's cluster IP. Default 10.43.0.1. */
  readonly serviceIp?: string;
  /** Default cluster.local. */
  readonly clusterDomain?: string;
  /** This machine's host name. Default os.hostname(). */
  readonly hostname?: string;
  /** Addresses of this machine. Default: every non-internal interface address. */
  readonly interfaceAddresses?: readonly string[];
  readonly logger?: Logger;
}

export interface ServerPkiFiles {
  readonly serverCaCert: string;
  readonly serverCaKey: string;
  readonly clientCaCert: string;
  readonly clientCaKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly adminToken: string;
  readonly requestHeaderCaCert: string;
  readonly requestHeaderCaKey: string;
  readonly proxyClientCert: string;
  readonly proxyClientKey: string;
}

export type PkiItem = 'server-ca' | 'client-ca' | 'serving' | 'admin' | 'admin-token' | 'request-header-ca' | 'proxy-client';

/** The front proxy's user name: extension API servers accept X-Remote-User only from it. */
export const AUTH_PROXY_USER = 'system:auth-proxy';

export interface ServerPki {
  /** The server CA certificate: what clients trust. */
  readonly caCertPem: string;
  /** The server CA with its key (kubelet serving certificates requested through CSRs). */
  readonly serverCa: CertificateAndKey;
  readonly serving: CertificateAndKey;
  /** The client CA certificate: what the API server trusts for client certificates. */
  readonly clientCaPem: string;
  /** The client CA with its key, for issueClientCertificate (node and component certificates). */
  readonly clientCa: CertificateAndKey;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly adminToken: string;
  /** The CA extension API servers trust for the front proxy's client certificate. */
  readonly requestHeaderCaPem: string;
  /** The API server's client certificate when it proxies to an APIService (CN system:auth-proxy). */
  readonly proxyClient: { readonly certPem: string; readonly keyPem: string };
  /** The SANs the serving certificate was checked (or issued) for. */
  readonly servingNames: { readonly dnsNames: readonly string[]; readonly ips: readonly string[] };
  readonly files: ServerPkiFiles;
  /** What this call created or replaced; empty when everything on disk was reused. */
  readonly generated: readonly PkiItem[];
}

export function serverPkiFiles(dir: string): ServerPkiFiles {
  return {
    serverCaCert: join(dir, 'server-ca.crt'),
    serverCaKey: join(dir, 'server-ca.key'),
    clientCaCert: join(dir, 'client-ca.crt'),
    clientCaKey: join(dir, 'client-ca.key'),
    servingCert: join(dir, 'serving-kube-apiserver.crt'),
    servingKey: join(dir, 'serving-kube-apiserver.key'),
    adminCert: join(dir, 'client-admin.crt'),
    adminKey: join(dir, 'client-admin.key'),
    adminToken: join(dir, 'admin.token'),
    requestHeaderCaCert: join(dir, 'request-header-ca.crt'),
    requestHeaderCaKey: join(dir, 'request-header-ca.key'),
    proxyClientCert: join(dir, 'client-auth-proxy.crt'),
    proxyClientKey: join(dir, 'client-auth-proxy.key'),
  };
}

/** Creates or reuses the server's TLS material in `config.dir`; see the module comment. */
export async function ensureServerPki(config: ServerPkiConfig): Promise<ServerPki> {
  const clock = config.clock ?? systemClock;
  const log = (config.logger ?? silentLogger).child({ component: 'pki' });
  const files = serverPkiFiles(config.dir);
  const names = servingNames(config);
  const generated: PkiItem[] = [];
  const now = clock.now();
  const epochSeconds = Math.floor(now / 1000);

  let serverCa = loadCa(files.serverCaCert, files.serverCaKey, now);
  if (!serverCa) {
    serverCa = await createCertificateAuthority({ commonName: `lite-server-ca@${epochSeconds}`, validDays: CA_VALID_DAYS, clock });
    savePair(serverCa, files.serverCaCert, files.serverCaKey);
    generated.push('server-ca');
  }

  let clientCa = loadCa(files.clientCaCert, files.clientCaKey, now);
  if (!clientCa) {
    clientCa = await createCertificateAuthority({ commonName: `lite-client-ca@${epochSeconds}`, validDays: CA_VALID_DAYS, clock });
    savePair(clientCa, files.clientCaCert, files.clientCaKey);
    generated.push('client-ca');
  }

  let serving = loadLeaf(files.servingCert, files.servingKey, serverCa, now, (cert) => covers(cert, names));
  if (!serving) {
    serving = await issueCertificate({
      usage: 'server',
      commonName: 'kube-apiserver',
      dnsNames: names.dnsNames,
      ips: names.ips,
      validDays: LEAF_VALID_DAYS,
      clock,
      issuer: serverCa,
      keyPem: reusableKey(files.servingKey),
    });
    savePair(serving, files.servingCert, files.servingKey);
    generated.push('serving');
  }

  let admin = loadLeaf(files.adminCert, files.adminKey, clientCa, now, (cert) => subjectIs(cert, ADMIN_USER, [ADMIN_GROUP]));
  if (!admin) {
    admin = await issueCertificate({
      usage: 'client',
      commonName: ADMIN_USER,
      organizations: [ADMIN_GROUP],
      validDays: LEAF_VALID_DAYS,
      clock,
      issuer: clientCa,
      keyPem: reusableKey(files.adminKey),
    });
    savePair(admin, files.adminCert, files.adminKey);
    generated.push('admin');
  }

  let requestHeaderCa = loadCa(files.requestHeaderCaCert, files.requestHeaderCaKey, now);
  if (!requestHeaderCa) {
    requestHeaderCa = await createCertificateAuthority({ commonName: `lite-request-header-ca@${epochSeconds}`, validDays: CA_VALID_DAYS, clock });
    savePair(requestHeaderCa, files.requestHeaderCaCert, files.requestHeaderCaKey);
    generated.push('request-header-ca');
  }

  let proxyClient = loadLeaf(files.proxyClientCert, files.proxyClientKey, requestHeaderCa, now, (cert) => subjectIs(cert, AUTH_PROXY_USER, []));
  if (!proxyClient) {
    proxyClient = await issueCertificate({
      usage: 'client',
      commonName: AUTH_PROXY_USER,
      validDays: LEAF_VALID_DAYS,
      clock,
      issuer: requestHeaderCa,
      keyPem: reusableKey(files.proxyClientKey),
    });
    savePair(proxyClient, files.proxyClientCert, files.proxyClientKey);
    generated.push('proxy-client');
  }

  let adminToken = readText(files.adminToken)?.trim();
  if (!adminToken) {
    adminToken = randomBytes(32).toString('hex');
    writeSecureFile(files.adminToken, `${adminToken}\n`, SECRET_FILE_MODE);
    generated.push('admin-token');
  }

  if (generated.length > 0) log.info({ dir: config.dir, generated }, 'generated TLS material');
  else log.debug({ dir: config.dir }, 'reusing TLS material');

  return {
    caCertPem: serverCa.certPem,
    serverCa,
    serving,
    clientCaPem: clientCa.certPem,
    clientCa,
    adminCert: admin.certPem,
    adminKey: admin.keyPem,
    adminToken,
    requestHeaderCaPem: requestHeaderCa.certPem,
    proxyClient: { certPem: proxyClient.certPem, keyPem: proxyClient.keyPem },
    servingNames: names,
    files,
    generated,
  };
}

/**
 * The serving certificate's SANs: localhost, the host name, the `kubernetes` Service names, the
 * extra names; 127.0.0.1, ::1, the machine's addresses, the Service IP, the extra IPs. Deduplicated,
 * IPs in canonical form. Throws on an extra IP that is not an IP address.
 */
export function servingNames(config: Pick<ServerPkiConfig, 'hostnames' | 'ips' | 'serviceIp' | 'clusterDomain' | 'hostname' | 'interfaceAddresses'>): {
  dnsNames: string[];
  ips: string[];
} {
  const domain = config.clusterDomain ?? 'cluster.local';
  const dns = new Set<string>();
  const ips = new Set<string>();
  const addName = (n: string) => {
    const name = n.trim().toLowerCase();
    if (!name) return;
    if (isIP(name)) ips.add(canonicalIp(name));
    else dns.add(name);
  };
  const addIp = (ip: string) => {
    const trimmed = ip.trim();
    if (!isIP(trimmed)) throw new Error(`pki: ${JSON.stringify(ip)} is not an IP address`);
    ips.add(canonicalIp(trimmed));
  };
  for (const n of ['localhost', config.hostname ?? osHostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${domain}`]) addName(n);
  for (const n of config.hostnames ?? []) addName(n);
  for (const ip of ['127.0.0.1', '::1', ...(config.interfaceAddresses ?? machineAddresses()), config.serviceIp ?? '10.43.0.1', ...(config.ips ?? [])]) addIp(ip);
  return { dnsNames: [...dns], ips: [...ips] };
}

function machineAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal) out.push(a.address);
  return out;
}

/** IPv6 in its RFC 5952 form (what WHATWG URL serialisation produces); IPv4 unchanged. */
function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A parsed pair whose key belongs to its certificate, or undefined. */
function loadPair(certPath: string, keyPath: string): { pair: CertificateAndKey; cert: X509Certificate } | undefined {
  const certPem = readText(certPath);
  const keyPem = readText(keyPath);
  if (!certPem || !keyPem) return undefined;
  try {
    const cert = new X509Certificate(certPem);
    if (!keyMatchesCertificate(certPem, keyPem)) return undefined;
    return { pair: { certPem, keyPem }, cert };
  } catch {
    return undefined;
  }
}

function loadCa(certPath: string, keyPath: string, now: number): CertificateAndKey | undefined {
  const loaded = loadPair(certPath, keyPath);
  if (!loaded || !loaded.cert.ca) return undefined;
  if (now >= Date.parse(loaded.cert.validTo)) return undefined;
  return loaded.pair;
}

function loadLeaf(certPath: string, keyPath: string, ca: CertificateAndKey, now: number, fits: (cert: X509Certificate) => boolean): CertificateAndKey | undefined {
  const loaded = loadPair(certPath, keyPath);
  if (!loaded) return undefined;
  const { cert } = loaded;
  const caCert = new X509Certificate(ca.certPem);
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return undefined;
  if (now < Date.parse(cert.validFrom) || now >= Date.parse(cert.validTo) - RENEW_BEFORE_DAYS * DAY_MS) return undefined;
  return fits(cert) ? loaded.pair : undefined;
}

/** The key of an existing leaf if it is a usable P-256 key, so renewing a certificate keeps its key. */
function reusableKey(keyPath: string): string | undefined {
  const pem = readText(keyPath);
  if (!pem) return undefined;
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? pem : undefined;
  } catch {
    return undefined;
  }
}

function covers(cert: X509Certificate, names: { dnsNames: readonly string[]; ips: readonly string[] }): boolean {
  for (const name of names.dnsNames) if (cert.checkHost(name, { subject: 'never', wildcards: false }) === undefined) return false;
  for (const ip of names.ips) if (cert.checkIP(ip) === undefined) return false;
  return true;
}

function subjectIs(cert: X509Certificate, commonName: string, organizations: readonly string[]): boolean {
  const cn: string[] = [];
  const o: string[] = [];
  for (const line of cert.subject.split('\n')) {
    if (line.startsWith('CN=')) cn.push(line.slice(3));
    else if (line.startsWith('O=')) o.push(line.slice(2));
  }
  return cn.length === 1 && cn[0] === commonName && organizations.every((g) => o.includes(g));
}

function savePair(pair: CertificateAndKey, certPath: string, keyPath: string): void {
  // The key first: a crash in between leaves a certificate that does not match, which the next
  // start detects and replaces.
  writeSecureFile(keyPath, pair.keyPem, SECRET_FILE_MODE);
  writeSecureFile(certPath, pair.certPem, PUBLIC_FILE_MODE);
}
