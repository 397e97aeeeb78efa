/**
 * Service-account JWT claims, as upstream's pkg/serviceaccount (claims.go, legacy.go) lays them
 * out, and their validation against the live objects: a token stays valid only while its
 * ServiceAccount (and the Pod, Secret or Node it is bound to) exists with the UID recorded in it.
 *
 * Bound tokens (TokenRequest, projected volumes):
 *   iss  https://kubernetes.default.svc.cluster.local (k3s' issuer)   sub  system:serviceaccount:<ns>:<name>
 *   aud  [...]  exp / iat / nbf  jti (uuid)
 *   kubernetes.io: { namespace, serviceaccount: {name, uid}, pod?: {…}, secret?: {…}, node?: {…}, warnafter? }
 * Legacy tokens (kubernetes.io/service-account-token Secrets): iss kubernetes/serviceaccount, no
 * expiry, flat kubernetes.io/serviceaccount/* claims; valid while the Secret holds that very token.
 */
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import type { UserInfo } from '../registry/context.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** The expiration the ServiceAccount admission puts on projected tokens; it triggers the extension below. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
/** How long a pod-bound token of exactly 3607 s really lives (--service-account-extend-token-expiration). */
export const EXPIRATION_EXTENSION_SECONDS = 365 * 24 * 60 * 60;
/** go-jose's DefaultLeeway: clock skew tolerated on exp/nbf, and on deletion timestamps. */
export const LEEWAY_SECONDS = 60;

export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';
export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

export const SERVICE_ACCOUNT_TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

export interface ObjectRefClaim {
  readonly name: string;
  readonly uid: string;
}

export interface KubernetesClaims {
  readonly namespace: string;
  readonly serviceaccount: ObjectRefClaim;
  readonly pod?: ObjectRefClaim;
  readonly secret?: ObjectRefClaim;
  readonly node?: ObjectRefClaim;
  readonly warnafter?: number;
}

export interface BoundTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly nbf: number;
  readonly jti: string;
  readonly 'kubernetes.io': KubernetesClaims;
}

export interface LegacyTokenClaims {
  readonly iss: typeof LEGACY_ISSUER;
  readonly sub: string;
  readonly 'kubernetes.io/serviceaccount/namespace': string;
  readonly 'kubernetes.io/serviceaccount/secret.name': string;
  readonly 'kubernetes.io/serviceaccount/service-account.name': string;
  readonly 'kubernetes.io/serviceaccount/service-account.uid': string;
}

/** Who a valid token speaks for (upstream ServiceAccountInfo). */
export interface ServiceAccountInfo {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly podName?: string;
  readonly podUid?: string;
  readonly nodeName?: string;
  readonly nodeUid?: string;
  readonly credentialId?: string;
}

export function makeUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** `system:serviceaccount:<ns>:<name>` → [ns, name], or undefined. */
export function splitUsername(username: string): [string, string] | undefined {
  const prefix = 'system:serviceaccount:';
  if (!username.startsWith(prefix)) return undefined;
  const parts = username.slice(prefix.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return [parts[0], parts[1]];
}

export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
}

