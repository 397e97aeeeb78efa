/**
 * Which admission webhooks a request goes to: the webhooks of the stored Mutating- and
 * ValidatingWebhookConfigurations read into plain records, and upstream's matching
 * (k8s.io/apiserver/pkg/admission/plugin/webhook: rules.Matcher, namespace.Matcher,
 * object.Matcher): a rule's operations, apiGroups, apiVersions, resources (a name or `*`,
 * optionally followed by a slash and a subresource or `*`) and scope; the namespaceSelector against the labels of the request's namespace (of
 * the Namespace itself for namespaces); the objectSelector against the new or the old object.
 *
 * The configurations were defaulted and validated when stored, so reading them only guards types.
 */
import { isJsonObject, type JsonObject, type KubeObject } from '../../api/object.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors/label-selector.js';

export type WebhookKind = 'mutating' | 'validating';
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface WebhookRule {
  readonly operations: readonly string[];
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly resources: readonly string[];
  readonly scope: '*' | 'Cluster' | 'Namespaced';
}

export type WebhookClientConfig =
  | { readonly url: string; readonly caBundle?: string }
  | { readonly service: { readonly namespace: string; readonly name: string; readonly path?: string; readonly port: number }; readonly caBundle?: string };

/** One webhook of a configuration, in the order the API server calls them. */
export interface Webhook {
  readonly kind: WebhookKind;
  /** The configuration's name: webhooks are called in the order of their configurations' names. */
  readonly configuration: string;
  readonly name: string;
  readonly clientConfig: WebhookClientConfig;
  readonly rules: readonly WebhookRule[];
  readonly failurePolicy: 'Fail' | 'Ignore';
  readonly matchPolicy: 'Exact' | 'Equivalent';
  readonly namespaceSelector: LabelSelector;
  readonly objectSelector: LabelSelector;
  readonly sideEffects: string;
  readonly timeoutSeconds: number;
  readonly admissionReviewVersions: readonly string[];
  readonly reinvocationPolicy: 'Never' | 'IfNeeded';
}

