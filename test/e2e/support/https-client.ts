/**
 * A minimal HTTPS client for e2e tests that need raw requests (speed, exact status codes): it
 * trusts the cluster CA and presents the admin client certificate from the kubeconfig, the way
 * kubectl does. Every request has a deadline.
 */
import { Agent, request } from 'node:https';
import type { KubeCredentials } from './lite-process.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** The body as received (binary answers such as protobuf, gzip). */
  readonly bytes: Buffer;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Default 10 s. */
  readonly timeoutMs?: number;
}

export class AdminHttpsClient {
  readonly #creds: KubeCredentials;
  readonly #url: URL;
  readonly #agent: Agent;

  constructor(creds: KubeCredentials, options: { maxSockets?: number } = {}) {
    this.#creds = creds;
    this.#url = new URL(creds.server);
    if (this.#url.hostname !== '127.0.0.1') throw new Error(`e2e traffic goes to 127.0.0.1 only, the kubeconfig says ${creds.server}`);
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 4, ca: creds.ca, cert: creds.cert, key: creds.key });
  }

  async send(req: RawRequest): Promise<RawResponse> {
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    return await new Promise<RawResponse>((resolve, reject) => {
      const r = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          method: req.method ?? 'GET',
          path: req.path,
          agent: this.#agent,
          timeout: req.timeoutMs ?? 10_000,
          headers: {
            Accept: 'application/json',
            ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}),
            ...req.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const bytes = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
          });
          res.on('error', reject);
        },
      );
      r.on('timeout', () => r.destroy(new Error(`request ${req.method ?? 'GET'} ${req.path} timed out`)));
      r.on('error', reject);
      r.end(body);
    });
  }

  /** Sends and parses the JSON answer. */
  async json<T = Record<string, unknown>>(req: RawRequest): Promise<{ status: number; body: T }> {
    const res = await this.send(req);
    let parsed: T;
    try {
      parsed = JSON.parse(res.body) as T;
    } catch {
      throw new Error(`${req.method ?? 'GET'} ${req.path}: status ${res.status}, body is not JSON: ${res.body.slice(0, 500)}`);
    }
    return { status: res.status, body: parsed };
  }

  get credentials(): KubeCredentials {
    return this.#creds;
  }

  close(): void {
    this.#agent.destroy();
  }
}
