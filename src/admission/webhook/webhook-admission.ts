/**
 * The MutatingAdmissionWebhook and ValidatingAdmissionWebhook admission plugins: every write
 * that a stored Mutating- or ValidatingWebhookConfiguration's webhooks match is sent to them as
 * an admission.k8s.io AdmissionReview, as kube-apiserver 1.32 does.
 *
 *  - Mutating webhooks run in the admission phase, after lite's built-in mutating plugins, one
 *    after the other in the order of their configurations' names; a JSONPatch they answer is
 *    applied to the object, which is then defaulted again. Webhooks with reinvocationPolicy
 *    IfNeeded are called once more when a later webhook changed the object.
 *  - Validating webhooks run after the object passed validation, just before it is stored, all
 *    at once; the first refusal fails the request.
 *  - A refusal is the webhook's Status with "admission webhook "<name>" denied the request: …"
 *    (code ≥ 400, 400 by default). A webhook that cannot be called, times out or answers
 *    nonsense fails the request with 500 `failed calling webhook …` under failurePolicy Fail and
 *    is skipped under Ignore. Dry-run requests are refused by webhooks whose sideEffects are not
 *    None or NoneOnDryRun. Warnings the webhooks return become Warning headers.
 *  - Requests for webhook configurations themselves are never sent to webhooks (so a broken
 *    webhook can always be removed), as upstream.
 *
 * Not done: CONNECT requests (exec, attach, port-forward, proxy) and the pods/binding and
 * pods/eviction subresources are not sent to webhooks; admission.k8s.io/v1beta1 reviews are sent
 * only to webhooks that accept nothing else.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError, type StatusDetails, type StatusReason } from '../../api/errors.js';
import { deepCopy, isJsonObject, type JsonObject, type JsonValue, type KubeObject } from '../../api/object.js';
import { applyJsonPatch } from '../../api/patch/json-patch.js';
import type { ResourceDef } from '../../api/resource.js';
import type { Client, ResourceRef } from '../../client/client.js';
import type { RequestContext } from '../../registry/context.js';
import type { Clock } from '../../util/clock.js';
import type { AdmissionPlugin, AdmissionRequest } from '../admission.js';
import { WebhookCallError, type WebhookPoster } from './webhook-client.js';
import {
  namespaceSelectorMatches,
  objectSelectorMatches,
  rulesMatch,
  sortWebhooks,
  webhooksOf,
  type AdmissionOperation,
  type Webhook,
  type WebhookKind,
  type WebhookRequestAttributes,
} from './webhook-rules.js';

const GROUP = 'admissionregistration.k8s.io';
export const webhookConfigurationResources = {
  mutating: { group: GROUP, version: 'v1', resource: 'mutatingwebhookconfigurations' },
  validating: { group: GROUP, version: 'v1', resource: 'validatingwebhookconfigurations' },
} as const satisfies Record<WebhookKind, ResourceRef>;

export interface WebhookAdmissionConfig {
  readonly client: Client;
  readonly webhookClient: WebhookPoster;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The labels of a namespace (undefined when it does not exist). */
  readonly namespaceLabels: (name: string) => Promise<Readonly<Record<string, string>> | undefined>;
  /** The served versions of a resource, for matchPolicy Equivalent (default: its own version). */
  readonly servedVersions?: (group: string, resource: string) => readonly string[];
  /**
   * Checks a patched object's JSON types against its kind's schema and drops unknown fields (a
   * decode into the Go type does both upstream); throws ApiError 400.
   */
  readonly checkPatched?: (def: ResourceDef, obj: KubeObject) => void;
}

/** How long a request waits for the webhook configurations to be listed at start. */
const SYNC_WAIT_MS = 10_000;

/** The review versions lite sends, in preference order. */
const REVIEW_VERSIONS = ['v1', 'v1beta1'] as const;

function operationOf(op: AdmissionRequest['operation']): AdmissionOperation {
  return op === 'create' ? 'CREATE' : op === 'update' ? 'UPDATE' : 'DELETE';
}

function optionsKind(operation: AdmissionOperation): string {
  return operation === 'CREATE' ? 'CreateOptions' : operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions';
}

/** A subresource request that is not a write of the resource itself (see WebhookAdmission.subresourceRequest). */
export interface SubresourceRequest {
  readonly operation: 'CONNECT' | 'CREATE';
  /** The resource (pods, services, nodes). */
  readonly def: ResourceDef;
  readonly namespace: string | undefined;
  readonly name: string;
  /** exec, attach, portforward, proxy, eviction. */
  readonly subresource: string;
  /** The request's object with apiVersion and kind: PodExecOptions …, or the Eviction. */
  readonly object: KubeObject;
  readonly ctx: RequestContext;
}