/** What a request looks like to the matchers. */
export interface WebhookRequestAttributes {
  readonly operation: AdmissionOperation;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  /** '' for the main resource. */
  readonly subresource: string;
  /** '' for cluster-scoped resources. */
  readonly namespace: string;
  readonly namespaced: boolean;
  /** The new object (undefined on DELETE). */
  readonly object: KubeObject | undefined;
  /** The stored object (UPDATE, DELETE). */
  readonly oldObject: KubeObject | undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

function readRule(r: JsonObject): WebhookRule {
  const scope = r.scope === 'Cluster' || r.scope === 'Namespaced' ? r.scope : '*';
  return { operations: strings(r.operations), apiGroups: strings(r.apiGroups), apiVersions: strings(r.apiVersions), resources: strings(r.resources), scope };
}

function readClientConfig(c: JsonObject): WebhookClientConfig {
  const caBundle = typeof c.caBundle === 'string' && c.caBundle !== '' ? { caBundle: c.caBundle } : {};
  if (typeof c.url === 'string') return { url: c.url, ...caBundle };
  const s = isJsonObject(c.service) ? c.service : {};
  return {
    service: {
      namespace: typeof s.namespace === 'string' ? s.namespace : '',
      name: typeof s.name === 'string' ? s.name : '',
      ...(typeof s.path === 'string' ? { path: s.path } : {}),
      port: typeof s.port === 'number' ? s.port : 443,
    },
    ...caBundle,
  };
}

/** The webhooks of a stored Mutating- or ValidatingWebhookConfiguration, in their order. */
export function webhooksOf(kind: WebhookKind, configuration: KubeObject): Webhook[] {
  const out: Webhook[] = [];
  const list = Array.isArray(configuration.webhooks) ? configuration.webhooks : [];
  for (const w of list) {
    if (!isJsonObject(w) || typeof w.name !== 'string') continue;
    out.push({
      kind,
      configuration: configuration.metadata.name ?? '',
      name: w.name,
      clientConfig: readClientConfig(isJsonObject(w.clientConfig) ? w.clientConfig : {}),
      rules: (Array.isArray(w.rules) ? w.rules : []).filter(isJsonObject).map(readRule),
      failurePolicy: w.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
      matchPolicy: w.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
      namespaceSelector: labelSelectorFromObject(w.namespaceSelector ?? {}),
      objectSelector: labelSelectorFromObject(w.objectSelector ?? {}),
      sideEffects: typeof w.sideEffects === 'string' ? w.sideEffects : 'Unknown',
      timeoutSeconds: typeof w.timeoutSeconds === 'number' ? w.timeoutSeconds : 10,
      admissionReviewVersions: strings(w.admissionReviewVersions),
      reinvocationPolicy: w.reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
    });
  }
  return out;
}

/** Orders webhooks as the API server calls them: by configuration name, then as listed. */
export function sortWebhooks(webhooks: Webhook[]): Webhook[] {
  // Array.prototype.sort is stable, so webhooks of one configuration keep their order.
  return webhooks.sort((a, b) => (a.configuration < b.configuration ? -1 : a.configuration > b.configuration ? 1 : 0));
}

function listed(values: readonly string[], value: string): boolean {
  return values.includes('*') || values.includes(value);
}

/**
 * upstream rules.Matcher.resource: `*` is any resource without a subresource; `pods/` + `*` is pods
 * and all its subresources; `*` + `/status` every status subresource; `*` + `/` + `*` everything.
 */
function resourceMatches(patterns: readonly string[], resource: string, subresource: string): boolean {
  for (const p of patterns) {
    const slash = p.indexOf('/');
    const res = slash < 0 ? p : p.slice(0, slash);
    const sub = slash < 0 ? '' : p.slice(slash + 1);
    if ((res === '*' || res === resource) && (sub === '*' || sub === subresource)) return true;
  }
  return false;
}

function scopeMatches(scope: WebhookRule['scope'], attrs: WebhookRequestAttributes): boolean {
  if (scope === '*') return true;
  // Namespaces are cluster-scoped objects, whatever their requests' namespace attribute says.
  const namespaced = attrs.namespaced && !(attrs.group === '' && attrs.resource === 'namespaces');
  return scope === 'Namespaced' ? namespaced : !namespaced;
}

/**
 * Whether one rule matches. `versions` are the group versions the request may be matched in: the
 * request's own, plus the other served versions of the same resource under matchPolicy Equivalent.
 */
export function ruleMatches(rule: WebhookRule, attrs: WebhookRequestAttributes, versions: readonly string[]): boolean {
  return (
    listed(rule.operations, attrs.operation) &&
    listed(rule.apiGroups, attrs.group) &&
    versions.some((v) => listed(rule.apiVersions, v)) &&
    resourceMatches(rule.resources, attrs.resource, attrs.subresource) &&
    scopeMatches(rule.scope, attrs)
  );
}

/** Whether any rule of the webhook matches the request. */
export function rulesMatch(webhook: Webhook, attrs: WebhookRequestAttributes, equivalentVersions: readonly string[]): boolean {
  const versions = webhook.matchPolicy === 'Equivalent' ? equivalentVersions : [attrs.version];
  return webhook.rules.some((r) => ruleMatches(r, attrs, versions));
}

/** upstream object.Matcher: the selector matches the new object or the old one. */
export function objectSelectorMatches(webhook: Webhook, attrs: WebhookRequestAttributes): boolean {
  if (webhook.objectSelector.isEmpty()) return true;
  const labelsOf = (o: KubeObject | undefined) => o?.metadata.labels ?? {};
  return (attrs.object !== undefined && webhook.objectSelector.matches(labelsOf(attrs.object))) || (attrs.oldObject !== undefined && webhook.objectSelector.matches(labelsOf(attrs.oldObject)));
}

/**
 * upstream namespace.Matcher: cluster-scoped requests other than namespaces always match; a
 * Namespace is matched by its own labels; other requests by their namespace's labels, which
 * `namespaceLabels` reads (undefined: the namespace does not exist).
 */
export async function namespaceSelectorMatches(
  webhook: Webhook,
  attrs: WebhookRequestAttributes,
  namespaceLabels: (name: string) => Promise<Readonly<Record<string, string>> | undefined>,
): Promise<boolean> {
  if (webhook.namespaceSelector.isEmpty()) return true;
  if (attrs.group === '' && attrs.resource === 'namespaces') {
    const ns = attrs.object ?? attrs.oldObject;
    return webhook.namespaceSelector.matches(ns?.metadata.labels ?? {});
  }
  if (!attrs.namespaced || attrs.namespace === '') return true;
  const labels = await namespaceLabels(attrs.namespace);
  return webhook.namespaceSelector.matches(labels ?? {});
}
