/**
 * TokenRequest (POST serviceaccounts/<name>/token, authentication.k8s.io/v1), as upstream's
 * pkg/registry/core/serviceaccount/storage/token.go: defaults (audiences = the API server's,
 * expirationSeconds = 3600), validation (at least 10 minutes, at most 2^32 s), binding to a Pod,
 * Secret or Node that must exist (and match a given UID), the warn-only extension of pod-bound
 * 3607-second tokens to a year, and `status.expirationTimestamp` = now + the requested seconds.
 * Nothing is stored: the answer is the request with its status filled in.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../api/errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import type { Clock } from '../util/clock.js';
import { boundClaims, EXPIRATION_EXTENSION_SECONDS, WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS } from './claims.js';
import type { TokenSigner } from './jwt.js';

export const TOKEN_REQUEST_GVK = { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } as const;
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32 - 1;

/** Reads the objects a token is bound to; not-found is the resource's ApiError 404. */
export type BoundObjectGetter = (resource: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string) => Promise<KubeObject>;

export interface TokenRequestServiceConfig {
  readonly signer: TokenSigner;
  readonly issuer: string;
  /** Audiences of tokens whose request names none (the API server's audiences). */
  readonly audiences: readonly string[];
  readonly get: BoundObjectGetter;
  readonly clock: Clock;
  /** `--service-account-max-token-expiration` (seconds); 0 / absent: no limit. */
  readonly maxExpirationSeconds?: number;
  /** `--service-account-extend-token-expiration` (default true). */
  readonly extendExpiration?: boolean;
}

export class TokenRequestService {
  readonly #c: TokenRequestServiceConfig;

  constructor(config: TokenRequestServiceConfig) {
    this.#c = config;
  }

  /**
   * Issues a token for ServiceAccount `namespace/name` per the TokenRequest `body`; returns the
   * TokenRequest with its status. Warnings for the response go to `warnings`.
   */
  async create(namespace: string, name: string, body: KubeObject, warnings?: string[]): Promise<KubeObject> {
    if (body.kind !== undefined && body.kind !== '' && body.kind !== 'TokenRequest') throw ApiError.badRequest(`the body of the request was in an unknown format: expected a TokenRequest, got ${String(body.kind)}`);
    const meta = body.metadata ?? {};
    if (meta.name && meta.name !== name) {
      throw ApiError.invalid(TOKEN_REQUEST_GVK, name, [{ type: 'FieldValueInvalid', field: 'metadata.name', value: meta.name, detail: 'must match the service account name if specified' }]);
    }
    if (meta.namespace && meta.namespace !== namespace) {
      throw ApiError.invalid(TOKEN_REQUEST_GVK, name, [{ type: 'FieldValueInvalid', field: 'metadata.namespace', value: meta.namespace, detail: 'must match the service account namespace if specified' }]);
    }
    const sa = await this.#c.get('serviceaccounts', namespace, name);
    const spec: JsonObject = isJsonObject(body.spec) ? { ...body.spec } : {};
    const requestedAuds = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
    const audiences = requestedAuds.length ? requestedAuds : [...this.#c.audiences];
    spec.audiences = audiences;
    if (spec.expirationSeconds === undefined || spec.expirationSeconds === null || spec.expirationSeconds === 0) spec.expirationSeconds = DEFAULT_EXPIRATION_SECONDS;
    let expirationSeconds = spec.expirationSeconds;
    if (typeof expirationSeconds !== 'number' || !Number.isInteger(expirationSeconds)) {
      throw ApiError.badRequest(`TokenRequest in version "v1" cannot be handled as a TokenRequest: spec.expirationSeconds: expected an integer, got ${JSON.stringify(expirationSeconds)}`);
    }
    const nowMs = this.#c.clock.now();
    // Upstream stamps seconds: the token's iat and the status are whole seconds.
    const nowSec = Math.floor(nowMs / 1000);
    if (expirationSeconds < MIN_EXPIRATION_SECONDS) {
      throw ApiError.invalid(TOKEN_REQUEST_GVK, '', [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration less than 10 minutes' }]);
    }
    if (expirationSeconds > MAX_EXPIRATION_SECONDS) {
      throw ApiError.invalid(TOKEN_REQUEST_GVK, '', [{ type: 'FieldValueTooLong', field: 'spec.expirationSeconds', detail: 'may not specify a duration larger than 2^32 seconds' }]);
    }

    let pod: KubeObject | undefined;
    let secret: KubeObject | undefined;
    let node: KubeObject | undefined;
    const ref = isJsonObject(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
    if (ref) {
      const kind = typeof ref.kind === 'string' ? ref.kind : '';
      const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      const refName = typeof ref.name === 'string' ? ref.name : '';
      let uid: string | undefined;
      if (group === '' && kind === 'Pod') {
        pod = await this.#c.get('pods', namespace, refName);
        const podSa = isJsonObject(pod.spec) && typeof pod.spec.serviceAccountName === 'string' ? pod.spec.serviceAccountName : '';
        if (podSa !== name) throw ApiError.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
        uid = pod.metadata.uid;
        const nodeName = isJsonObject(pod.spec) && typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : '';
        if (nodeName) {
          try {
            node = await this.#c.get('nodes', undefined, nodeName);
          } catch (e) {
            // A pod's token does not depend on its node still being there.
            if (!(e instanceof ApiError && e.code === 404)) throw e;
          }
        }
      } else if (group === '' && kind === 'Node') {
        node = await this.#c.get('nodes', undefined, refName);
        uid = node.metadata.uid;
      } else if (group === '' && kind === 'Secret') {
        secret = await this.#c.get('secrets', namespace, refName);
        uid = secret.metadata.uid;
      } else {
        const gvk = `${group === '' ? '' : `${group}/`}${apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion}, Kind=${kind}`;
        throw ApiError.badRequest(`cannot bind token for serviceaccount "${name}" to object of type ${gvk}`);
      }
      if (typeof ref.uid === 'string' && ref.uid !== '' && ref.uid !== uid) {
        throw ApiError.conflict({ group, resource: kind }, refName, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
    }

    const max = this.#c.maxExpirationSeconds ?? 0;
    if (max > 0 && expirationSeconds > max) {
      warnings?.push(`requested expiration of ${expirationSeconds} seconds shortened to ${max} seconds`);
      expirationSeconds = max;
      spec.expirationSeconds = max;
    }
    // The safe roll-out of bound tokens: pod-bound 3607 s tokens for the API server live a year but
    // are reported as stale after 3607 s (upstream only extends tokens for the API's own audiences).
    let warnAfter = 0;
    let exp = expirationSeconds;
    if ((this.#c.extendExpiration ?? true) && pod && expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && audiences.every((a) => this.#c.audiences.includes(a))) {
      warnAfter = exp;
      exp = Math.max(EXPIRATION_EXTENSION_SECONDS, max);
    }
    const claims = boundClaims({ issuer: this.#c.issuer, serviceAccount: sa, pod, secret, node, audiences, now: nowSec, expirationSeconds: exp, warnAfterSeconds: warnAfter, jti: randomUUID() });
    const token = await this.#c.signer.sign(claims);
    const { status: _status, ...rest } = body;
    return {
      ...rest,
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { ...meta, name, namespace, creationTimestamp: isoSeconds(nowSec) },
      spec,
      status: { token, expirationTimestamp: isoSeconds(nowSec + expirationSeconds) },
    };
  }
}

function isoSeconds(sec: number): string {
  return new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
