/**
 * RBAC PolicyRules: matching a request against a rule, and whether one set of rules covers
 * another (the escalation check). Semantics follow upstream's
 * plugin/pkg/auth/authorizer/rbac/rbac.go (RuleAllows) and
 * pkg/apis/rbac/v1/evaluation_helpers.go / pkg/registry/rbac/validation (Covers).
 */
import type { AuthorizationAttributes } from '../authorizer.js';

export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

const ALL = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes(ALL) || rule.verbs.includes(verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  const groups = rule.apiGroups ?? [];
  return groups.includes(ALL) || groups.includes(group);
}

/** `pods`, `pods/log`, `*` and `*\/log` (any resource's `log` subresource). */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string | undefined): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return name !== undefined && names.includes(name);
}

/** `*` matches every path; `/apis/*` every path under /apis/. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(a: Omit<AuthorizationAttributes, 'user'>, rule: PolicyRule): boolean {
  if (a.resource !== undefined) {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return verbMatches(rule, a.verb) && apiGroupMatches(rule, a.group ?? '') && resourceMatches(rule, combined, a.subresource) && resourceNameMatches(rule, a.name);
  }
  return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path ?? '');
}

/**
 * Splits rules into rules of one verb × group × resource × name (or verb × URL), the unit the
 * coverage check compares.
 */
function atomicRules(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
        else for (const name of names) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
      }
    }
  }
  return out;
}

function has(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).includes(ALL) || (list ?? []).includes(value);
}

/** Whether `owner` grants everything one atomic rule grants (upstream's ruleCovers). */
function ruleCovers(owner: PolicyRule, atom: PolicyRule): boolean {
  if (!has(owner.verbs, atom.verbs[0])) return false;
  if (atom.nonResourceURLs && atom.nonResourceURLs.length > 0) {
    const url = atom.nonResourceURLs[0];
    return (owner.nonResourceURLs ?? []).some((u) => u === ALL || u === url || (u.endsWith('*') && url.startsWith(u.slice(0, -1))));
  }
  const group = atom.apiGroups?.[0] ?? '';
  const resource = atom.resources?.[0] ?? '';
  if (!has(owner.apiGroups, group)) return false;
  const resourceOk = (owner.resources ?? []).some((r) => {
    if (r === ALL || r === resource) return true;
    // `pods/*` covers `pods/log`; `*/scale` covers `deployments/scale`.
    const slash = resource.indexOf('/');
    if (slash < 0) return false;
    return r === `${resource.slice(0, slash)}/*` || r === `*/${resource.slice(slash + 1)}`;
  });
  if (!resourceOk) return false;
  const ownerNames = owner.resourceNames ?? [];
  if (ownerNames.length === 0) return true;
  const names = atom.resourceNames ?? [];
  return names.length > 0 && names.every((n) => ownerNames.includes(n));
}

/** The rules of `requested` that `owner` does not grant (empty: owner covers requested). */
export function uncoveredRules(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of requested) for (const atom of atomicRules(rule)) if (!owner.some((o) => ruleCovers(o, atom))) missing.push(atom);
  return missing;
}

/** Reads `rules` from an object (Role/ClusterRole), keeping only well-formed entries. */
export function rulesOf(obj: object): PolicyRule[] {
  const raw = (obj as { rules?: unknown }).rules;
  if (!Array.isArray(raw)) return [];
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const out: PolicyRule[] = [];
  for (const r of raw as unknown[]) {
    if (typeof r !== 'object' || r === null) continue;
    const o = r as Record<string, unknown>;
    out.push({ verbs: strings(o.verbs) ?? [], apiGroups: strings(o.apiGroups), resources: strings(o.resources), resourceNames: strings(o.resourceNames), nonResourceURLs: strings(o.nonResourceURLs) });
  }
  return out;
}

/** A rule as upstream prints it in escalation errors: {APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}. */
export function describeRule(r: PolicyRule): string {
  const q = (l: readonly string[] | undefined) => `[${(l ?? []).map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
