/**
 * The kubelet's service-account token cache (upstream pkg/kubelet/token/token_manager.go): bound
 * tokens for projected `serviceAccountToken` volumes are requested through TokenRequest and kept
 * per (service account, audiences, expiration, bound pod); a cached token is reused until it is
 * older than 24 h or within 20% of its TTL of expiring (both less a random jitter of up to 10 s),
 * i.e. refreshed at 80% of its life. If a refresh fails while the cached token is still valid,
 * the cached one is served (and the refresh retried at the next pod sync). Entries go when their
 * pod is removed, and expired ones on each `cleanUp`.
 */
import type { KubeObject } from '../../api/object.js';
import { isJsonObject } from '../../api/object.js';
import type { Client } from '../../client/client.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';

const MAX_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_JITTER_MS = 10_000;

export interface TokenManagerConfig {
  readonly client: Pick<Client, 'createToken'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** [0, 1): jitter source (tests pin it). */
  readonly random?: () => number;
}

export interface ServiceAccountTokenRequest {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
  readonly boundPod: { readonly name: string; readonly uid: string };
}

interface Cached {
  readonly token: string;
  /** status.expirationTimestamp (ms). */
  readonly expiresAt: number;
  readonly expirationSeconds: number;
  readonly podUid: string;
}

export class TokenManager {
  readonly #c: TokenManagerConfig;
  readonly #cache = new Map<string, Cached>();

  constructor(config: TokenManagerConfig) {
    this.#c = config;
  }

  /** A token for the request: the cached one while fresh, else a new one from the API. */
  async getServiceAccountToken(req: ServiceAccountTokenRequest): Promise<string> {
    const key = keyOf(req);
    const cached = this.#cache.get(key);
    if (cached && !this.#requiresRefresh(cached)) return cached.token;
    let tr: KubeObject;
    try {
      tr = await this.#c.client.createToken(req.namespace, req.serviceAccount, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: { name: req.serviceAccount, namespace: req.namespace },
        spec: {
          audiences: [...req.audiences],
          expirationSeconds: req.expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: req.boundPod.name, uid: req.boundPod.uid },
        },
      });
    } catch (e) {
      if (cached && !this.#expired(cached)) {
        this.#c.logger.warn({ serviceAccount: `${req.namespace}/${req.serviceAccount}`, err: (e as Error).message }, "couldn't update token; serving the cached one");
        return cached.token;
      }
      throw e;
    }
    const status = isJsonObject(tr.status) ? tr.status : {};
    const spec = isJsonObject(tr.spec) ? tr.spec : {};
    const token = typeof status.token === 'string' ? status.token : '';
    const expiresAt = typeof status.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : NaN;
    if (!token || Number.isNaN(expiresAt)) throw new Error('the TokenRequest answer holds no token');
    const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : req.expirationSeconds;
    this.#cache.set(key, { token, expiresAt, expirationSeconds, podUid: req.boundPod.uid });
    return token;
  }

  /** Forgets the tokens bound to a removed pod (and any expired ones). */
  deleteServiceAccountToken(podUid: string): void {
    for (const [k, v] of this.#cache) if (v.podUid === podUid) this.#cache.delete(k);
    this.cleanUp();
  }

  /** Drops expired entries (upstream runs this every minute). */
  cleanUp(): void {
    for (const [k, v] of this.#cache) if (this.#expired(v)) this.#cache.delete(k);
  }

  get size(): number {
    return this.#cache.size;
  }

  #expired(c: Cached): boolean {
    return this.#c.clock.now() >= c.expiresAt;
  }

  #requiresRefresh(c: Cached): boolean {
    const now = this.#c.clock.now();
    const ttlMs = c.expirationSeconds * 1000;
    const issuedAt = c.expiresAt - ttlMs;
    const jitter = Math.floor((this.#c.random ?? Math.random)() * MAX_JITTER_MS / 1000) * 1000;
    if (now > issuedAt + MAX_TTL_MS - jitter) return true;
    return now > c.expiresAt - Math.floor((c.expirationSeconds * 20) / 100) * 1000 - jitter;
  }
}

function keyOf(r: ServiceAccountTokenRequest): string {
  return JSON.stringify([r.namespace, r.serviceAccount, [...r.audiences], r.expirationSeconds, r.boundPod.name, r.boundPod.uid]);
}
