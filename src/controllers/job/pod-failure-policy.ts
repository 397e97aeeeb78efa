/**
 * Matching a failed pod against a Job's podFailurePolicy (pkg/controller/job/pod_failure_policy.go):
 * rules are tried in order; the first whose onExitCodes or onPodConditions requirement matches
 * decides the action.
 */
import type { ContainerStatus, JobSpec, Pod, PodFailurePolicyAction } from './job-types.js';

export interface PodFailurePolicyMatch {
  /** Set when a FailJob rule matched: the message of the Job's failure condition. */
  readonly failJobMessage?: string;
  /** Whether the failure counts against backoffLimit (and backoffLimitPerIndex): not for Ignore. */
  readonly countFailed: boolean;
  /** The matched rule's action, if any rule matched. */
  readonly action?: PodFailurePolicyAction;
}

const NO_MATCH: PodFailurePolicyMatch = { countFailed: true };

function matchingContainer(statuses: readonly ContainerStatus[] | undefined, req: NonNullable<JobSpec['podFailurePolicy']>['rules'][number]['onExitCodes']): ContainerStatus | undefined {
  if (!req) return undefined;
  for (const cs of statuses ?? []) {
    const terminated = cs.state?.terminated;
    // A container still terminating has no exit code to match.
    if (!terminated) continue;
    if (req.containerName && req.containerName !== cs.name) continue;
    if (terminated.exitCode === 0) continue;
    const listed = req.values.includes(terminated.exitCode);
    if ((req.operator === 'In' && listed) || (req.operator === 'NotIn' && !listed)) return cs;
  }
  return undefined;
}

export function matchPodFailurePolicy(spec: JobSpec, pod: Pod): PodFailurePolicyMatch {
  const rules = spec.podFailurePolicy?.rules;
  if (!rules) return NO_MATCH;
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    let failJobMessage: string | undefined;
    if (rule.onExitCodes) {
      const cs = matchingContainer(pod.status?.containerStatuses, rule.onExitCodes) ?? matchingContainer(pod.status?.initContainerStatuses, rule.onExitCodes);
      if (!cs) continue;
      failJobMessage = `Container ${cs.name} for pod ${ns}/${name} failed with exit code ${cs.state?.terminated?.exitCode ?? 0} matching ${rule.action} rule at index ${i}`;
    } else if (rule.onPodConditions) {
      const patterns = rule.onPodConditions;
      const cond = pod.status?.conditions?.find((c) => patterns.some((p) => p.type === c.type && (p.status ?? 'True') === c.status));
      if (!cond) continue;
      failJobMessage = `Pod ${ns}/${name} has condition ${cond.type} matching ${rule.action} rule at index ${i}`;
    } else continue;
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore' };
      case 'FailIndex':
        return { countFailed: true, action: 'FailIndex' };
      case 'Count':
        return { countFailed: true, action: 'Count' };
      case 'FailJob':
        return { failJobMessage, countFailed: true, action: 'FailJob' };
    }
  }
  return NO_MATCH;
}
