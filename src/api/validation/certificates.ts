/**
 * certificates.k8s.io/v1 CertificateSigningRequest: validation (upstream
 * pkg/apis/certificates/validation) and the strategies' update preparation (pkg/registry/
 * certificates/certificates/strategy.go): the spec is immutable; /status may not touch the
 * Approved and Denied conditions; /approval changes only the conditions; condition timestamps are
 * filled in by the server.
 */
import { PemConverter, Pkcs10CertificateRequest, X509Certificate } from '../../pki/x509.js';
import type { FieldError } from '../errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../object.js';
import { child, duplicate, forbidden, index, invalid, notSupported, required } from './field-errors.js';
import { isDNS1123Subdomain } from './names.js';

/** Upstream's KeyUsage values (certificates/v1 types.go). */
export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const;

const CONDITION_STATUSES = ['True', 'False', 'Unknown'];
const APPROVAL_TYPES = new Set(['Approved', 'Denied']);
const UNIQUE_TYPES = new Set(['Approved', 'Denied', 'Failed']);

function spec(o: KubeObject): JsonObject {
  return isJsonObject(o.spec) ? o.spec : {};
}

function status(o: KubeObject): JsonObject {
  return isJsonObject(o.status) ? o.status : {};
}

function conditions(o: KubeObject): JsonObject[] {
  const c = status(o).conditions;
  return Array.isArray(c) ? c.filter(isJsonObject) : [];
}

/** The text of a base64 ([]byte) field; undefined when it is not valid base64. */
export function decodeBytesField(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  return Buffer.from(value, 'base64').toString('latin1');
}

/** The PEM blocks of a text (type and DER), in order; none when the text holds no valid block. */
export function pemBlocks(text: string): { type: string; der: ArrayBuffer }[] {
  return PemConverter.decodeWithHeaders(text).map((b) => ({ type: b.type, der: b.rawData }));
}

/**
 * The PKCS#10 request of `spec.request`, or the reason it is unusable, in upstream's words
 * (ParseCSR: the first PEM block must be a CERTIFICATE REQUEST).
 */
