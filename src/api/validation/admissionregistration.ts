/**
 * admissionregistration.k8s.io: MutatingWebhookConfiguration and ValidatingWebhookConfiguration
 * (pkg/apis/admissionregistration/validation at Kubernetes 1.32, for v1 requests), with upstream's
 * field paths and texts. Objects arrive defaulted (../defaults/other-groups.ts).
 *
 * One deliberate difference: lite has no CEL, so it cannot compile or evaluate matchConditions.
 * Where upstream compiles the expressions, lite refuses a non-empty list with a Forbidden error
 * instead of storing conditions its dispatcher would have to ignore (which would send requests the
 * webhook's author meant to filter out).
 */
import type { FieldError } from '../errors.js';
import { goStringSlice } from '../go/go-format.js';
import { has, obj, objAt, objsAt, optNumAt, optStrAt, strAt, strListAt, type JsonObject } from '../json-access.js';
import { jsonEqual, type KubeObject } from '../object.js';
import { child, duplicate, forbidden, index, invalid, notSupported, required, tooMany } from './field-errors.js';
import { isDNS1035Label, isDNS1123Subdomain, validateQualifiedName } from './names.js';
import { validateLabelSelector } from './object-meta.js';
import { ACCEPTED_REVIEW_VERSIONS, validateWebhookService, validateWebhookURL } from './webhook.js';

