/**
 * Legacy service-account token Secrets (upstream pkg/controller/serviceaccount/tokens_controller.go):
 * since 1.24 nothing creates them automatically, but a Secret of type
 * `kubernetes.io/service-account-token` created by hand with the annotation
 * `kubernetes.io/service-account.name` is still filled in: `token` (a non-expiring legacy JWT),
 * `ca.crt` (the cluster CA) and `namespace`, and the ServiceAccount's uid is recorded in
 * `kubernetes.io/service-account.uid`. A token Secret whose ServiceAccount does not exist (or
 * has another uid) is deleted, and deleting a ServiceAccount deletes its token Secrets.
 *
 * Keys: `secret/<ns>/<name>` and `sa/<ns>/<name>`. Only token Secrets are watched (field selector
 * on type), so ordinary Secrets cost nothing here.
 */
import { ApiError } from '../../api/errors.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { SharedInformer } from '../../informer/shared-informer.js';
import { legacyClaims, SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_SECRET_TYPE, SERVICE_ACCOUNT_UID_ANNOTATION } from '../../serviceaccount/claims.js';
import type { TokenSigner } from '../../serviceaccount/jwt.js';
import { type Controller, type ControllerContext, KUBE_CONTROLLER_MANAGER, newQueue, runReconcileLoop } from '../framework/controller.js';

const SECRETS = { group: '', version: 'v1', resource: 'secrets' } as const;

export interface TokensControllerOptions {
  readonly signer: TokenSigner;
  /** The CA bundle written as `ca.crt`. */
  readonly rootCaPem: string;
}

export class TokensController implements Controller {
  readonly name = 'serviceaccount-token-controller';
  readonly #ctx: ControllerContext;
  readonly #opts: TokensControllerOptions;
  readonly #accounts: SharedInformer;
  readonly #secrets: SharedInformer;
  readonly #queue;

  constructor(ctx: ControllerContext, options: TokensControllerOptions) {
    this.#ctx = ctx;
    this.#opts = options;
    this.#queue = newQueue(ctx.clock);
    this.#accounts = ctx.informers.informer(resources.serviceaccounts);
    this.#secrets = ctx.informers.informer(SECRETS, { fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_SECRET_TYPE}` });
    const key = (prefix: string, o: KubeObject) => `${prefix}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
    this.#accounts.addEventHandler({ onDelete: (sa) => this.#queue.add(key('sa', sa)) });
    this.#secrets.addEventHandler({ onAdd: (s) => this.#queue.add(key('secret', s)), onUpdate: (_o, s) => this.#queue.add(key('secret', s)) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#accounts.waitForSync(signal), this.#secrets.waitForSync(signal)]);
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (k) => this.#reconcile(k), workers: 2, logger: this.#ctx.logger }, signal);
  }

  async #reconcile(key: string): Promise<void> {
    const [kind, namespace = '', name = ''] = key.split('/');
    if (kind === 'sa') return this.#serviceAccountGone(namespace, name);
    return this.#syncSecret(namespace, name);
  }

  /** The ServiceAccount may have been deleted: its token Secrets go with it. */
  async #serviceAccountGone(namespace: string, name: string): Promise<void> {
    if (await this.#serviceAccount(namespace, name, undefined)) return;
    for (const s of this.#secrets.lister.list(namespace)) {
      if (s.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] === name) await this.#delete(s);
    }
  }

  async #syncSecret(namespace: string, name: string): Promise<void> {
    const secret = this.#secrets.lister.get(namespace, name);
    if (!secret || secret.metadata.deletionTimestamp) return;
    const saName = secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION];
    if (!saName) return;
    const sa = await this.#serviceAccount(namespace, saName, secret.metadata.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION]);
    if (!sa) {
      await this.#delete(secret);
      return;
    }
    const data = isJsonObject(secret.data) ? { ...(secret.data as Record<string, string>) } : {};
    const caB64 = Buffer.from(this.#opts.rootCaPem).toString('base64');
    const needsCa = data['ca.crt'] !== caB64;
    const needsNamespace = !data.namespace;
    const needsToken = !data.token;
    const annotations = secret.metadata.annotations ?? {};
    if (!needsCa && !needsNamespace && !needsToken && annotations[SERVICE_ACCOUNT_UID_ANNOTATION] === sa.metadata.uid) return;
    if (needsCa) data['ca.crt'] = caB64;
    if (needsNamespace) data.namespace = Buffer.from(namespace).toString('base64');
    if (needsToken) data.token = Buffer.from(await this.#opts.signer.sign(legacyClaims(sa, secret))).toString('base64');
    const updated: KubeObject = {
      ...secret,
      metadata: { ...secret.metadata, annotations: { ...annotations, [SERVICE_ACCOUNT_NAME_ANNOTATION]: sa.metadata.name ?? '', [SERVICE_ACCOUNT_UID_ANNOTATION]: sa.metadata.uid ?? '' } },
      data,
    };
    try {
      await this.#ctx.client.update(SECRETS, namespace, updated, { fieldManager: KUBE_CONTROLLER_MANAGER });
    } catch (e) {
      // 409: changed meanwhile (the update event brings the secret back); 404: gone.
      if (e instanceof ApiError && (e.code === 409 || e.code === 404)) return;
      throw e;
    }
  }

  /** The ServiceAccount (the cache, then the API: a fresh one may not be cached yet) if its uid matches. */
  async #serviceAccount(namespace: string, name: string, uid: string | undefined): Promise<KubeObject | undefined> {
    let sa = this.#accounts.lister.get(namespace, name);
    if (!sa) {
      try {
        sa = await this.#ctx.client.get(resources.serviceaccounts, namespace, name);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
        return undefined;
      }
    }
    if (uid && sa.metadata.uid !== uid) return undefined;
    return sa;
  }

  async #delete(secret: KubeObject): Promise<void> {
    try {
      await this.#ctx.client.delete(SECRETS, secret.metadata.namespace, secret.metadata.name ?? '', { preconditions: { uid: secret.metadata.uid ?? '' } });
    } catch (e) {
      if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }
}