/** One request as the webhooks see it. */
interface Review {
  readonly attrs: WebhookRequestAttributes;
  /** The resource, for matching and the review's `resource`. */
  readonly def: ResourceDef;
  /** The review's `kind`: the object's (PodExecOptions for pods/exec). */
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string };
  readonly name: string;
  readonly ctx: RequestContext;
  /** The object as sent now (with apiVersion and kind). */
  object(): KubeObject;
  /** The review's `options` (CreateOptions …; null for CONNECT). */
  readonly options: JsonObject | null;
}

/** The object with the apiVersion and kind of its resource definition. */
function withTypeMeta(obj: KubeObject, def: ResourceDef): KubeObject {
  return { ...deepCopy(obj), apiVersion: def.group ? `${def.group}/${def.version}` : def.version, kind: def.kind };
}

function kindOf(obj: KubeObject): { group: string; version: string; kind: string } {
  const apiVersion = obj.apiVersion ?? 'v1';
  const slash = apiVersion.indexOf('/');
  const kind = obj.kind ?? '';
  return slash < 0 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
}

/** What one call to one webhook came back with. */
interface WebhookAnswer {
  readonly allowed: boolean;
  readonly status: JsonObject | undefined;
  readonly patch: JsonValue | undefined;
  readonly warnings: readonly string[];
}

export class WebhookAdmission implements AdmissionPlugin {
  readonly name = 'AdmissionWebhook';
  readonly #config: WebhookAdmissionConfig;
  readonly #log: Logger;
  readonly #configurations: Record<WebhookKind, Map<string, Webhook[]>> = { mutating: new Map(), validating: new Map() };
  #ordered: Record<WebhookKind, readonly Webhook[]> = { mutating: [], validating: [] };
  #synced: Record<WebhookKind, boolean> = { mutating: false, validating: false };
  readonly #syncWaiters: (() => void)[] = [];

  constructor(config: WebhookAdmissionConfig) {
    this.#config = config;
    this.#log = config.logger;
  }

  handles(def: ResourceDef): boolean {
    // Webhook configurations never go to webhooks, so a broken webhook can always be removed.
    return !def.virtual && !(def.group === GROUP && (def.plural === 'mutatingwebhookconfigurations' || def.plural === 'validatingwebhookconfigurations'));
  }

  // ---- the configurations, followed from a watch ------------------------------------------------