export function parseCsrRequest(request: unknown): Pkcs10CertificateRequest | string {
  const text = decodeBytesField(request);
  if (text === undefined) return 'must be base64-encoded PEM';
  const first = pemBlocks(text)[0];
  if (!first || first.type !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  try {
    return new Pkcs10CertificateRequest(first.der);
  } catch (e) {
    return `x509: malformed certificate request: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function validateSignerName(path: string, signerName: unknown): FieldError[] {
  if (typeof signerName !== 'string' || signerName === '') return [required(path)];
  const slash = signerName.indexOf('/');
  if (slash <= 0 || slash === signerName.length - 1) {
    return [invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  }
  const domain = signerName.slice(0, slash);
  if (isDNS1123Subdomain(domain).length > 0 || !domain.includes('.')) return [invalid(path, signerName, 'should be a domain with at least two segments separated by dots')];
  if (signerName.length > 571) return [invalid(path, signerName, 'may not be more than 571 characters')];
  return [];
}

function validateConditions(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const path = 'status.conditions';
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditions(o).forEach((c, i) => {
    const p = index(path, i);
    const type = typeof c.type === 'string' ? c.type : '';
    if (!type) errs.push(required(child(p, 'type')));
    if (UNIQUE_TYPES.has(type)) {
      if (seen.has(type)) errs.push(duplicate(child(p, 'type'), type));
      seen.add(type);
    }
    const st = typeof c.status === 'string' ? c.status : '';
    if (APPROVAL_TYPES.has(type)) {
      if (st !== 'True') errs.push(notSupported(child(p, 'status'), st, ['True']));
    } else if (!CONDITION_STATUSES.includes(st)) {
      errs.push(st === '' ? required(child(p, 'status')) : notSupported(child(p, 'status'), st, CONDITION_STATUSES));
    }
    if (type === 'Approved') {
      approved = true;
      if (denied) errs.push(invalid(child(p, 'type'), type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (type === 'Denied') {
      denied = true;
      if (approved) errs.push(invalid(child(p, 'type'), type, 'Approved and Denied conditions are mutually exclusive'));
    }
  });
  return errs;
}

function validateCertificate(o: KubeObject): FieldError[] {
  const cert = status(o).certificate;
  if (cert === undefined || cert === null || cert === '') return [];
  const path = 'status.certificate';
  const text = decodeBytesField(cert);
  if (text === undefined) return [invalid(path, '<certificate data>', 'must be base64-encoded PEM')];
  const blocks = pemBlocks(text);
  if (blocks.length === 0) return [invalid(path, '<certificate data>', 'must contain at least one CERTIFICATE PEM block')];
  for (const b of blocks) {
    if (b.type !== 'CERTIFICATE') return [invalid(path, '<certificate data>', `only CERTIFICATE PEM blocks are allowed, found "${b.type}"`)];
  }
  try {
    for (const b of blocks) new X509Certificate(b.der);
  } catch {
    return [invalid(path, '<certificate data>', 'failed to parse certificate')];
  }
  return [];
}

/** Create: the request, signer, usages and requested duration. */
export function validateCertificateSigningRequest(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs: FieldError[] = [];
  const csr = parseCsrRequest(s.request);
  if (s.request === undefined || s.request === '') errs.push(required('spec.request'));
  else if (typeof csr === 'string') errs.push(invalid('spec.request', '<request data>', csr));
  errs.push(...validateSignerName('spec.signerName', s.signerName));
  const usages = Array.isArray(s.usages) ? s.usages : [];
  if (usages.length === 0) errs.push(required('spec.usages'));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    const p = index('spec.usages', i);
    if (typeof u !== 'string' || !(KEY_USAGES as readonly string[]).includes(u)) errs.push(notSupported(p, u, KEY_USAGES));
    else if (seen.has(u)) errs.push(duplicate(p, u));
    else seen.add(u);
  });
  if (typeof s.expirationSeconds === 'number' && s.expirationSeconds < 600) {
    errs.push(invalid('spec.expirationSeconds', s.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(o), ...validateCertificate(o));
  return errs;
}

/** Updates of any kind: the object stays valid, approvals are never withdrawn, a certificate never changes. */
export function validateCertificateSigningRequestUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateCertificateSigningRequest(o);
  const now = new Set(conditions(o).map((c) => c.type));
  for (const t of ['Approved', 'Denied']) {
    if (conditions(old).some((c) => c.type === t) && !now.has(t)) errs.push(forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
  }
  const oldCert = status(old).certificate;
  if (typeof oldCert === 'string' && oldCert !== '' && status(o).certificate !== oldCert) {
    errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}

/** Create: the requester's identity, from the request's user (never from the body). */
export function prepareCertificateSigningRequestCreate(o: KubeObject, user: { username: string; uid?: string; groups?: readonly string[]; extra?: Readonly<Record<string, readonly string[]>> }): void {
  const s: JsonObject = { ...spec(o) };
  s.username = user.username;
  if (user.uid) s.uid = user.uid;
  else delete s.uid;
  if (user.groups?.length) s.groups = [...user.groups];
  else delete s.groups;
  if (user.extra && Object.keys(user.extra).length > 0) s.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]));
  else delete s.extra;
  o.spec = s;
  delete o.status;
}

/** Fills lastUpdateTime, and lastTransitionTime (kept from the same type and status before). */
function populateConditionTimestamps(next: KubeObject, old: KubeObject, now: string): void {
  const list = conditions(next).map((c) => {
    const out: JsonObject = { ...c };
    if (out.status === undefined || out.status === '') out.status = 'True';
    if (!out.lastUpdateTime) out.lastUpdateTime = now;
    if (!out.lastTransitionTime) {
      const before = conditions(old).find((p) => p.type === out.type && p.status === out.status && p.lastTransitionTime);
      out.lastTransitionTime = before ? before.lastTransitionTime : now;
    }
    return out;
  });
  if (list.length > 0) next.status = { ...status(next), conditions: list };
}

/** Main-resource update: only metadata changes; spec and status stay as stored. */
export function preserveCertificateSigningRequestOnUpdate(next: KubeObject, old: KubeObject): void {
  next.spec = old.spec;
}

/** /status: everything in status but the Approved and Denied conditions, which stay as stored. */
export function prepareCertificateSigningRequestStatus(next: KubeObject, old: KubeObject, now: string): void {
  next.spec = old.spec;
  const kept = conditions(old).filter((c) => APPROVAL_TYPES.has(String(c.type)));
  const others = conditions(next).filter((c) => !APPROVAL_TYPES.has(String(c.type)));
  const merged = [...kept, ...others];
  const st: JsonObject = { ...status(next) };
  if (merged.length > 0) st.conditions = merged;
  else delete st.conditions;
  next.status = st;
  populateConditionTimestamps(next, old, now);
}

/**
 * /approval: the conditions and the metadata from the request (upstream's approval strategy resets
 * only spec and the rest of status; system metadata is restored by the store); spec and the
 * certificate as stored.
 */
export function prepareCertificateSigningRequestApproval(desired: KubeObject, old: KubeObject, now: string): KubeObject {
  const next: KubeObject = { ...old, metadata: { ...desired.metadata } };
  const st: JsonObject = { ...status(old) };
  const wanted = conditions(desired);
  if (wanted.length > 0) st.conditions = wanted;
  else delete st.conditions;
  if (Object.keys(st).length > 0) next.status = st;
  else delete next.status;
  populateConditionTimestamps(next, old, now);
  return next;
}
