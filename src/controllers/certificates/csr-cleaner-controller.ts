/**
 * Deletes CertificateSigningRequests that have served their purpose, as kube-controller-manager's
 * csrcleaner does, once an hour:
 *  - issued (a certificate and an Approved condition) more than 1 hour ago,
 *  - denied or failed more than 1 hour ago (by the condition's lastUpdateTime),
 *  - still without any condition 24 hours after creation,
 *  - whose certificate has expired.
 * Approved requests a signer never answered stay (upstream keeps them too).
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { decodeBytesField, pemBlocks } from '../../api/validation/certificates.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { X509Certificate } from '../../pki/x509.js';
import type { Logger } from '../../util/log.js';
import type { Controller, ControllerContext } from '../framework/controller.js';
import { csrResource } from './csr-signing-controller.js';

const HOUR_MS = 60 * 60 * 1000;

export interface CsrCleanerOptions {
  /** How often requests are checked (default 1 hour). */
  readonly pollingIntervalMs?: number;
}

function conditionTime(csr: KubeObject, type: string): number | undefined {
  const st = isJsonObject(csr.status) ? csr.status : {};
  const list = Array.isArray(st.conditions) ? st.conditions.filter(isJsonObject) : [];
  const c = list.find((x: JsonObject) => x.type === type);
  if (!c) return undefined;
  const t = Date.parse(String(c.lastUpdateTime ?? ''));
  return Number.isNaN(t) ? 0 : t;
}

/** The earliest notAfter of the issued certificate, or undefined when none (or unreadable). */
function certificateExpiry(csr: KubeObject): number | undefined {
  const st = isJsonObject(csr.status) ? csr.status : {};
  const text = decodeBytesField(st.certificate);
  if (!text) return undefined;
  let earliest: number | undefined;
  for (const block of pemBlocks(text)) {
    if (block.type !== 'CERTIFICATE') continue;
    try {
      const notAfter = new X509Certificate(block.der).notAfter.getTime();
      earliest = earliest === undefined ? notAfter : Math.min(earliest, notAfter);
    } catch {
      // An unreadable block does not make the request expire.
    }
  }
  return earliest;
}

/** Why `csr` is due for deletion at `now`, or undefined if it stays. */
export function csrCleanupReason(csr: KubeObject, now: number): string | undefined {
  const st = isJsonObject(csr.status) ? csr.status : {};
  const issued = typeof st.certificate === 'string' && st.certificate !== '';
  const approvedAt = conditionTime(csr, 'Approved');
  if (issued && approvedAt !== undefined && approvedAt + HOUR_MS < now) return 'issued more than 1h ago';
  const deniedAt = conditionTime(csr, 'Denied');
  if (deniedAt !== undefined && deniedAt + HOUR_MS < now) return 'denied more than 1h ago';
  const failedAt = conditionTime(csr, 'Failed');
  if (failedAt !== undefined && failedAt + HOUR_MS < now) return 'failed more than 1h ago';
  const conditions = Array.isArray(st.conditions) ? st.conditions : [];
  const created = Date.parse(csr.metadata.creationTimestamp ?? '');
  if (conditions.length === 0 && !Number.isNaN(created) && created + 24 * HOUR_MS < now) return 'pending for more than 24h';
  const expiry = issued ? certificateExpiry(csr) : undefined;
  if (expiry !== undefined && expiry < now) return 'its certificate has expired';
  return undefined;
}

export class CsrCleanerController implements Controller {
  readonly name = 'csrcleaner';
  readonly #ctx: ControllerContext;
  readonly #csrs: SharedInformer;
  readonly #intervalMs: number;
  readonly #log: Logger;

  constructor(ctx: ControllerContext, options: CsrCleanerOptions = {}) {
    this.#ctx = ctx;
    this.#csrs = ctx.informers.informer(csrResource);
    this.#intervalMs = options.pollingIntervalMs ?? HOUR_MS;
    this.#log = ctx.logger.child({ controller: this.name });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.#csrs.waitForSync(signal);
    while (!signal.aborted) {
      await this.clean();
      try {
        await this.#ctx.clock.sleep(this.#intervalMs, signal);
      } catch {
        return;
      }
    }
  }

  /** One pass (exposed for tests). */
  async clean(): Promise<void> {
    const now = this.#ctx.clock.now();
    for (const csr of this.#csrs.lister.list()) {
      const reason = csrCleanupReason(csr, now);
      if (!reason) continue;
      try {
        await this.#ctx.client.delete(csrResource, undefined, csr.metadata.name ?? '', { preconditions: { uid: csr.metadata.uid } });
        this.#log.info({ csr: csr.metadata.name, reason }, 'deleted certificate signing request');
      } catch (e) {
        if (e instanceof ApiError && (e.code === 404 || e.code === 409)) continue;
        this.#log.warn({ csr: csr.metadata.name, err: e instanceof Error ? e.message : String(e) }, 'could not delete certificate signing request');
      }
    }
  }
}