/** upstream ServiceAccountInfo.UserInfo (system:authenticated is added by the authenticator chain). */
export function serviceAccountUser(info: ServiceAccountInfo): UserInfo {
  const extra: Record<string, string[]> = {};
  if (info.podName && info.podUid) {
    extra[EXTRA_POD_NAME] = [info.podName];
    extra[EXTRA_POD_UID] = [info.podUid];
  }
  if (info.credentialId) extra[EXTRA_CREDENTIAL_ID] = [info.credentialId];
  if (info.nodeName) {
    extra[EXTRA_NODE_NAME] = [info.nodeName];
    if (info.nodeUid) extra[EXTRA_NODE_UID] = [info.nodeUid];
  }
  return {
    username: makeUsername(info.namespace, info.name),
    uid: info.uid,
    groups: serviceAccountGroups(info.namespace),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

export interface BoundClaimsInput {
  readonly issuer: string;
  readonly serviceAccount: KubeObject;
  readonly pod?: KubeObject;
  readonly secret?: KubeObject;
  readonly node?: KubeObject;
  readonly audiences: readonly string[];
  /** Seconds since the epoch. */
  readonly now: number;
  readonly expirationSeconds: number;
  /** Seconds after `now` from which use is reported as stale (0: none). */
  readonly warnAfterSeconds: number;
  readonly jti: string;
}

/** upstream token.Claims: pod and secret bindings exclude each other; node rides along with a pod. */
export function boundClaims(input: BoundClaimsInput): BoundTokenClaims {
  const ref = (o: KubeObject): ObjectRefClaim => ({ name: o.metadata.name ?? '', uid: o.metadata.uid ?? '' });
  const sa = input.serviceAccount;
  const namespace = sa.metadata.namespace ?? '';
  const k: { -readonly [K in keyof KubernetesClaims]: KubernetesClaims[K] } = { namespace, serviceaccount: ref(sa) };
  if (input.pod) k.pod = ref(input.pod);
  else if (input.secret) k.secret = ref(input.secret);
  if (input.node) k.node = ref(input.node);
  if (input.warnAfterSeconds) k.warnafter = input.now + input.warnAfterSeconds;
  return {
    iss: input.issuer,
    sub: makeUsername(namespace, sa.metadata.name ?? ''),
    aud: [...input.audiences],
    exp: input.now + input.expirationSeconds,
    iat: input.now,
    nbf: input.now,
    jti: input.jti,
    'kubernetes.io': k,
  };
}

export function legacyClaims(serviceAccount: KubeObject, secret: KubeObject): LegacyTokenClaims {
  const namespace = serviceAccount.metadata.namespace ?? '';
  const name = serviceAccount.metadata.name ?? '';
  return {
    iss: LEGACY_ISSUER,
    sub: makeUsername(namespace, name),
    'kubernetes.io/serviceaccount/namespace': namespace,
    'kubernetes.io/serviceaccount/secret.name': secret.metadata.name ?? '',
    'kubernetes.io/serviceaccount/service-account.name': name,
    'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.metadata.uid ?? '',
  };
}

/**
 * The objects tokens are checked against. Undefined = not found (any other failure throws, and
 * the token is refused).
 */
export interface TokenObjectGetter {
  serviceAccount(namespace: string, name: string): Promise<KubeObject | undefined>;
  pod(namespace: string, name: string): Promise<KubeObject | undefined>;
  secret(namespace: string, name: string): Promise<KubeObject | undefined>;
  node(name: string): Promise<KubeObject | undefined>;
}

/** A token that is ours but not (or no longer) valid; the message is what TokenReview reports. */
export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

function refClaim(v: unknown): ObjectRefClaim | undefined {
  if (!isJsonObject(v)) return undefined;
  return { name: typeof v.name === 'string' ? v.name : '', uid: typeof v.uid === 'string' ? v.uid : '' };
}

function deletedBefore(obj: KubeObject, limitMs: number): boolean {
  const ts = obj.metadata.deletionTimestamp;
  return typeof ts === 'string' && Date.parse(ts) < limitMs;
}

/**
 * upstream validator.Validate for a bound token whose signature, issuer, expiry and audience were
 * already checked: the bound objects must still exist with the recorded UIDs.
 */
export async function validateBoundClaims(payload: JsonObject, getter: TokenObjectGetter, nowMs: number): Promise<ServiceAccountInfo> {
  const k = isJsonObject(payload['kubernetes.io']) ? payload['kubernetes.io'] : undefined;
  const namespace = typeof k?.namespace === 'string' ? k.namespace : '';
  const saref = refClaim(k?.serviceaccount);
  if (!k || !namespace || !saref?.name) throw new InvalidTokenError('service account token claims could not be validated due to unexpected private claim');
  // Things deleted before now - leeway count as gone.
  const invalidIfDeletedBefore = nowMs - LEEWAY_SECONDS * 1000;
  const sa = await getter.serviceAccount(namespace, saref.name);
  if (!sa) throw new InvalidTokenError(`serviceaccounts "${saref.name}" not found`);
  if (deletedBefore(sa, invalidIfDeletedBefore)) throw new InvalidTokenError(`service account ${namespace}/${saref.name} has been deleted`);
  if ((sa.metadata.uid ?? '') !== saref.uid) throw new InvalidTokenError(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${saref.uid})`);

  const secref = refClaim(k.secret);
  if (secref) {
    const secret = await getter.secret(namespace, secref.name);
    if (!secret || deletedBefore(secret, invalidIfDeletedBefore)) throw new InvalidTokenError('service account token has been invalidated');
    if ((secret.metadata.uid ?? '') !== secref.uid) throw new InvalidTokenError(`secret UID (${secret.metadata.uid ?? ''}) does not match service account secret ref claim (${secref.uid})`);
  }
  const podref = refClaim(k.pod);
  let podName: string | undefined;
  let podUid: string | undefined;
  if (podref) {
    const pod = await getter.pod(namespace, podref.name);
    if (!pod || deletedBefore(pod, invalidIfDeletedBefore)) throw new InvalidTokenError('service account token has been invalidated');
    if ((pod.metadata.uid ?? '') !== podref.uid) throw new InvalidTokenError(`pod UID (${pod.metadata.uid ?? ''}) does not match service account pod ref claim (${podref.uid})`);
    podName = podref.name;
    podUid = podref.uid;
  }
  const noderef = refClaim(k.node);
  let nodeName: string | undefined;
  let nodeUid: string | undefined;
  if (noderef) {
    if (podref) {
      // Pod-bound tokens only carry the node as information (ServiceAccountTokenPodNodeInfo).
      nodeName = noderef.name;
      nodeUid = noderef.uid;
    } else {
      const node = await getter.node(noderef.name);
      if (!node) throw new InvalidTokenError('service account token has been invalidated');
      if ((node.metadata.uid ?? '') !== noderef.uid) throw new InvalidTokenError(`node UID (${node.metadata.uid ?? ''}) does not match service account node ref claim (${noderef.uid})`);
      nodeName = noderef.name;
      nodeUid = noderef.uid;
    }
  }
  const jti = typeof payload.jti === 'string' ? payload.jti : '';
  return {
    namespace,
    name: saref.name,
    uid: saref.uid,
    ...(podName ? { podName, podUid } : {}),
    ...(nodeName ? { nodeName, nodeUid } : {}),
    ...(jti ? { credentialId: `JTI=${jti}` } : {}),
  };
}

/** upstream legacyValidator.Validate (with lookup): the Secret must still hold this very token. */
export async function validateLegacyClaims(token: string, payload: JsonObject, getter: TokenObjectGetter): Promise<ServiceAccountInfo> {
  const str = (key: string) => (typeof payload[key] === 'string' ? (payload[key] as string) : '');
  const sub = str('sub');
  if (!sub) throw new InvalidTokenError('sub claim is missing');
  const namespace = str('kubernetes.io/serviceaccount/namespace');
  if (!namespace) throw new InvalidTokenError('namespace claim is missing');
  const secretName = str('kubernetes.io/serviceaccount/secret.name');
  if (!secretName) throw new InvalidTokenError('secretName claim is missing');
  const saName = str('kubernetes.io/serviceaccount/service-account.name');
  if (!saName) throw new InvalidTokenError('serviceAccountName claim is missing');
  const saUid = str('kubernetes.io/serviceaccount/service-account.uid');
  if (!saUid) throw new InvalidTokenError('serviceAccountUID claim is missing');
  const subject = splitUsername(sub);
  if (!subject || subject[0] !== namespace || subject[1] !== saName) throw new InvalidTokenError('sub claim is invalid');

  const secret = await getter.secret(namespace, secretName);
  if (!secret || secret.metadata.deletionTimestamp) throw new InvalidTokenError('token has been invalidated');
  const data = isJsonObject(secret.data) ? secret.data : {};
  const stored = typeof data.token === 'string' ? Buffer.from(data.token, 'base64').toString('utf8') : '';
  if (stored !== token) throw new InvalidTokenError("token does not match server's copy");
  const sa = await getter.serviceAccount(namespace, saName);
  if (!sa) throw new InvalidTokenError(`serviceaccounts "${saName}" not found`);
  if (sa.metadata.deletionTimestamp) throw new InvalidTokenError(`service account ${namespace}/${saName} has been deleted`);
  if ((sa.metadata.uid ?? '') !== saUid) throw new InvalidTokenError(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${saUid})`);
  if (secret.metadata.labels?.['kubernetes.io/legacy-token-invalid-since']) {
    throw new InvalidTokenError(`the token in secret ${namespace}/${secretName} for service account ${namespace}/${saName} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to re-enable it`);
  }
  return { namespace, name: saName, uid: saUid };
}