// Supported values in the order upstream lists them (sets.String.List() sorts).
const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const ALL_SIDE_EFFECT_CLASSES = ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
const NO_SIDE_EFFECT_CLASSES = ['None', 'NoneOnDryRun'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const MAX_MATCH_CONDITIONS = 64;

/** What lite says instead of compiling matchConditions. */
export const MATCH_CONDITIONS_UNSUPPORTED =
  'lite does not evaluate CEL match conditions; remove matchConditions and use rules, namespaceSelector or objectSelector (or filter in the webhook itself)';

/** Upstream's validationOptions; creates are strict, updates relax what the stored object already relied on. */
interface Options {
  readonly ignoreMatchConditions: boolean;
  readonly requireNoSideEffects: boolean;
  readonly requireRecognizedAdmissionReviewVersion: boolean;
  readonly requireUniqueWebhookNames: boolean;
  readonly allowInvalidLabelValueInSelector: boolean;
}

const CREATE: Options = {
  ignoreMatchConditions: false,
  requireNoSideEffects: true,
  requireRecognizedAdmissionReviewVersion: true,
  requireUniqueWebhookNames: true,
  allowInvalidLabelValueInSelector: false,
};

function webhooksOf(config: KubeObject): JsonObject[] {
  return objsAt(obj(config), 'webhooks');
}

// ---- names --------------------------------------------------------------------------------------------

/** utilvalidation.IsFullyQualifiedName: a DNS subdomain with at least three labels. */
function validateFullyQualifiedName(field: string, name: string): FieldError[] {
  if (name === '') return [required(field)];
  const dns = isDNS1123Subdomain(name);
  if (dns.length > 0) return [invalid(field, name, dns.join(','))];
  if (name.split('.').length < 3) return [invalid(field, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

// ---- rules --------------------------------------------------------------------------------------------

// validateResources (subresources allowed): which combinations of `*`, `*/*`, `x/*` and `*/x` may appear together.
function validateResources(resources: readonly string[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(required(field));
  const resourcesWithWildcardSubresources = new Set<string>(); // x/*
  const subresourcesWithWildcardResource = new Set<string>(); // */x
  let hasDoubleWildcard = false;
  let hasSingleWildcard = false;
  let hasResourceWithoutSubresource = false;
  resources.forEach((resSub, i) => {
    if (resSub === '') {
      errs.push(required(index(field, i)));
      return;
    }
    if (resSub === '*/*') hasDoubleWildcard = true;
    if (resSub === '*') hasSingleWildcard = true;
    const slash = resSub.indexOf('/');
    if (slash < 0) {
      // Upstream assigns rather than accumulates, so only the last plain entry decides; kept for identical results.
      hasResourceWithoutSubresource = resSub !== '*';
      return;
    }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (resourcesWithWildcardSubresources.has(res)) errs.push(invalid(index(field, i), resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (subresourcesWithWildcardResource.has(sub)) errs.push(invalid(index(field, i), resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === '*') resourcesWithWildcardSubresources.add(res);
    if (res === '*') subresourcesWithWildcardResource.add(sub);
  });
  if (resources.length > 1 && hasDoubleWildcard) errs.push(sliceInvalid(field, resources, "if '*/*' is present, must not specify other resources"));
  if (hasSingleWildcard && hasResourceWithoutSubresource) errs.push(sliceInvalid(field, resources, "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

/** An Invalid error whose value is a []string, printed as Go's %#v prints it. */
function sliceInvalid(field: string, items: readonly string[], detail: string, elemType = 'string'): FieldError {
  return { ...invalid(field, items, detail), valueText: goStringSlice(items, elemType) };
}

/** validateRuleWithOperations and validateRule; the Rule's fields sit on the same object (embedded in Go). */
function validateRuleWithOperations(rule: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const operations = strListAt(rule, 'operations');
  const opsField = child(field, 'operations');
  if (operations.length === 0) errs.push(required(opsField));
  if (operations.length > 1 && operations.includes('*')) {
    errs.push(sliceInvalid(opsField, operations, "if '*' is present, must not specify other operations", 'admissionregistration.OperationType'));
  }
  operations.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) errs.push(notSupported(index(opsField, i), op, OPERATIONS));
  });

  const groups = strListAt(rule, 'apiGroups');
  if (groups.length === 0) errs.push(required(child(field, 'apiGroups')));
  if (groups.length > 1 && groups.includes('*')) errs.push(sliceInvalid(child(field, 'apiGroups'), groups, "if '*' is present, must not specify other API groups"));
  // An empty group is fine: it is the core group.
  const versions = strListAt(rule, 'apiVersions');
  if (versions.length === 0) errs.push(required(child(field, 'apiVersions')));
  if (versions.length > 1 && versions.includes('*')) errs.push(sliceInvalid(child(field, 'apiVersions'), versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => {
    if (v === '') errs.push(required(index(child(field, 'apiVersions'), i)));
  });
  errs.push(...validateResources(strListAt(rule, 'resources'), child(field, 'resources')));
  const scope = optStrAt(rule, 'scope');
  if (scope !== undefined && !SCOPES.includes(scope)) errs.push(notSupported(child(field, 'scope'), scope, SCOPES));
  return errs;
}

// ---- admission review versions ----------------------------------------------------------------------------

function validateAdmissionReviewVersions(versions: readonly string[], requireRecognized: boolean, field: string): FieldError[] {
  if (versions.length === 0) return [required(field, `must specify one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let accepted = false;
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(invalid(index(field, i), v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const m of isDNS1035Label(v)) errs.push(invalid(index(field, i), v, m));
    if (ACCEPTED_REVIEW_VERSIONS.includes(v)) accepted = true;
  });
  if (requireRecognized && !accepted) errs.push(sliceInvalid(field, versions, `must include at least one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

// ---- match conditions -------------------------------------------------------------------------------------

function validateMatchConditions(conditions: readonly JsonObject[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (conditions.length > MAX_MATCH_CONDITIONS) errs.push(tooMany(field, conditions.length, MAX_MATCH_CONDITIONS));
  // Stands where upstream compiles each expression: lite cannot, so any condition is refused.
  if (conditions.length > 0) errs.push(forbidden(field, MATCH_CONDITIONS_UNSUPPORTED));
  const names = new Set<string>();
  conditions.forEach((c, i) => {
    const p = index(field, i);
    if (strAt(c, 'expression').trim() === '') errs.push(required(child(p, 'expression')));
    const name = strAt(c, 'name');
    if (name === '') errs.push(required(child(p, 'name')));
    else errs.push(...validateQualifiedName(child(p, 'name'), name));
    if (name !== '') {
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else names.add(name);
    }
  });
  return errs;
}

// ---- webhooks ---------------------------------------------------------------------------------------------

function validateEnum(field: string, value: string | undefined, supported: readonly string[]): FieldError[] {
  return value !== undefined && !supported.includes(value) ? [notSupported(field, value, supported)] : [];
}

function validateClientConfig(cc: JsonObject | undefined, field: string): FieldError[] {
  const url = optStrAt(cc, 'url');
  const service = objAt(cc, 'service');
  if ((url === undefined) === (service === undefined)) return [required(field, 'exactly one of url or service is required')];
  if (url !== undefined) return validateWebhookURL(child(field, 'url'), url);
  const svc = service ?? {};
  // Upstream passes (name, namespace) to ValidateWebhookService(fldPath, namespace, name, …); see webhook.ts.
  return validateWebhookService(child(field, 'service'), strAt(svc, 'name'), strAt(svc, 'namespace'), optStrAt(svc, 'path'), optNumAt(svc, 'port') ?? 443);
}

/** validateValidatingWebhook / validateMutatingWebhook, which differ only in reinvocationPolicy. */
function validateWebhook(hook: JsonObject, mutating: boolean, opts: Options, field: string): FieldError[] {
  const errs: FieldError[] = [...validateFullyQualifiedName(child(field, 'name'), strAt(hook, 'name'))];
  objsAt(hook, 'rules').forEach((rule, i) => errs.push(...validateRuleWithOperations(rule, index(child(field, 'rules'), i))));
  errs.push(...validateEnum(child(field, 'failurePolicy'), optStrAt(hook, 'failurePolicy'), FAILURE_POLICIES));
  errs.push(...validateEnum(child(field, 'matchPolicy'), optStrAt(hook, 'matchPolicy'), MATCH_POLICIES));
  const allowedSideEffects = opts.requireNoSideEffects ? NO_SIDE_EFFECT_CLASSES : ALL_SIDE_EFFECT_CLASSES;
  const sideEffects = optStrAt(hook, 'sideEffects');
  if (sideEffects === undefined) errs.push(required(child(field, 'sideEffects'), `must specify one of ${allowedSideEffects.join(', ')}`));
  else errs.push(...validateEnum(child(field, 'sideEffects'), sideEffects, allowedSideEffects));
  const timeout = optNumAt(hook, 'timeoutSeconds');
  if (timeout !== undefined && (timeout > 30 || timeout < 1)) errs.push(invalid(child(field, 'timeoutSeconds'), timeout, 'the timeout value must be between 1 and 30 seconds'));
  const selectorOpts = { allowInvalidLabelValueInSelector: opts.allowInvalidLabelValueInSelector };
  errs.push(...validateLabelSelector(child(field, 'namespaceSelector'), objAt(hook, 'namespaceSelector'), selectorOpts));
  errs.push(...validateLabelSelector(child(field, 'objectSelector'), objAt(hook, 'objectSelector'), selectorOpts));
  if (mutating) errs.push(...validateEnum(child(field, 'reinvocationPolicy'), optStrAt(hook, 'reinvocationPolicy'), REINVOCATION_POLICIES));
  errs.push(...validateClientConfig(objAt(hook, 'clientConfig'), child(field, 'clientConfig')));
  if (!opts.ignoreMatchConditions) errs.push(...validateMatchConditions(objsAt(hook, 'matchConditions'), child(field, 'matchConditions')));
  return errs;
}

function validateConfiguration(config: KubeObject, mutating: boolean, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  webhooksOf(config).forEach((hook, i) => {
    const field = index('webhooks', i);
    errs.push(...validateWebhook(hook, mutating, opts, field));
    errs.push(...validateAdmissionReviewVersions(strListAt(hook, 'admissionReviewVersions'), opts.requireRecognizedAdmissionReviewVersion, child(field, 'admissionReviewVersions')));
    const name = strAt(hook, 'name');
    if (opts.requireUniqueWebhookNames && name !== '') {
      if (names.has(name)) errs.push(duplicate(child(field, 'name'), name));
      else names.add(name);
    }
  });
  return errs;
}

// ---- update options: what the stored object already relied on stays allowed ----------------------------------

function updateOptions(config: KubeObject, old: KubeObject): Options {
  const next = webhooksOf(config);
  const prev = webhooksOf(old);
  const names = prev.map((h) => strAt(h, 'name'));
  return {
    ignoreMatchConditions: next.length === prev.length && prev.every((h, i) => jsonEqual(next[i]?.matchConditions ?? null, h.matchConditions ?? null)),
    requireNoSideEffects: prev.every((h) => NO_SIDE_EFFECT_CLASSES.includes(optStrAt(h, 'sideEffects') ?? '')),
    requireRecognizedAdmissionReviewVersion: prev.every((h) => {
      const versions = strListAt(h, 'admissionReviewVersions');
      return versions.length === 0 || versions.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(v));
    }),
    requireUniqueWebhookNames: new Set(names).size === names.length,
    allowInvalidLabelValueInSelector: prev.some((h) =>
      (['namespaceSelector', 'objectSelector'] as const).some((k) => has(h, k) && validateLabelSelector('', objAt(h, k)).length > 0),
    ),
  };
}

// ---- entry points -----------------------------------------------------------------------------------------

export function validateMutatingWebhookConfiguration(config: KubeObject): FieldError[] {
  return validateConfiguration(config, true, CREATE);
}

export function validateMutatingWebhookConfigurationUpdate(config: KubeObject, old: KubeObject): FieldError[] {
  return validateConfiguration(config, true, updateOptions(config, old));
}

export function validateValidatingWebhookConfiguration(config: KubeObject): FieldError[] {
  return validateConfiguration(config, false, CREATE);
}

export function validateValidatingWebhookConfigurationUpdate(config: KubeObject, old: KubeObject): FieldError[] {
  return validateConfiguration(config, false, updateOptions(config, old));
}
