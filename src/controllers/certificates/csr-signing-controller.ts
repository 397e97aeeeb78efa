/**
 * Signs approved CertificateSigningRequests for the built-in client signers, as
 * kube-controller-manager's csrsigning controller does with --cluster-signing-* files:
 *  - kubernetes.io/kube-apiserver-client: any subject; usages within digital signature, key
 *    encipherment and client auth, including client auth;
 *  - kubernetes.io/kube-apiserver-client-kubelet: the same usages, for CN system:node:<name>
 *    and exactly O system:nodes, without subject alternative names;
 *  - kubernetes.io/kubelet-serving: usages within digital signature, key encipherment and server
 *    auth, including server auth, for CN system:node:<name> and O system:nodes, with at least
 *    one DNS or IP name and no email or URI names.
 * The client signers sign with the client CA the API server trusts, so the certificate
 * authenticates its CN as user and its O values as groups; kubelet-serving with the server CA.
 * A request that breaks its signer's rules gets a Failed condition (reason
 * SignerValidationFailure) instead of a certificate. Requests to any other signer are left alone
 * (legacy-unknown is not signed by lite).
 *
 * Validity: spec.expirationSeconds, at most the cluster signing duration (one year, upstream's
 * default --cluster-signing-duration), never beyond the CA; backdated 5 minutes as upstream.
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { parseCsrRequest } from '../../api/validation/certificates.js';
import { signCertificateRequest, type CertificateAndKey } from '../../pki/issue-certificate.js';
import { SubjectAlternativeNameExtension, type Pkcs10CertificateRequest } from '../../pki/x509.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop, type Controller, type ControllerContext } from '../framework/controller.js';

export const csrResource = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' } as const;

const API_CLIENT = 'kubernetes.io/kube-apiserver-client';
const KUBELET_CLIENT = 'kubernetes.io/kube-apiserver-client-kubelet';
const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
const CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);
const SERVING_USAGES = new Set(['digital signature', 'key encipherment', 'server auth']);
const SAN_OID = '2.5.29.17';
const ORGANIZATION_OID = '2.5.4.10';
const COMMON_NAME_OID = '2.5.4.3';
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const BACKDATE_MS = 5 * 60 * 1000;

export interface CsrSigningConfig {
  /** Signs the client signers' certificates (the CA the API server trusts for clients). */
  readonly clientCa: CertificateAndKey;
  /** Signs kubelet-serving certificates (the CA clients trust for servers); absent: that signer is not served. */
  readonly serverCa?: CertificateAndKey;
  /** Longest validity issued (default one year). */
  readonly maxDurationMs?: number;
}

function conditionTypes(csr: KubeObject): Set<string> {
  const st = isJsonObject(csr.status) ? csr.status : {};
  const list = Array.isArray(st.conditions) ? st.conditions.filter(isJsonObject) : [];
  return new Set(list.filter((c) => c.status === 'True').map((c) => String(c.type)));
}

/** The subject alternative name types of a request (dns, ip, email, url …). */
function sanTypes(request: Pkcs10CertificateRequest): Set<string> {
  const ext = request.getExtension(SAN_OID);
  if (!ext) return new Set();
  return new Set(new SubjectAlternativeNameExtension(ext.rawData).names.toJSON().map((n) => n.type));
}

/** Why the request breaks its signer's rules, or undefined when it may be signed (upstream's wording). */
function signerViolation(signer: string, usages: readonly string[], subject: { cn: string[]; o: string[] }, sans: Set<string>): string | undefined {
  const serving = signer === KUBELET_SERVING;
  const allowed = serving ? SERVING_USAGES : CLIENT_USAGES;
  const bad = usages.filter((u) => !allowed.has(u));
  if (bad.length > 0) return `invalid usage for ${serving ? 'serving' : 'client'} certificate: ${bad[0]}`;
  const needed = serving ? 'server auth' : 'client auth';
  if (!usages.includes(needed)) return `missing required usages: ${needed}`;
  if (signer === KUBELET_CLIENT || serving) {
    if (subject.o.length !== 1 || subject.o[0] !== 'system:nodes') return 'subject organization is not system:nodes';
    if (subject.cn.length !== 1 || !subject.cn[0].startsWith('system:node:')) return "subject common name does not begin with 'system:node:'";
  }
  if (signer === KUBELET_CLIENT) {
    for (const [type, label] of [['dns', 'DNS'], ['email', 'Email'], ['ip', 'IP'], ['url', 'URI']]) if (sans.has(type)) return `${label} subjectAltNames are not allowed`;
  }
  if (serving) {
    if (sans.has('email')) return 'Email subjectAltNames are not allowed';
    if (sans.has('url')) return 'URI subjectAltNames are not allowed';
    if (!sans.has('dns') && !sans.has('ip')) return 'DNS or IP subjectAltName is required';
  }
  return undefined;
}

