/**
 * The discovery priorities kube-apiserver 1.32 gives the APIServices it registers for itself, as data.
 *
 * Upstream's autoregistration (pkg/controlplane/apiserver/aggregator.go apiServicesToRegister / makeAPIService) creates
 * one local APIService (no spec.service) per group version the API server serves, named `<version>.<group>`, with the
 * priorities of its `apiVersionPriorities` table (DefaultGenericAPIServicePriorities merged with the kube-apiserver
 * entries in cmd/kube-apiserver/app/aggregator.go). A built-in group version missing from the table gets no APIService
 * at all ("Skipping APIService creation"); apiServicePriority falls back to the discovery default for it, and
 * builtinAPIServicePriority tells the two cases apart. The CRD registration controller
 * (pkg/controlplane/controller/crdregistration) gives every served CRD version 1000/100.
 *
 * The table holds the group versions kube-apiserver 1.32 serves by default (its GA versions); upstream's map also
 * lists alpha and beta versions that are off by default, left out here. metrics.k8s.io is not kube-apiserver's: its
 * entry is what metrics-server's manifest registers (manifests/base/apiservice.yaml), which lite serves in-process.
 *
 * Discovery order follows from these numbers: groups by their highest groupPriorityMinimum, higher first, ties by
 * name; versions within a group by versionPriority, ties by Kubernetes version order. The aggregator's own group,
 * apiregistration.k8s.io, has no APIService: legacy /apis lists it first ("it's good to be king", handler_apis.go),
 * aggregated discovery gives it the resource manager's default priority 1000/15.
 */
import { compareKubeAwareVersions } from './crd/crd-version-info.js';

export interface APIServicePriority {
  /** spec.groupPriorityMinimum: the group's rank in discovery, higher first. */
  readonly groupPriorityMinimum: number;
  /** spec.versionPriority: the version's rank within its group, higher first. */
  readonly versionPriority: number;
}

/** Who serves a group version: kube-apiserver's own code, or a CustomResourceDefinition. */
export type APIServiceSource = 'builtin' | 'crd';

const priority = (groupPriorityMinimum: number, versionPriority: number): APIServicePriority => Object.freeze({ groupPriorityMinimum, versionPriority });

/** Keyed by `<group>/<version>` (`/v1` for the core group). */
const BUILTIN_PRIORITIES: ReadonlyMap<string, APIServicePriority> = new Map([
  ['/v1', priority(18000, 1)],
  ['apps/v1', priority(17800, 15)],
  ['events.k8s.io/v1', priority(17750, 15)],
  ['authentication.k8s.io/v1', priority(17700, 15)],
  ['authorization.k8s.io/v1', priority(17600, 15)],
  ['autoscaling/v2', priority(17500, 30)],
  ['autoscaling/v1', priority(17500, 15)],
  ['batch/v1', priority(17400, 15)],
  ['certificates.k8s.io/v1', priority(17300, 15)],
  ['networking.k8s.io/v1', priority(17200, 15)],
  ['policy/v1', priority(17100, 15)],
  ['rbac.authorization.k8s.io/v1', priority(17000, 15)],
  ['storage.k8s.io/v1', priority(16800, 15)],
  ['admissionregistration.k8s.io/v1', priority(16700, 15)],
  ['apiextensions.k8s.io/v1', priority(16700, 15)],
  ['scheduling.k8s.io/v1', priority(16600, 15)],
  ['coordination.k8s.io/v1', priority(16500, 15)],
  ['node.k8s.io/v1', priority(16300, 15)],
  ['discovery.k8s.io/v1', priority(16200, 15)],
  ['flowcontrol.apiserver.k8s.io/v1', priority(16100, 21)],
  ['metrics.k8s.io/v1beta1', priority(100, 100)],
]);

/** CRDs "should have relatively low priority" (crdregistration_controller.go). */
const CRD_PRIORITY = priority(1000, 100);

/**
 * What aggregated discovery ranks a group version by when nothing set its priority (the resource manager's default in
 * apiserver pkg/endpoints/discovery/aggregated/handler.go): the aggregator's own apiregistration.k8s.io gets this.
 */
export const DISCOVERY_DEFAULT_PRIORITY: APIServicePriority = priority(1000, 15);

/** The table entry of a built-in group version, undefined when upstream's table has none (it then registers no APIService). */
export function builtinAPIServicePriority(group: string, version: string): APIServicePriority | undefined {
  return BUILTIN_PRIORITIES.get(`${group}/${version}`);
}

/**
 * The priorities of the APIService for a group version: 1000/100 for CRD-served ones; the table's for built-in ones,
 * or, for a built-in group version the table lacks, the discovery default 1000/15 (upstream would register no
 * APIService for it: callers that follow it to the letter check builtinAPIServicePriority first).
 */
export function apiServicePriority(group: string, version: string, source: APIServiceSource): APIServicePriority {
  if (source === 'crd') return CRD_PRIORITY;
  return builtinAPIServicePriority(group, version) ?? DISCOVERY_DEFAULT_PRIORITY;
}

/**
 * The APIService name of a group version: `<version>.<group>`, so `v1.` (trailing dot) for the core group, as
 * makeAPIService names it and as validation requires (`spec.version+"."+spec.group`).
 */
export function apiServiceName(group: string, version: string): string {
  return `${version}.${group}`;
}

/** One group version and the priorities of its APIService. */
export interface GroupVersionPriority {
  readonly group: string;
  readonly version: string;
  readonly priority: APIServicePriority;
}

/**
 * Discovery order (< 0 when `a` comes first): higher groupPriorityMinimum first, then group name, then higher
 * versionPriority, then Kubernetes version order (v2 before v1 before v1beta1). Legacy /apis breaks group ties by
 * APIService name (helpers.go ByGroupPriorityMinimum), aggregated discovery by group name; both agree on the table.
 */
export function compareGroupVersionPriority(a: GroupVersionPriority, b: GroupVersionPriority): number {
  if (a.priority.groupPriorityMinimum !== b.priority.groupPriorityMinimum) return b.priority.groupPriorityMinimum - a.priority.groupPriorityMinimum;
  if (a.group !== b.group) return a.group < b.group ? -1 : 1;
  if (a.priority.versionPriority !== b.priority.versionPriority) return b.priority.versionPriority - a.priority.versionPriority;
  return compareKubeAwareVersions(b.version, a.version);
}

/** Every built-in group version of the table with its priorities, in discovery order. */
export function builtinAPIServicePriorities(): GroupVersionPriority[] {
  return [...BUILTIN_PRIORITIES]
    .map(([key, p]): GroupVersionPriority => {
      const slash = key.indexOf('/');
      return { group: key.slice(0, slash), version: key.slice(slash + 1), priority: p };
    })
    .sort(compareGroupVersionPriority);
}
