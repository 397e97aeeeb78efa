/**
 * Service-account issuer discovery (upstream pkg/serviceaccount/openidmetadata.go): the OIDC
 * configuration at /.well-known/openid-configuration and the public signing keys at
 * /openid/v1/jwks, so workloads and outside services can verify service-account tokens. Like
 * kube-apiserver they need an authenticated caller (upstream grants them to service accounts
 * through the system:service-account-issuer-discovery role; lite authorizes every authenticated
 * user), and both documents are fixed for the process's life.
 */
import { createPublicKey } from 'node:crypto';
import { ApiError } from '../../api/errors.js';
import type { ExtraRoute } from '../app.js';

export interface OpenIdDiscoveryConfig {
  readonly issuer: string;
  /** SPKI PEM public keys with their key ids. */
  readonly keys: readonly { readonly publicKeyPem: string; readonly keyId: string }[];
}

export function openIdDiscoveryRoutes(config: OpenIdDiscoveryConfig): ExtraRoute[] {
  const jwksUri = `${config.issuer.replace(/\/$/, '')}/openid/v1/jwks`;
  const configuration = JSON.stringify({
    issuer: config.issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
  const jwks = JSON.stringify({
    keys: config.keys.map((k) => {
      const jwk = createPublicKey(k.publicKeyPem).export({ format: 'jwk' });
      return { use: 'sig', kty: jwk.kty, kid: k.keyId, alg: 'RS256', n: jwk.n, e: jwk.e };
    }),
  });
  const route = (path: string, body: string, contentType: string): ExtraRoute => ({
    method: 'GET',
    path,
    public: false,
    async handle(_req, user) {
      if (!user) throw ApiError.unauthorized();
      return { status: 200, body, contentType };
    },
  });
  return [route('/.well-known/openid-configuration', configuration, 'application/json'), route('/openid/v1/jwks', jwks, 'application/jwk-set+json')];
}
