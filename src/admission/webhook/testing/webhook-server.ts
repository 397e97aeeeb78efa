/**
 * An admission webhook server for tests: HTTPS on a loopback port with a certificate from its own
 * CA (for 127.0.0.1, localhost and any extra DNS names), answering AdmissionReviews with whatever
 * the test's handler decides, and recording what it was sent.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueCertificate } from '../../../pki/issue-certificate.js';
import { systemClock } from '../../../util/clock.js';

export interface ReviewRequest {
  readonly uid: string;
  readonly operation: string;
  readonly name: string;
  readonly namespace?: string;
  readonly kind: { group: string; version: string; kind: string };
  readonly resource: { group: string; version: string; resource: string };
  readonly subResource?: string;
  readonly object: Record<string, unknown> | null;
  readonly oldObject: Record<string, unknown> | null;
  readonly dryRun: boolean;
  readonly userInfo: { username: string; groups: string[] };
  readonly options?: Record<string, unknown>;
}

/** What a handler answers: a response (uid filled in), a raw HTTP answer, or nothing (hang). */
export type ReviewAnswer =
  | { readonly allowed: boolean; readonly status?: Record<string, unknown>; readonly patch?: unknown[]; readonly warnings?: string[]; readonly patchType?: string }
  | { readonly raw: string; readonly statusCode?: number }
  | 'hang';

export type ReviewHandler = (path: string, request: ReviewRequest, apiVersion: string) => ReviewAnswer;

export interface TestWebhookServer {
  readonly port: number;
  /** The CA bundle to put in a webhook's clientConfig.caBundle (base64 PEM). */
  readonly caBundle: string;
  /** Every review received, oldest first, with the path and query it was posted to. */
  readonly received: { path: string; request: ReviewRequest; apiVersion: string }[];
  handler: ReviewHandler;
  close(): Promise<void>;
}

export async function startWebhookServer(options: { dnsNames?: string[]; handler?: ReviewHandler } = {}): Promise<TestWebhookServer> {
  const clock = systemClock;
  const ca = await createCertificateAuthority({ commonName: 'webhook-test-ca', validDays: 1, clock });
  const leaf = await issueCertificate({ usage: 'server', commonName: 'webhook', dnsNames: ['localhost', ...(options.dnsNames ?? [])], ips: ['127.0.0.1'], validDays: 1, clock, issuer: ca });
  const received: TestWebhookServer['received'] = [];
  const hanging = new Set<() => void>();
  const state: { handler: ReviewHandler } = { handler: options.handler ?? (() => ({ allowed: true })) };
  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { apiVersion: string; request: ReviewRequest };
      const path = req.url ?? '';
      received.push({ path, request: review.request, apiVersion: review.apiVersion });
      const answer = state.handler(path, review.request, review.apiVersion);
      if (answer === 'hang') {
        const end = () => res.destroy();
        hanging.add(end);
        res.on('close', () => hanging.delete(end));
        return;
      }
      if ('raw' in answer) {
        res.writeHead(answer.statusCode ?? 200, { 'content-type': 'application/json' });
        res.end(answer.raw);
        return;
      }
      const response: Record<string, unknown> = { uid: review.request.uid, allowed: answer.allowed };
      if (answer.status) response.status = answer.status;
      if (answer.warnings) response.warnings = answer.warnings;
      if (answer.patch) {
        response.patch = Buffer.from(JSON.stringify(answer.patch)).toString('base64');
        response.patchType = answer.patchType ?? 'JSONPatch';
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    received,
    get handler() {
      return state.handler;
    },
    set handler(h: ReviewHandler) {
      state.handler = h;
    },
    async close() {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
