/**
 * Certificate issuance for lite's PKI: ECDSA P-256 keys from Node's crypto, X.509 certificates built
 * with @peculiar/x509 over Node's WebCrypto. The output is PEM that Node's tls/https and Go's
 * crypto/tls (kubectl, client-go) both accept: keys as PKCS#8, certificates with the extensions Go
 * verification expects (basic constraints and key usage on CAs, extended key usage and subject
 * alternative names on leaves).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from './x509.js';
import type { Clock } from '../util/clock.js';

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Leaves are backdated this much so peers with a slightly slow clock accept them at once. */
const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The WebCrypto type @peculiar/x509 expects (the DOM `Crypto`, which this project's lib set lacks). */
type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>;
const provider = webcrypto as unknown as X509Crypto;
const subtle = webcrypto.subtle;
const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A new ECDSA P-256 private key as PKCS#8 PEM. */
export function generatePrivateKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export type CertificateUsage = 'ca' | 'server' | 'client';

export interface IssueCertificateOptions {
  readonly usage: CertificateUsage;
  readonly commonName: string;
  /** Subject O values (Kubernetes groups for client certificates). */
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  readonly validDays: number;
  readonly clock: Clock;
  /** The signer; omitted for a self-signed certificate (a root CA). */
  readonly issuer?: CertificateAndKey;
  /** Reuse this private key (PEM) instead of generating one. */
  readonly keyPem?: string;
}

/** Issues a certificate per `options`; returns it with its (new or reused) private key. */
export async function issueCertificate(options: IssueCertificateOptions): Promise<CertificateAndKey> {
  if (!(options.validDays > 0)) throw new Error(`pki: validDays must be positive, got ${options.validDays}`);
  const keyPem = options.keyPem ?? generatePrivateKeyPem();
  const publicKeyDer = spkiDer(keyPem);
  const signerKeyPem = options.issuer?.keyPem ?? keyPem;
  const signingKey = await subtle.importKey('pkcs8', pkcs8Der(signerKeyPem), ECDSA_P256, false, ['sign']);
  const now = options.clock.now();

  const subject = subjectName(options.commonName, options.organizations ?? []);
  const issuerCert = options.issuer ? new x509.X509Certificate(options.issuer.certPem) : undefined;
  const extensions: x509.Extension[] = [];
  if (options.usage === 'ca') {
    extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true));
  } else {
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true));
    extensions.push(new x509.ExtendedKeyUsageExtension([options.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]));
  }
  const names: x509.JsonGeneralNames = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKeyDer, false, provider));
  if (issuerCert) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCert, false, provider));

  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject,
      issuer: issuerCert ? issuerCert.subjectName : subject,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + options.validDays * DAY_MS),
      signingAlgorithm: SIGNING,
      publicKey: publicKeyDer,
      signingKey,
      extensions,
    },
    provider,
  );
  return { certPem: `${cert.toString('pem')}\n`, keyPem };
}

/** A self-signed certificate authority. */
export function createCertificateAuthority(options: { commonName: string; validDays: number; clock: Clock }): Promise<CertificateAndKey> {
  return issueCertificate({ usage: 'ca', ...options });
}

export interface IssueClientCertificateOptions {
  /** The client CA that API servers trust for client certificates. */
  readonly ca: CertificateAndKey;
  /** The user name, e.g. `system:node:worker-1`. */
  readonly commonName: string;
  /** The groups, e.g. `['system:nodes']`. */
  readonly organizations?: readonly string[];
  readonly ttlDays: number;
  readonly clock: Clock;
}

/** A client certificate (CN = user, O = groups) signed by the client CA, with a new key. */
export function issueClientCertificate(options: IssueClientCertificateOptions): Promise<CertificateAndKey> {
  return issueCertificate({
    usage: 'client',
    commonName: options.commonName,
    organizations: options.organizations,
    validDays: options.ttlDays,
    clock: options.clock,
    issuer: options.ca,
  });
}

/**
 * Hex SHA-256 of the DER encoding of the (first) certificate in `caPem`: the CA pin of k3s-style
 * join tokens `K10<hash>::<id>:<secret>`.
 */
export function caCertHash(caPem: string): string {
  return createHash('sha256').update(new X509Certificate(caPem).raw).digest('hex');
}

/** Whether the private key `keyPem` belongs to the certificate `certPem`. */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  const fromCert = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return Buffer.compare(fromCert, spkiDer(keyPem)) === 0;
}

function spkiDer(keyPem: string): Buffer {
  return createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
}

function pkcs8Der(keyPem: string): Buffer {
  return createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
}

/** A positive, non-zero 128-bit serial number (RFC 5280 allows up to 20 octets). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** Subject with O values first, then CN, as Kubernetes tooling writes them. */
function subjectName(commonName: string, organizations: readonly string[]): x509.Name {
  const parts: x509.JsonName = organizations.map((o) => ({ O: [o] }));
  parts.push({ CN: [commonName] });
  return new x509.Name(parts);
}

/** How a CertificateSigningRequest usage maps onto X.509 key usage bits and extended key usages. */
const KEY_USAGE_BITS: Readonly<Record<string, number>> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};
const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = {
  any: '2.5.29.37.0',
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  's/mime': x509.ExtendedKeyUsage.emailProtection,
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

export interface SignRequestOptions {
  /** The PKCS#10 request (its signature already checked by the caller). */
  readonly request: x509.Pkcs10CertificateRequest;
  readonly ca: CertificateAndKey;
  /** CertificateSigningRequest usages ("digital signature", "client auth" …). */
  readonly usages: readonly string[];
  /** Validity from now; capped at the CA's own expiry. */
  readonly durationMs: number;
  /** How far notBefore lies in the past (upstream's signer backdates 5 minutes). */
  readonly backdateMs: number;
  readonly clock: Clock;
}

/**
 * Issues the certificate a CSR asks for: its subject, public key and subject alternative names,
 * the requested usages, signed by `ca`. Returns the certificate PEM.
 */
export async function signCertificateRequest(options: SignRequestOptions): Promise<string> {
  const ca = new x509.X509Certificate(options.ca.certPem);
  const now = options.clock.now();
  const notAfter = Math.min(now + options.durationMs, ca.notAfter.getTime());
  const signingKey = await subtle.importKey('pkcs8', pkcs8Der(options.ca.keyPem), ECDSA_P256, false, ['sign']);
  const bits = options.usages.reduce((b, u) => b | (KEY_USAGE_BITS[u] ?? 0), 0);
  const ekus = [...new Set(options.usages.map((u) => EXTENDED_KEY_USAGES[u]).filter((e): e is string => e !== undefined))];
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (bits) extensions.push(new x509.KeyUsagesExtension(bits, true));
  if (ekus.length) extensions.push(new x509.ExtendedKeyUsageExtension(ekus));
  // Subject alternative names (2.5.29.17) come over from the request as they are.
  const san = options.request.getExtension('2.5.29.17');
  if (san) extensions.push(new x509.SubjectAlternativeNameExtension(san.rawData));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(ca, false, provider));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: options.request.subjectName,
      issuer: ca.subjectName,
      notBefore: new Date(now - options.backdateMs),
      notAfter: new Date(notAfter),
      signingAlgorithm: SIGNING,
      publicKey: options.request.publicKey,
      signingKey,
      extensions,
    },
    provider,
  );
  return `${cert.toString('pem')}\n`;
}
