/**
 * Resource names and quantities (requests/limits, quotas, capacities): the helper predicates of
 * pkg/apis/core/helper and the checks of core validation's validateResourceRequirements family.
 */
import type { FieldError } from '../errors.js';
import { child, forbidden, index, invalid, IS_NEGATIVE, key, notFound, required } from './field-errors.js';
import { obj, type JsonObject } from '../json-access.js';
import { isQualifiedName } from './names.js';
import { compareQuantity, formatQuantity, isWholeQuantity, QUANTITY_FORMAT_ERROR, quantitySign, readQuantity, type Quantity } from '../schema/quantity.js';

const DEFAULT_NAMESPACE_PREFIX = 'kubernetes.io/';
const HUGEPAGES_PREFIX = 'hugepages-';
const REQUESTS_PREFIX = 'requests.';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);
const STANDARD_QUOTA_RESOURCES = new Set([
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'cpu',
  'memory',
  'ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith(HUGEPAGES_PREFIX);
}

function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith(HUGEPAGES_PREFIX) || name.startsWith(`${REQUESTS_PREFIX}${HUGEPAGES_PREFIX}`);
}

/** Unqualified names and kubernetes.io/ names are native resources. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes(DEFAULT_NAMESPACE_PREFIX);
}

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  return isQualifiedName(`${REQUESTS_PREFIX}${name}`).length === 0;
}

/** Native resources other than hugepages may be overcommitted (requests below limits). */
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

export function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}

export function isStandardQuotaResourceName(name: string): boolean {
  return STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

/** validateResourceName: qualified, and unqualified names must be standard. */
export function validateResourceName(field: string, name: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !(STANDARD_RESOURCES.has(name) || isQuotaHugePageResourceName(name))) {
    return [invalid(field, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

/** validateContainerResourceName: resource names allowed in container requests/limits. */
export function validateContainerResourceName(field: string, name: string): FieldError[] {
  const errs = validateResourceName(field, name);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePageResourceName(name)) return [...errs, invalid(field, name, 'must be a standard resource for containers')];
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    return [...errs, invalid(field, name, "doesn't follow extended resource name standard")];
  }
  return errs;
}

/** Parses a quantity member, reporting a format error when it does not parse. */
export function quantityAt(field: string, raw: unknown, errs: FieldError[]): Quantity | undefined {
  const q = readQuantity(raw);
  if (!q) errs.push(invalid(field, raw ?? null, QUANTITY_FORMAT_ERROR));
  return q;
}

/** ValidateResourceQuantityValue: non-negative, and whole for integer resources. */
export function validateResourceQuantityValue(field: string, resource: string, q: Quantity): FieldError[] {
  const errs: FieldError[] = [];
  if (quantitySign(q) < 0) errs.push(invalid(field, formatQuantity(q), IS_NEGATIVE));
  if (isIntegerResourceName(resource) && !isWholeQuantity(q)) errs.push(invalid(field, formatQuantity(q), 'must be an integer'));
  return errs;
}

/** ValidatePositiveQuantityValue. */
export function validatePositiveQuantity(field: string, q: Quantity): FieldError[] {
  return quantitySign(q) <= 0 ? [invalid(field, formatQuantity(q), 'must be greater than zero')] : [];
}

/** Hugepage sizes: the value must be a multiple of the page size named in the resource. */
function hugePageProblem(name: string, q: Quantity): string | undefined {
  const size = readQuantity(name.slice(name.lastIndexOf(HUGEPAGES_PREFIX) + HUGEPAGES_PREFIX.length));
  if (!size || size.nanos <= 0n) return undefined;
  return q.nanos % size.nanos === 0n ? undefined : `${formatQuantity(q)} is not positive integer multiple of ${name}`;
}

/**
 * ResourceRequirements of a container (or pod overhead): names, quantities, requests ≤ limits,
 * equal requests and limits for non-overcommittable resources, and claim references.
 */
export function validateResourceRequirements(field: string, requirements: JsonObject | undefined, podClaimNames: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const limPath = child(field, 'limits');
  const reqPath = child(field, 'requests');
  const limits = obj(requirements?.limits) ?? {};
  const requests = obj(requirements?.requests) ?? {};
  let limCpuMem = false;
  let reqCpuMem = false;
  let hugePages = false;
  const parsedLimits = new Map<string, Quantity>();
  for (const [name, raw] of Object.entries(limits)) {
    const p = key(limPath, name);
    errs.push(...validateContainerResourceName(p, name));
    const q = quantityAt(p, raw, errs);
    if (!q) continue;
    parsedLimits.set(name, q);
    errs.push(...validateResourceQuantityValue(p, name, q));
    if (isHugePageResourceName(name)) {
      hugePages = true;
      const problem = hugePageProblem(name, q);
      if (problem) errs.push(invalid(p, formatQuantity(q), problem));
    }
    if (name === 'cpu' || name === 'memory') limCpuMem = true;
  }
  for (const [name, raw] of Object.entries(requests)) {
    const p = key(reqPath, name);
    errs.push(...validateContainerResourceName(p, name));
    const q = quantityAt(p, raw, errs);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(p, name, q));
    const limit = parsedLimits.get(name);
    if (limit) {
      const cmp = compareQuantity(q, limit);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalid(reqPath, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(limit)}`));
      } else if (cmp > 0) {
        errs.push(invalid(reqPath, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`));
      }
    } else if (!(name in limits) && !isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResourceName(name)) {
      hugePages = true;
      const problem = hugePageProblem(name, q);
      if (problem) errs.push(invalid(p, formatQuantity(q), problem));
    }
    if (name === 'cpu' || name === 'memory') reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && hugePages) errs.push(forbidden(field, 'HugePages require cpu or memory'));
  errs.push(...validateResourceClaimNames(child(field, 'claims'), requirements, podClaimNames));
  return errs;
}

function validateResourceClaimNames(field: string, requirements: JsonObject | undefined, podClaimNames: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const claims = Array.isArray(requirements?.claims) ? requirements.claims : [];
  const seen = new Set<string>();
  claims.forEach((raw, i) => {
    const c = obj(raw) ?? {};
    const name = typeof c.name === 'string' ? c.name : '';
    const p = index(field, i);
    if (name === '') {
      errs.push(required(p));
      return;
    }
    const request = typeof c.request === 'string' ? c.request : '';
    const k = request ? `${name}/${request}` : name;
    if (seen.has(name) || seen.has(k)) errs.push({ type: 'FieldValueDuplicate', field: p, value: seen.has(name) ? name : k });
    seen.add(k);
    if (!podClaimNames.has(name)) {
      const detail = podClaimNames.size === 0 ? 'must be one of the names in pod.spec.resourceClaims which is empty' : `must be one of the names in pod.spec.resourceClaims: ${[...podClaimNames].sort().join(', ')}`;
      errs.push(notFound(p, name, detail));
    }
  });
  return errs;
}

/** A ResourceList (quota hard/used, capacity): names via `nameCheck`, non-negative quantities. */
export function validateResourceList(field: string, list: JsonObject | undefined, nameCheck: (field: string, name: string) => FieldError[]): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, raw] of Object.entries(list ?? {})) {
    const p = key(field, name);
    errs.push(...nameCheck(p, name));
    const q = quantityAt(p, raw, errs);
    if (q) errs.push(...validateResourceQuantityValue(p, name, q));
  }
  return errs;
}

/** Resource names permitted in a ResourceQuota. */
export function validateResourceQuotaResourceName(field: string, name: string): FieldError[] {
  const errs = validateResourceName(field, name);
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) errs.push(invalid(field, name, 'must be a standard resource for quota'));
  return errs;
}