export class CsrSigningController implements Controller {
  readonly name = 'csrsigning';
  readonly #ctx: ControllerContext;
  readonly #config: CsrSigningConfig;
  readonly #csrs: SharedInformer;
  readonly #queue;

  constructor(ctx: ControllerContext, config: CsrSigningConfig) {
    this.#ctx = ctx;
    this.#config = config;
    this.#queue = newQueue(ctx.clock);
    this.#csrs = ctx.informers.informer(csrResource);
    const enqueue = (o: KubeObject) => this.#queue.add(o.metadata.name ?? '');
    this.#csrs.addEventHandler({ onAdd: enqueue, onUpdate: (_old, o) => enqueue(o) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.#csrs.waitForSync(signal);
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (name) => this.#reconcile(name), workers: 1, logger: this.#ctx.logger }, signal);
  }

  async #reconcile(name: string): Promise<void> {
    const csr = this.#csrs.lister.get(undefined, name);
    if (!csr) return;
    const spec = isJsonObject(csr.spec) ? csr.spec : {};
    const status = isJsonObject(csr.status) ? csr.status : {};
    const signer = typeof spec.signerName === 'string' ? spec.signerName : '';
    const ca = signer === KUBELET_SERVING ? this.#config.serverCa : signer === API_CLIENT || signer === KUBELET_CLIENT ? this.#config.clientCa : undefined;
    if (!ca) return;
    const conditions = conditionTypes(csr);
    if (!conditions.has('Approved') || conditions.has('Denied') || conditions.has('Failed')) return;
    if (typeof status.certificate === 'string' && status.certificate !== '') return;

    const request = parseCsrRequest(spec.request);
    const usages = Array.isArray(spec.usages) ? spec.usages.map(String) : [];
    if (typeof request === 'string') return this.#fail(csr, `unable to parse csr: ${request}`);
    if (!(await request.verify())) return this.#fail(csr, 'signature verification failed');
    const subject = { cn: request.subjectName.getField(COMMON_NAME_OID), o: request.subjectName.getField(ORGANIZATION_OID) };
    const violation = signerViolation(signer, usages, subject, sanTypes(request));
    if (violation !== undefined) return this.#fail(csr, violation);
    const maxMs = this.#config.maxDurationMs ?? YEAR_MS;
    const requestedMs = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds * 1000 : maxMs;
    const pem = await signCertificateRequest({
      request,
      ca,
      usages,
      durationMs: Math.min(requestedMs, maxMs),
      backdateMs: BACKDATE_MS,
      clock: this.#ctx.clock,
    });
    await this.#writeStatus(csr, (st) => ({ ...st, certificate: Buffer.from(pem).toString('base64') }));
  }

  /** Adds the Failed condition; the status strategy stamps its times. */
  #fail(csr: KubeObject, message: string): Promise<void> {
    const failed: JsonObject = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message };
    return this.#writeStatus(csr, (st) => ({ ...st, conditions: [...(Array.isArray(st.conditions) ? st.conditions : []), failed] }));
  }

  async #writeStatus(csr: KubeObject, change: (status: JsonObject) => JsonObject): Promise<void> {
    const status = isJsonObject(csr.status) ? csr.status : {};
    try {
      await this.#ctx.client.update(csrResource, undefined, { ...csr, status: change(status) }, { subresource: 'status', fieldManager: KUBE_CONTROLLER_MANAGER });
    } catch (e) {
      // A newer version comes through the informer and queues the request again.
      if (e instanceof ApiError && (e.code === 409 || e.code === 404)) return;
      throw e;
    }
  }
}
