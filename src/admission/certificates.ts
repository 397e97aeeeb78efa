/**
 * CertificateSigningRequest admission, as upstream's three plugins
 * (plugin/pkg/admission/certificates/{approval,signing,subjectrestriction}):
 *  - CertificateApproval: adding or changing an Approved or Denied condition needs the `approve`
 *    verb on `signers` (certificates.k8s.io) named after the request's signerName, or
 *    `<domain>/*`;
 *  - CertificateSigning: setting or changing status.certificate, or a Failed condition, needs
 *    `sign` on the signer likewise;
 *  - CertificateSubjectRestriction: a request to kubernetes.io/kube-apiserver-client may not ask
 *    for the system:masters group.
 * Members of system:masters pass the first two (the authorizer allows them everything).
 */
import { ApiError } from '../api/errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import { parseCsrRequest } from '../api/validation/certificates.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { UserInfo } from '../registry/context.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

const GROUP = 'certificates.k8s.io';
const GR = { group: GROUP, resource: 'certificatesigningrequests' };
const MASTERS = 'system:masters';
const API_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
/** Subject O attribute (organization), where Kubernetes client certificates carry groups. */
const ORGANIZATION_OID = '2.5.4.10';

function conditionsOf(o: KubeObject | undefined, types: readonly string[]): string {
  const st = o && isJsonObject(o.status) ? o.status : {};
  const list = Array.isArray(st.conditions) ? st.conditions.filter(isJsonObject) : [];
  return JSON.stringify(list.filter((c: JsonObject) => types.includes(String(c.type))).map((c) => [c.type, c.status]));
}

function certificateOf(o: KubeObject | undefined): unknown {
  return o && isJsonObject(o.status) ? o.status.certificate : undefined;
}

function signerOf(o: KubeObject): string {
  return isJsonObject(o.spec) && typeof o.spec.signerName === 'string' ? o.spec.signerName : '';
}

export class CertificatesPlugin implements AdmissionPlugin {
  readonly name = 'CertificateApproval,CertificateSigning,CertificateSubjectRestriction';
  #authorizer: Authorizer | undefined;

  setAuthorizer(authorizer: Authorizer): void {
    this.#authorizer = authorizer;
  }

  handles(def: ResourceDef): boolean {
    return def.group === GROUP && def.kind === 'CertificateSigningRequest';
  }

  admit(req: AdmissionRequest): void {
    if (req.operation === 'create') {
      this.#restrictSubject(req);
      return;
    }
    if (req.operation !== 'update' || !req.old) return;
    const signer = signerOf(req.old);
    if (conditionsOf(req.object, ['Approved', 'Denied']) !== conditionsOf(req.old, ['Approved', 'Denied'])) this.#require(req, 'approve', signer);
    if (conditionsOf(req.object, ['Failed']) !== conditionsOf(req.old, ['Failed']) || certificateOf(req.object) !== certificateOf(req.old)) this.#require(req, 'sign', signer);
  }

  #restrictSubject(req: AdmissionRequest): void {
    if (signerOf(req.object) !== API_CLIENT_SIGNER) return;
    const csr = parseCsrRequest(isJsonObject(req.object.spec) ? req.object.spec.request : undefined);
    if (typeof csr === 'string') return; // validation reports it
    if (csr.subjectName.getField(ORGANIZATION_OID).includes(MASTERS)) {
      throw ApiError.forbidden(GR, req.object.metadata.name ?? '', `use of ${API_CLIENT_SIGNER} signer with ${MASTERS} group is not allowed`);
    }
  }

  #require(req: AdmissionRequest, verb: 'approve' | 'sign', signer: string): void {
    const authorizer = this.#authorizer;
    const user: UserInfo = req.ctx.user;
    if (!authorizer || user.groups.includes(MASTERS)) return;
    const slash = signer.indexOf('/');
    const names = slash > 0 ? [signer, `${signer.slice(0, slash)}/*`] : [signer];
    if (names.some((name) => authorizer.authorize({ user, verb, group: GROUP, resource: 'signers', name }).allowed)) return;
    throw ApiError.forbidden(GR, req.object.metadata.name ?? '', `user not permitted to ${verb} requests with signerName "${signer}"`);
  }
}