  /** Follows both configuration kinds until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#follow('mutating', signal), this.#follow('validating', signal)]);
  }

  /** Resolves once both configuration kinds were listed (requests wait for it, as upstream's). */
  whenSynced(): Promise<void> {
    if (this.#synced.mutating && this.#synced.validating) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  async #follow(kind: WebhookKind, signal: AbortSignal): Promise<void> {
    const ref = webhookConfigurationResources[kind];
    const byName = this.#configurations[kind];
    let backoff = 100;
    while (!signal.aborted) {
      try {
        const list = await this.#config.client.list(ref, undefined);
        byName.clear();
        for (const c of list.items) byName.set(c.metadata.name ?? '', webhooksOf(kind, c));
        this.#reorder(kind);
        this.#markSynced(kind);
        for await (const ev of this.#config.client.watch(ref, undefined, { resourceVersion: list.metadata.resourceVersion, signal })) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') byName.set(ev.object.metadata.name ?? '', webhooksOf(kind, ev.object));
          else if (ev.type === 'DELETED') byName.delete(ev.object.metadata.name ?? '');
          else continue;
          this.#reorder(kind);
        }
        backoff = 100;
      } catch (e) {
        if (signal.aborted) return;
        // A datastore without the kind (not served) has no webhooks: nothing to wait for.
        if (e instanceof ApiError && e.code === 404) {
          byName.clear();
          this.#reorder(kind);
          this.#markSynced(kind);
        }
        this.#log.warn({ err: e, resource: ref.resource }, 'webhook configuration watch failed; re-listing');
        await this.#config.clock.sleep(backoff, signal).catch(() => undefined);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  #reorder(kind: WebhookKind): void {
    this.#ordered[kind] = sortWebhooks([...this.#configurations[kind].values()].flat());
  }

  #markSynced(kind: WebhookKind): void {
    this.#synced[kind] = true;
    if (this.#synced.mutating && this.#synced.validating) for (const w of this.#syncWaiters.splice(0)) w();
  }

  // ---- the admission phases ---------------------------------------------------------------------

  /** Mutating phase: the mutating webhooks, in order; patches change `req.object` in place. */
  async admit(req: AdmissionRequest): Promise<void> {
    if (!this.#synced.mutating) await this.#awaitSync(req.def, req.object.metadata.name ?? '');
    if (this.#ordered.mutating.length === 0) return;
    const review = this.#writeReview(req);
    const matching = await this.#matching('mutating', review);
    if (matching.length === 0) return;
    // Reinvocation (IfNeeded): a webhook is called once more when a later one changed the object.
    let lastChange = -1;
    for (let i = 0; i < matching.length; i++) if (await this.#mutate(matching[i], req, review)) lastChange = i;
    for (let i = 0; i < lastChange; i++) if (matching[i].reinvocationPolicy === 'IfNeeded') await this.#mutate(matching[i], req, review);
  }

  /** Validating phase (after the object passed validation): all matching webhooks at once. */
  async validate(req: AdmissionRequest): Promise<void> {
    if (!this.#synced.validating) await this.#awaitSync(req.def, req.object.metadata.name ?? '');
    if (this.#ordered.validating.length === 0) return;
    await this.#validateAll(this.#writeReview(req));
  }

  /**
   * Requests to subresources that are not writes of the resource itself: CONNECT (pods/exec,
   * attach, portforward, proxy; services/proxy, nodes/proxy), whose object is the connect options
   * (PodExecOptions …), and the CREATE of pods/eviction, whose object is the Eviction — as
   * upstream sends them. Mutating webhooks are called too, but a patch they answer is not applied
   * to such objects.
   */
  async subresourceRequest(req: SubresourceRequest): Promise<void> {
    if (!this.#synced.mutating || !this.#synced.validating) await this.#awaitSync(req.def, req.name);
    if (this.#ordered.mutating.length === 0 && this.#ordered.validating.length === 0) return;
    const object = req.object;
    let options: JsonObject | null = null;
    if (req.operation === 'CREATE') {
      options = { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', ...(req.ctx.dryRun ? { dryRun: ['All'] } : {}) };
    }
    const review: Review = {
      attrs: { operation: req.operation, group: req.def.group, version: req.def.version, resource: req.def.plural, subresource: req.subresource, namespace: req.namespace ?? '', namespaced: req.def.namespaced, object, oldObject: undefined },
      def: req.def,
      kind: kindOf(object),
      name: req.name,
      ctx: req.ctx,
      object: () => object,
      options,
    };
    for (const w of await this.#matching('mutating', review)) this.#handleAnswer(w, req.ctx, await this.#call(w, review));
    await this.#validateAll(review);
  }

  async #validateAll(review: Review): Promise<void> {
    const matching = await this.#matching('validating', review);
    if (matching.length === 0) return;
    const results = await Promise.allSettled(matching.map(async (w) => this.#handleAnswer(w, review.ctx, await this.#call(w, review))));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  async #matching(kind: WebhookKind, review: Review): Promise<Webhook[]> {
    const out: Webhook[] = [];
    for (const w of this.#ordered[kind]) if (await this.#matches(w, review.attrs, review.def)) out.push(w);
    return out;
  }

  /**
   * Requests wait (boundedly) for the configurations to be listed, so that none slips past a
   * webhook at start; upstream refuses them with the same words.
   */
  async #awaitSync(def: ResourceDef, name: string): Promise<void> {
    let cancel: () => void = () => undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => (cancel = this.#config.clock.setTimer(SYNC_WAIT_MS, () => resolve('timeout'))));
    try {
      if ((await Promise.race([this.whenSynced(), gaveUp])) === 'timeout') {
        throw ApiError.forbidden({ group: def.group, resource: def.plural }, name, 'not yet ready to handle request');
      }
    } finally {
      cancel();
    }
  }

  /** A create, update or delete as the webhooks see it. */
  #writeReview(req: AdmissionRequest): Review {
    const operation = operationOf(req.operation);
    const def = req.def;
    const options: JsonObject = { kind: optionsKind(operation), apiVersion: 'meta.k8s.io/v1' };
    if (req.ctx.dryRun) options.dryRun = ['All'];
    if (req.ctx.fieldManager && operation !== 'DELETE') options.fieldManager = req.ctx.fieldManager;
    return {
      attrs: {
        operation,
        group: def.group,
        version: def.version,
        resource: def.plural,
        subresource: req.subresource ?? '',
        namespace: def.namespaced ? (req.object.metadata.namespace ?? req.old?.metadata.namespace ?? '') : '',
        namespaced: def.namespaced,
        object: operation === 'DELETE' ? undefined : req.object,
        oldObject: req.old,
      },
      def,
      kind: { group: def.group, version: def.version, kind: def.kind },
      name: req.object.metadata.name ?? req.old?.metadata.name ?? '',
      ctx: req.ctx,
      // Read at each call: a mutating webhook sees what the ones before it made of the object.
      object: () => withTypeMeta(req.object, def),
      options,
    };
  }

  async #matches(w: Webhook, attrs: WebhookRequestAttributes, def: ResourceDef): Promise<boolean> {
    const versions = this.#config.servedVersions?.(def.group, def.plural) ?? [def.version];
    if (!rulesMatch(w, attrs, versions.length ? versions : [def.version])) return false;
    if (!objectSelectorMatches(w, attrs)) return false;
    try {
      return await namespaceSelectorMatches(w, attrs, this.#config.namespaceLabels);
    } catch (e) {
      throw ApiError.internal(`failed calling webhook ${JSON.stringify(w.name)}: could not read the namespace ${JSON.stringify(attrs.namespace)}: ${e instanceof Error ? e.message : String(e)}`, e);
    }
  }

  /** Calls one mutating webhook and applies its patch; true when the object changed. */
  async #mutate(w: Webhook, req: AdmissionRequest, review: Review): Promise<boolean> {
    const answer = await this.#call(w, review);
    if (answer === undefined) return false;
    this.#handleAnswer(w, req.ctx, answer);
    if (answer.patch === undefined || review.attrs.operation === 'DELETE') return false;
    const before = withTypeMeta(req.object, req.def);
    let patched: JsonValue;
    try {
      patched = applyJsonPatch(before as unknown as JsonValue, answer.patch);
    } catch (e) {
      throw ApiError.internal(`failed calling webhook ${JSON.stringify(w.name)}: the webhook's JSON patch could not be applied: ${e instanceof ApiError && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e)}`, e);
    }
    if (!isJsonObject(patched) || !isJsonObject(patched.metadata)) {
      throw ApiError.internal(`failed calling webhook ${JSON.stringify(w.name)}: the patched object has no metadata`);
    }
    if (patched.apiVersion !== before.apiVersion || patched.kind !== before.kind) {
      throw ApiError.internal(`failed calling webhook ${JSON.stringify(w.name)}: the patch changed the object's apiVersion or kind`);
    }
    const next = patched as KubeObject;
    this.#config.checkPatched?.(req.def, next);
    // Fields a patch added may need their defaults, as upstream defaults the patched object.
    req.def.strategy.defaults?.(next);
    const target = req.object as Record<string, unknown>;
    for (const k of Object.keys(target)) if (!(k in next)) delete target[k];
    Object.assign(target, next);
    return true;
  }

  #reviewBody(w: Webhook, review: Review): { body: JsonObject; uid: string; version: string } {
    const version = REVIEW_VERSIONS.find((v) => w.admissionReviewVersions.includes(v)) ?? 'v1';
    const uid = randomUUID();
    const { attrs, def, kind, ctx } = review;
    const resource = { group: def.group, version: def.version, resource: def.plural };
    const user = ctx.user;
    const request: JsonObject = {
      uid,
      kind,
      resource,
      ...(attrs.subresource ? { subResource: attrs.subresource } : {}),
      requestKind: kind,
      requestResource: resource,
      ...(attrs.subresource ? { requestSubResource: attrs.subresource } : {}),
      name: review.name,
      ...(attrs.namespace ? { namespace: attrs.namespace } : {}),
      operation: attrs.operation,
      userInfo: {
        username: user.username,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: [...user.groups],
        ...(user.extra && Object.keys(user.extra).length ? { extra: Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]])) } : {}),
      },
      object: attrs.object ? (review.object() as unknown as JsonObject) : null,
      oldObject: attrs.oldObject ? (withTypeMeta(attrs.oldObject, def) as unknown as JsonObject) : null,
      dryRun: ctx.dryRun === true,
      options: review.options,
    };
    return { body: { apiVersion: `admission.k8s.io/${version}`, kind: 'AdmissionReview', request }, uid, version };
  }

  /**
   * Calls one webhook. Undefined when it failed and its failurePolicy is Ignore; throws the
   * request's error when it failed under Fail, or refuses dry runs it cannot take.
   */
  async #call(w: Webhook, review: Review): Promise<WebhookAnswer | undefined> {
    const ctx = review.ctx;
    if (ctx.dryRun && w.sideEffects !== 'None' && w.sideEffects !== 'NoneOnDryRun') {
      throw ApiError.badRequest(`admission webhook ${JSON.stringify(w.name)} does not support dry run`);
    }
    const sent = this.#reviewBody(w, review);
    try {
      const text = await this.#config.webhookClient.post({ clientConfig: w.clientConfig, timeoutSeconds: w.timeoutSeconds, body: JSON.stringify(sent.body), ...(ctx.signal ? { signal: ctx.signal } : {}) });
      return parseAnswer(text, sent, w.kind);
    } catch (e) {
      const reason = e instanceof WebhookCallError ? `failed to call webhook: ${e.message}` : e instanceof InvalidAnswer ? `received invalid webhook response: ${e.message}` : String(e);
      const message = `failed calling webhook ${JSON.stringify(w.name)}: ${reason}`;
      if (w.failurePolicy === 'Ignore') {
        this.#log.warn({ webhook: w.name, configuration: w.configuration }, `${message} (failurePolicy Ignore: the request goes on)`);
        return undefined;
      }
      throw ApiError.internal(message, e);
    }
  }

  /** Refusals become the request's error; warnings go to the response. */
  #handleAnswer(w: Webhook, ctx: RequestContext, answer: WebhookAnswer | undefined): void {
    if (!answer) return;
    if (answer.warnings.length && ctx.warnings) ctx.warnings.push(...answer.warnings);
    if (!answer.allowed) throw denial(w.name, answer.status);
  }
}

class InvalidAnswer extends Error {}

/** Decodes and checks an AdmissionReview answer (upstream VerifyAdmissionResponse). */
function parseAnswer(text: string, review: { uid: string; version: string }, kind: WebhookKind): WebhookAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InvalidAnswer(`the body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isJsonObject(parsed)) throw new InvalidAnswer('the body is not a JSON object');
  const wantApiVersion = `admission.k8s.io/${review.version}`;
  if (parsed.apiVersion !== wantApiVersion || parsed.kind !== 'AdmissionReview') {
    const [g, v] = typeof parsed.apiVersion === 'string' && parsed.apiVersion.includes('/') ? parsed.apiVersion.split('/') : ['', typeof parsed.apiVersion === 'string' ? parsed.apiVersion : ''];
    throw new InvalidAnswer(`expected webhook response of ${wantApiVersion}, Kind=AdmissionReview, got ${g}/${v}, Kind=${typeof parsed.kind === 'string' ? parsed.kind : ''}`);
  }
  const response = parsed.response;
  if (!isJsonObject(response)) throw new InvalidAnswer('webhook response was absent');
  if (response.uid !== review.uid) throw new InvalidAnswer(`expected response.uid=${JSON.stringify(review.uid)}, got ${JSON.stringify(typeof response.uid === 'string' ? response.uid : '')}`);
  const allowed = response.allowed === true;
  const warnings = Array.isArray(response.warnings) ? response.warnings.filter((s): s is string => typeof s === 'string') : [];
  let patch: JsonValue | undefined;
  if (typeof response.patch === 'string' && response.patch !== '') {
    if (kind === 'validating') throw new InvalidAnswer('validating webhook may not return response.patch');
    if (review.version === 'v1' && response.patchType !== 'JSONPatch') {
      throw new InvalidAnswer(response.patchType === undefined ? 'webhook returned response.patch but not response.patchType' : `webhook returned invalid response.patchType of ${JSON.stringify(response.patchType)}`);
    }
    try {
      patch = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as JsonValue;
    } catch (e) {
      throw new InvalidAnswer(`response.patch is not a base64-encoded JSON patch: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { allowed, status: isJsonObject(response.status) ? response.status : undefined, patch, warnings };
}

/** upstream webhookerrors.ToStatusErr: the webhook's Status, worded as a refusal, code ≥ 400. */
function denial(webhookName: string, status: JsonObject | undefined): ApiError {
  const deniedBy = `admission webhook ${JSON.stringify(webhookName)} denied the request`;
  const code = typeof status?.code === 'number' && status.code >= 400 && status.code <= 599 ? status.code : 400;
  const message = typeof status?.message === 'string' && status.message ? status.message : undefined;
  const reasonText = typeof status?.reason === 'string' && status.reason ? status.reason : undefined;
  const text = message ? `${deniedBy}: ${message}` : reasonText ? `${deniedBy}: ${reasonText}` : `${deniedBy} without explanation`;
  const details = isJsonObject(status?.details) ? (status.details as StatusDetails) : undefined;
  return new ApiError(code, (reasonText ?? '') as StatusReason, text, details);
}
