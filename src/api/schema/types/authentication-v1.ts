/**
 * authentication.k8s.io/v1: TokenReview, TokenRequest (serviceaccounts/token) and SelfSubjectReview.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, bool, defineType, i64, list, map, objectMetaField, ref, str, time } from '../dsl.js';

const authn = (kind: string): string => api('authentication', 'v1', kind);
const GV = { group: 'authentication.k8s.io', version: 'v1' } as const;

export const authenticationV1Types: readonly TypeDef[] = [
  defineType(authn('TokenReview'), 'Asks the API server to authenticate a bearer token; answered immediately, never stored.', {
    metadata: objectMetaField,
    spec: [2, ref(authn('TokenReviewSpec')), { required: true, noOmitEmpty: true, doc: 'Token to check and the audiences it should be valid for.' }],
    status: [3, ref(authn('TokenReviewStatus')), { doc: 'Whether the token is valid and whom it identifies.' }],
  }, { gvk: { ...GV, kind: 'TokenReview' } }),
  defineType(authn('TokenReviewSpec'), 'A token to authenticate.', {
    token: [1, str, { doc: 'The opaque bearer token.' }],
    audiences: [2, list(str), {
      listType: 'atomic',
      doc: "Audiences the token must be valid for (at least one); the API server's own audiences when empty.",
    }],
  }),
  defineType(authn('TokenReviewStatus'), 'Result of authenticating a token.', {
    authenticated: [1, bool, { doc: 'The token is valid.' }],
    user: [2, ref(authn('UserInfo')), { doc: 'The user the token identifies.' }],
    audiences: [4, list(str), { listType: 'atomic', doc: "Audiences the token is valid for, among those requested (or the API server's own)." }],
    error: [3, str, { doc: 'Why the token could not be checked.' }],
  }),
  defineType(authn('UserInfo'), 'The identity of an authenticated user.', {
    username: [1, str, { doc: 'Name that uniquely identifies the user.' }],
    uid: [2, str, { doc: 'Identifier that stays unique over time, unlike a reused user name.' }],
    groups: [3, list(str), { listType: 'atomic', doc: 'Groups the user belongs to.' }],
    extra: [4, map(ref(authn('ExtraValue'))), { doc: 'Extra attributes the authenticator supplied.' }],
  }),
  defineType(authn('ExtraValue'), 'The values of one extra user attribute; a plain string array in JSON.', {
    items: [1, list(str), { doc: 'Attribute values.' }],
  }, { listWrapper: true }),
  defineType(authn('TokenRequest'), 'Asks for a token for a service account (POST to serviceaccounts/<name>/token).', {
    metadata: objectMetaField,
    spec: [2, ref(authn('TokenRequestSpec')), {
      required: true, noOmitEmpty: true,
      doc: 'Audiences, lifetime and optional object the token is bound to.',
    }],
    status: [3, ref(authn('TokenRequestStatus')), { doc: 'The issued token and its expiry.' }],
  }, { gvk: { ...GV, kind: 'TokenRequest' } }),
  defineType(authn('TokenRequestSpec'), 'Parameters of a requested service account token.', {
    audiences: [1, list(str), {
      required: true, listType: 'atomic', noOmitEmpty: true,
      doc: "Audiences the token is meant for; the API server's audiences when empty.",
    }],
    expirationSeconds: [4, i64, {
      pointer: true, noOmitEmpty: true,
      doc: 'Requested lifetime in seconds; the issuer may shorten (or, for compatibility, lengthen) it.',
    }],
    boundObjectRef: [3, ref(authn('BoundObjectReference')), {
      pointer: true, noOmitEmpty: true,
      doc: 'Object whose deletion invalidates the token: a Pod, Secret or Node.',
    }],
  }),
  defineType(authn('BoundObjectReference'), 'An object a token is bound to.', {
    kind: [1, str, { doc: 'Pod, Secret or Node.' }],
    apiVersion: [2, str, { doc: 'API version of the object.' }],
    name: [3, str, { doc: 'Name of the object.' }],
    uid: [4, str, { doc: 'UID of the object.' }],
  }),
  defineType(authn('TokenRequestStatus'), 'The issued token.', {
    token: [1, str, { required: true, noOmitEmpty: true, doc: 'The opaque bearer token.' }],
    expirationTimestamp: [2, time, { required: true, noOmitEmpty: true, doc: 'When the token expires.' }],
  }),
  defineType(authn('SelfSubjectReview'), "Reports the calling user's identity as the API server sees it; answered immediately, never stored.", {
    metadata: objectMetaField,
    status: [2, ref(authn('SelfSubjectReviewStatus')), { doc: "The caller's user information." }],
  }, { gvk: { ...GV, kind: 'SelfSubjectReview' } }),
  defineType(authn('SelfSubjectReviewStatus'), "The caller's identity.", {
    userInfo: [1, ref(authn('UserInfo')), { doc: 'User name, UID, groups and extra attributes of the caller.' }],
  }),
];
