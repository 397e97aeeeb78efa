/**
 * The k3s-style endpoints an agent uses to join:
 *  - `GET /cacerts` (public): the server CA, so the agent can compare its hash with the token's;
 *  - `POST /v1-lite/join` (public; authenticated by the join token in `Authorization: Bearer
 *    <id>:<secret>`): body `{ nodeName, nodePassword }`; answers a node client certificate
 *    (CN system:node:<name>, O system:nodes) with its key and the server CA.
 * Errors are Kubernetes Status objects whose messages name the failing step.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../api/errors.js';
import { isJsonObject } from '../../api/object.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';
import type { ExtraRoute } from '../../apiserver/app.js';
import { bearerToken } from '../../apiserver/authn.js';
import { readBody } from '../../apiserver/media.js';
import type { CertificateAndKey } from '../../pki/issue-certificate.js';
import { issueClientCertificate } from '../../pki/issue-certificate.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import type { JoinTokens } from './join-token.js';
import type { NodeIdentities } from './node-identity.js';

export interface JoinRoutesConfig {
  readonly caCertPem: string;
  readonly clientCa: CertificateAndKey;
  readonly tokens: JoinTokens;
  readonly identities: NodeIdentities;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Validity of node certificates (default 365 days). */
  readonly certificateDays?: number;
}

export interface JoinResponse {
  readonly nodeName: string;
  readonly certificate: string;
  readonly key: string;
  readonly caCert: string;
}

const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body), contentType: 'application/json' });
const fail = (e: ApiError) => json(e.code, e.toStatus());

export function joinRoutes(config: JoinRoutesConfig): ExtraRoute[] {
  return [
    {
      method: 'GET',
      path: '/cacerts',
      public: true,
      handle: async () => ({ status: 200, body: config.caCertPem, contentType: 'application/x-pem-file' }),
    },
    {
      method: 'POST',
      path: '/v1-lite/join',
      public: true,
      handle: async (req: IncomingMessage) => {
        try {
          return json(200, await join(config, req));
        } catch (e) {
          if (e instanceof ApiError) return fail(e);
          throw e;
        }
      },
    },
  ];
}

async function join(config: JoinRoutesConfig, req: IncomingMessage): Promise<JoinResponse> {
  const presented = bearerToken(req) ?? '';
  const colon = presented.indexOf(':');
  if (colon <= 0) throw ApiError.unauthorized('join token rejected: send "Authorization: Bearer <id>:<secret>" from a K10… token');
  const check = await config.tokens.check(presented.slice(0, colon), presented.slice(colon + 1));
  if (!check.ok) throw ApiError.unauthorized(check.reason === 'expired' ? 'join token rejected: the token has expired' : 'join token rejected: the server does not know this token');
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8'));
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw ApiError.badRequest('join request body must be JSON: {"nodeName": …, "nodePassword": …}');
  }
  const nodeName = isJsonObject(body) && typeof body.nodeName === 'string' ? body.nodeName : '';
  const password = isJsonObject(body) && typeof body.nodePassword === 'string' ? body.nodePassword : '';
  const nameProblems = isDNS1123Subdomain(nodeName);
  if (!nodeName || nameProblems.length) throw ApiError.badRequest(`invalid node name ${JSON.stringify(nodeName)}: ${nameProblems.join('; ') || 'required'}`);
  if (password.length < 16) throw ApiError.badRequest('nodePassword must be at least 16 characters');
  const outcome = await config.identities.verifyOrRecord(nodeName, password);
  const cert = await issueClientCertificate({ ca: config.clientCa, commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], ttlDays: config.certificateDays ?? 365, clock: config.clock });
  config.logger.info({ node: nodeName, token: check.id, identity: outcome }, 'node joined');
  return { nodeName, certificate: cert.certPem, key: cert.keyPem, caCert: config.caCertPem };
}
