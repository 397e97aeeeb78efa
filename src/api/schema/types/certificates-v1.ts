/**
 * certificates.k8s.io/v1: CertificateSigningRequest.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, list metadata) follow Kubernetes 1.32
 * (k8s.io/api v0.32.5); descriptions are lite's own words.
 */
import type { TypeDef } from '../dsl.js';
import { api, bytes, defineList, defineType, i32, list, map, objectMetaField, ref, str, time } from '../dsl.js';

const certificates = (kind: string): string => api('certificates', 'v1', kind);
const GV = { group: 'certificates.k8s.io', version: 'v1' } as const;

export const certificatesV1Types: readonly TypeDef[] = [
  defineType(certificates('CertificateSigningRequest'), 'A request for a certificate from a signer, approved or denied by a person or a controller.', {
    metadata: objectMetaField,
    spec: [2, ref(certificates('CertificateSigningRequestSpec')), { required: true, noOmitEmpty: true, doc: 'The request, the signer asked, and who asked.' }],
    status: [3, ref(certificates('CertificateSigningRequestStatus')), { doc: 'Approval conditions and the issued certificate.' }],
  }, { gvk: { ...GV, kind: 'CertificateSigningRequest' } }),
  defineList(certificates('CertificateSigningRequest'), { ...GV, kind: 'CertificateSigningRequest' }),
  defineType(certificates('CertificateSigningRequestSpec'), 'What is requested and by whom; immutable once created.', {
    request: [1, bytes, { required: true, noOmitEmpty: true, doc: 'A PEM-encoded PKCS#10 CERTIFICATE REQUEST block, base64 in JSON.' }],
    signerName: [7, str, { required: true, noOmitEmpty: true, doc: 'The signer to sign the request, such as kubernetes.io/kube-apiserver-client.' }],
    expirationSeconds: [8, i32, { pointer: true, doc: 'Requested validity of the certificate in seconds (at least 600); the signer may issue a shorter one.' }],
    usages: [5, list(str), { listType: 'atomic', doc: 'Requested key usages and extended key usages, such as "digital signature" and "client auth".' }],
    username: [2, str, { doc: 'The user who created the request; set by the API server.' }],
    uid: [3, str, { doc: 'The UID of that user; set by the API server.' }],
    groups: [4, list(str), { listType: 'atomic', doc: 'The groups of that user; set by the API server.' }],
    extra: [6, map(ref(certificates('ExtraValue'))), { doc: 'Extra attributes of that user; set by the API server.' }],
  }),
  defineType(certificates('ExtraValue'), 'The values of one extra user attribute; a plain string array in JSON.', {
    items: [1, list(str), { doc: 'Attribute values.' }],
  }, { listWrapper: true }),
  defineType(certificates('CertificateSigningRequestStatus'), 'Approval conditions and, once signed, the certificate.', {
    conditions: [1, list(ref(certificates('CertificateSigningRequestCondition'))), { listType: 'map', listMapKeys: ['type'], doc: 'Approved, Denied and Failed conditions.' }],
    certificate: [2, bytes, { doc: 'The issued certificate chain, PEM CERTIFICATE blocks, base64 in JSON.' }],
  }),
  defineType(certificates('CertificateSigningRequestCondition'), 'One condition of a request.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Approved, Denied or Failed.' }],
    status: [6, str, { required: true, noOmitEmpty: true, doc: 'True, False or Unknown; Approved and Denied are always True.' }],
    reason: [2, str, { doc: 'CamelCase reason.' }],
    message: [3, str, { doc: 'Human-readable details.' }],
    lastUpdateTime: [4, time, { doc: 'When the condition was last updated.' }],
    lastTransitionTime: [5, time, { doc: 'When status last changed.' }],
  }),
];
