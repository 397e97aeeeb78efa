/**
 * Signing and verifying service-account JWTs with `jose` (upstream pkg/serviceaccount/jwt.go):
 * RS256 with the key id in the header. The authenticator claims only tokens whose issuer is ours
 * (bound tokens: the configured issuer; legacy Secret tokens: kubernetes/serviceaccount), so other
 * bearer tokens pass on to the other authenticators; a token that is ours and fails any check is
 * refused, and the reason is what a TokenReview reports.
 */
import type { IncomingMessage } from 'node:http';
import { decodeJwt, errors as joseErrors, importPKCS8, importSPKI, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { JsonObject } from '../api/object.js';
import { bearerToken, type Authenticator } from '../apiserver/authn.js';
import type { UserInfo } from '../registry/context.js';
import type { Clock } from '../util/clock.js';
import {
  InvalidTokenError,
  LEEWAY_SECONDS,
  LEGACY_ISSUER,
  serviceAccountUser,
  validateBoundClaims,
  validateLegacyClaims,
  type BoundTokenClaims,
  type LegacyTokenClaims,
  type TokenObjectGetter,
} from './claims.js';
import type { ServiceAccountSigningKey } from './signing-key.js';

const ALG = 'RS256';

/** Signs claims into compact JWTs. */
export class TokenSigner {
  readonly #keyId: string;
  readonly #key: Promise<CryptoKey>;

  constructor(key: Pick<ServiceAccountSigningKey, 'privateKeyPem' | 'keyId'>) {
    this.#keyId = key.keyId;
    this.#key = importPKCS8(key.privateKeyPem, ALG);
  }

  async sign(claims: BoundTokenClaims | LegacyTokenClaims): Promise<string> {
    return new SignJWT(claims as unknown as JWTPayload).setProtectedHeader({ alg: ALG, kid: this.#keyId }).sign(await this.#key);
  }
}

export interface ServiceAccountAuthenticatorConfig {
  /** Public keys tokens may be signed with (the current signing key's first). */
  readonly publicKeyPems: readonly string[];
  /** The issuer of bound tokens (`--service-account-issuer`). */
  readonly issuer: string;
  /** The API server's audiences: a request token must be meant for one of them. */
  readonly audiences: readonly string[];
  readonly getter: TokenObjectGetter;
  readonly clock: Clock;
  readonly logger: Logger;
}

export type TokenReviewResult =
  | { readonly authenticated: true; readonly user: UserInfo; readonly audiences: readonly string[] }
  | { readonly authenticated: false; readonly error: string };

export class ServiceAccountTokenAuthenticator implements Authenticator {
  readonly kind = 'token' as const;
  readonly #c: ServiceAccountAuthenticatorConfig;
  readonly #keys: Promise<CryptoKey[]>;

  constructor(config: ServiceAccountAuthenticatorConfig) {
    this.#c = config;
    this.#keys = Promise.all(config.publicKeyPems.map((pem) => importSPKI(pem, ALG)));
  }

  get audiences(): readonly string[] {
    return this.#c.audiences;
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    const r = await this.review(token);
    if (r === undefined) return undefined;
    if (!r.authenticated) {
      this.#c.logger.debug({ reason: r.error }, 'service account token refused');
      return undefined;
    }
    return r.user;
  }

  /**
   * Judges a token for the given audiences (default: the API server's). Undefined if the token is
   * not a service-account token of this cluster (not a JWT, or another issuer).
   */
  async review(token: string, audiences: readonly string[] = this.#c.audiences): Promise<TokenReviewResult | undefined> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      return undefined;
    }
    const legacy = unverified.iss === LEGACY_ISSUER;
    if (!legacy && unverified.iss !== this.#c.issuer) return undefined;
    try {
      const payload = await this.#verify(token, legacy);
      if (legacy) {
        // Legacy tokens carry no audience: they are good for the API server's own audiences.
        const auds = intersect(this.#c.audiences, audiences);
        if (auds.length === 0) throw new InvalidTokenError(`token audiences ${goList(this.#c.audiences)} is invalid for the target audiences ${goList(audiences)}`);
        const info = await validateLegacyClaims(token, payload, this.#c.getter);
        return { authenticated: true, user: serviceAccountUser(info), audiences: auds };
      }
      const tokenAuds = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud.filter((a): a is string => typeof a === 'string') : [];
      const auds = intersect(tokenAuds, audiences);
      if (auds.length === 0) throw new InvalidTokenError(`token audiences ${goList(tokenAuds)} is invalid for the target audiences ${goList(audiences)}`);
      const info = await validateBoundClaims(payload, this.#c.getter, this.#c.clock.now());
      return { authenticated: true, user: serviceAccountUser(info), audiences: auds };
    } catch (e) {
      if (e instanceof InvalidTokenError) return { authenticated: false, error: e.message };
      throw e;
    }
  }

  async #verify(token: string, legacy: boolean): Promise<JsonObject> {
    let lastError: unknown;
    for (const key of await this.#keys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ALG],
          issuer: legacy ? LEGACY_ISSUER : this.#c.issuer,
          currentDate: new Date(this.#c.clock.now()),
          clockTolerance: LEEWAY_SECONDS,
        });
        return payload as JsonObject;
      } catch (e) {
        if (e instanceof joseErrors.JWTExpired) throw new InvalidTokenError('service account token has expired');
        if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'nbf') throw new InvalidTokenError('service account token is not valid yet');
        lastError = e;
      }
    }
    if (lastError instanceof joseErrors.JWSSignatureVerificationFailed) throw new InvalidTokenError('token signature is invalid');
    throw new InvalidTokenError(lastError instanceof Error ? `invalid service account token: ${lastError.message}` : 'invalid service account token');
  }
}

function intersect(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((x) => b.includes(x));
}

/** Go's %q of a []string: ["a" "b"]. */
function goList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}
