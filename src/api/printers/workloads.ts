/**
 * Tables of workload kinds (printers.go 1.32): ReplicationController, ReplicaSet, Deployment,
 * StatefulSet, DaemonSet, Job, CronJob, PodTemplate, ControllerRevision,
 * HorizontalPodAutoscaler (autoscaling/v1 and v2 shapes) and PodDisruptionBudget.
 *
 * Replica counts default to 1 when `spec.replicas` is absent, which is what the served
 * (defaulted) objects always carry.
 */
import type { KubeObject } from '../object.js';
import { parseApiVersion } from '../object.js';
import { formatLabelSelector, formatLabels, labelSelectorFromObject } from '../selectors/label-selector.js';
import {
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  NAME_COLUMN,
  ageOf,
  arr,
  at,
  boolPtrText,
  column,
  containerCells,
  conditionTrue,
  int,
  intOrStringText,
  isNil,
  nameOf,
  printer,
  quantityText,
  rec,
  str,
  strMap,
} from './common.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './time.js';

function replicas(v: unknown): number {
  return typeof v === 'number' ? Math.trunc(v) : 1;
}

const SELECTOR_COLUMN = column('Selector', 'string', 'Label selector for the pods this object manages.', { priority: 1 });

/** ReplicationControllers and ReplicaSets print alike; only their selector types differ. */
function replicaControllerPrinter(selectorText: (selector: unknown) => string) {
  return printer(
    [
      NAME_COLUMN,
      column('Desired', 'integer', 'Number of pods requested.'),
      column('Current', 'integer', 'Number of pods currently existing.'),
      column('Ready', 'integer', 'Number of pods that are ready.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      SELECTOR_COLUMN,
    ],
    (o, now) => {
      const [names, images] = containerCells(at(o, 'spec', 'template', 'spec', 'containers'));
      return [
        nameOf(o),
        replicas(at(o, 'spec', 'replicas')),
        int(at(o, 'status', 'replicas')),
        int(at(o, 'status', 'readyReplicas')),
        ageOf(o, now),
        names,
        images,
        selectorText(at(o, 'spec', 'selector')),
      ];
    },
  );
}

export const replicationControllerTablePrinter = replicaControllerPrinter((selector) => formatLabels(strMap(selector)));
export const replicaSetTablePrinter = replicaControllerPrinter(formatLabelSelector);

/** Deployments print their selector unformatted: "" for a nil selector, "<invalid>" on error. */
function deploymentSelector(sel: unknown): string {
  try {
    return labelSelectorFromObject(sel).toString();
  } catch {
    return '<invalid>';
  }
}

export const deploymentTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Ready', 'string', 'Ready pods out of the desired number.'),
    column('Up-to-date', 'string', 'Pods running the latest pod template.'),
    column('Available', 'string', 'Pods available to serve (ready for at least minReadySeconds).'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  (o, now) => {
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec', 'containers'));
    return [
      nameOf(o),
      `${int(at(o, 'status', 'readyReplicas'))}/${replicas(at(o, 'spec', 'replicas'))}`,
      int(at(o, 'status', 'updatedReplicas')),
      int(at(o, 'status', 'availableReplicas')),
      ageOf(o, now),
      names,
      images,
      deploymentSelector(at(o, 'spec', 'selector')),
    ];
  },
);

export const statefulSetTablePrinter = printer(
  [NAME_COLUMN, column('Ready', 'string', 'Ready pods out of the desired number.'), AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN],
  (o, now) => {
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec', 'containers'));
    return [nameOf(o), `${int(at(o, 'status', 'readyReplicas'))}/${replicas(at(o, 'spec', 'replicas'))}`, ageOf(o, now), names, images];
  },
);

export const daemonSetTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Desired', 'integer', 'Number of nodes that should run the daemon pod.'),
    column('Current', 'integer', 'Number of nodes running at least one daemon pod.'),
    column('Ready', 'integer', 'Number of nodes whose daemon pod is ready.'),
    column('Up-to-date', 'integer', 'Number of nodes running the latest pod template.'),
    column('Available', 'integer', 'Number of nodes whose daemon pod is available.'),
    column('Node Selector', 'string', 'Node labels a node must have to run the daemon pod.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  (o, now) => {
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec', 'containers'));
    const s = (k: string) => int(at(o, 'status', k));
    return [
      nameOf(o),
      s('desiredNumberScheduled'),
      s('currentNumberScheduled'),
      s('numberReady'),
      s('updatedNumberScheduled'),
      s('numberAvailable'),
      formatLabels(strMap(at(o, 'spec', 'template', 'spec', 'nodeSelector'))),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(at(o, 'spec', 'selector')),
    ];
  },
);

function jobStatus(o: KubeObject): string {
  if (conditionTrue(o, 'Complete')) return 'Complete';
  if (conditionTrue(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (conditionTrue(o, 'Suspended')) return 'Suspended';
  if (conditionTrue(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(o: KubeObject): string {
  const succeeded = int(at(o, 'status', 'succeeded'));
  const completions = at(o, 'spec', 'completions');
  if (typeof completions === 'number') return `${succeeded}/${Math.trunc(completions)}`;
  const parallelism = int(at(o, 'spec', 'parallelism'));
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: KubeObject, now: number): string {
  const start = parseTimestamp(at(o, 'status', 'startTime'));
  if (start === undefined || Number.isNaN(start)) return '';
  const end = parseTimestamp(at(o, 'status', 'completionTime'));
  if (end === undefined || Number.isNaN(end)) return humanDuration(now - start);
  return humanDuration(end - start);
}

export const jobTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Status', 'string', 'State of the job, from its conditions.'),
    column('Completions', 'string', 'Succeeded pods out of the completions required.'),
    column('Duration', 'string', 'How long the job ran (or has been running).'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  (o, now) => {
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec', 'containers'));
    return [nameOf(o), jobStatus(o), jobCompletions(o), jobDuration(o, now), ageOf(o, now), names, images, formatLabelSelector(at(o, 'spec', 'selector'))];
  },
);

export const cronJobTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Schedule', 'string', 'Cron schedule of the job.'),
    column('Timezone', 'string', 'Time zone the schedule is evaluated in.'),
    column('Suspend', 'boolean', 'Whether new runs are suspended.'),
    column('Active', 'integer', 'Number of jobs currently running.'),
    column('Last Schedule', 'string', 'Time since a job was last scheduled.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  (o, now) => {
    const jobSpec = at(o, 'spec', 'jobTemplate', 'spec');
    const [names, images] = containerCells(at(jobSpec, 'template', 'spec', 'containers'));
    const last = at(o, 'status', 'lastScheduleTime');
    const tz = at(o, 'spec', 'timeZone');
    return [
      nameOf(o),
      str(at(o, 'spec', 'schedule')),
      typeof tz === 'string' ? tz : '<none>',
      boolPtrText(at(o, 'spec', 'suspend')),
      arr(at(o, 'status', 'active')).length,
      last === undefined || last === null ? '<none>' : translateTimestampSince(last, now),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(at(jobSpec, 'selector')),
    ];
  },
);

export const podTemplateTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Containers', 'string', 'Names of the containers in the template.'),
    column('Images', 'string', 'Images used by the containers in the template.'),
    column('Pod Labels', 'string', 'Labels of the pods created from the template.'),
  ],
  (o) => {
    const [names, images] = containerCells(at(o, 'template', 'spec', 'containers'));
    return [nameOf(o), names, images, formatLabels(strMap(at(o, 'template', 'metadata', 'labels')))];
  },
);

/** The controlling owner as `kind.group/name` in lower case (formatResourceName), or "<none>". */
function controllerOf(o: KubeObject): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const { group } = parseApiVersion(ref.apiVersion ?? '');
  const kind = ref.kind ?? '';
  if (kind === '' && group === '') return ref.name;
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${ref.name}`;
}

export const controllerRevisionTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Controller', 'string', 'The object that owns and controls this revision.'),
    column('Revision', 'string', 'Revision number of the stored state.'),
    AGE_COLUMN,
  ],
  (o, now) => [nameOf(o), controllerOf(o), int(at(o, 'revision')), ageOf(o, now)],
);

// ----- HorizontalPodAutoscaler --------------------------------------------------------------

interface MetricShapes {
  specs: readonly unknown[];
  statuses: readonly unknown[];
}

/** Reads autoscaling/v2 metrics, or synthesises them from the autoscaling/v1 CPU fields. */
function hpaMetrics(o: KubeObject): MetricShapes {
  const spec = rec(o.spec);
  const status = rec(o.status);
  if (spec.metrics !== undefined || !('targetCPUUtilizationPercentage' in spec)) {
    return { specs: arr(spec.metrics), statuses: arr(status.currentMetrics) };
  }
  const target = spec.targetCPUUtilizationPercentage;
  const current = status.currentCPUUtilizationPercentage;
  return {
    specs: typeof target === 'number' ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } }] : [],
    statuses: typeof current === 'number' ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }] : [],
  };
}

/** Quantity.String() of an optional *Quantity: Go prints "<nil>" for a nil pointer. */
function ptrQuantity(v: unknown): string {
  return isNil(v) ? '<nil>' : quantityText(v);
}

function formatHpaMetrics(specs: readonly unknown[], statuses: readonly unknown[]): string {
  if (specs.length === 0) return '<none>';
  const list: string[] = [];
  const max = 2;
  specs.forEach((spec, i) => {
    const st = i < statuses.length ? rec(statuses[i]) : undefined;
    switch (str(at(spec, 'type'))) {
      case 'External':
      case 'Object': {
        const field = str(at(spec, 'type')) === 'External' ? 'external' : 'object';
        const target = rec(at(spec, field, 'target'));
        const cur = st && !isNil(st[field]) ? rec(at(st[field], 'current')) : undefined;
        if (!isNil(target.averageValue)) {
          const current = cur && !isNil(cur.averageValue) ? quantityText(cur.averageValue) : '<unknown>';
          list.push(`${current}/${quantityText(target.averageValue)} (avg)`);
        } else {
          const current = cur ? ptrQuantity(cur.value) : '<unknown>';
          list.push(`${current}/${ptrQuantity(target.value)}`);
        }
        break;
      }
      case 'Pods': {
        const current = st && !isNil(st.pods) ? ptrQuantity(at(st.pods, 'current', 'averageValue')) : '<unknown>';
        list.push(`${current}/${ptrQuantity(at(spec, 'pods', 'target', 'averageValue'))}`);
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const field = str(at(spec, 'type')) === 'Resource' ? 'resource' : 'containerResource';
        const name = str(at(spec, field, 'name'));
        const target = rec(at(spec, field, 'target'));
        const cur = st && !isNil(st[field]) ? rec(at(st[field], 'current')) : undefined;
        if (!isNil(target.averageValue)) {
          const current = cur ? ptrQuantity(cur.averageValue) : '<unknown>';
          list.push(`${name}: ${current}/${quantityText(target.averageValue)}`);
        } else {
          const current = cur && typeof cur.averageUtilization === 'number' ? `${Math.trunc(cur.averageUtilization)}%` : '<unknown>';
          const want = typeof target.averageUtilization === 'number' ? `${Math.trunc(target.averageUtilization)}%` : '<auto>';
          list.push(`${name}: ${current}/${want}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const horizontalPodAutoscalerTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Reference', 'string', 'The scaled object, as kind/name.'),
    column('Targets', 'string', 'Current and target values of the metrics the autoscaler follows.'),
    column('MinPods', 'string', 'Lower bound on the number of replicas.'),
    column('MaxPods', 'string', 'Upper bound on the number of replicas.'),
    column('Replicas', 'string', 'Number of replicas the autoscaler last observed.'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const { specs, statuses } = hpaMetrics(o);
    const min = at(o, 'spec', 'minReplicas');
    return [
      nameOf(o),
      `${str(at(o, 'spec', 'scaleTargetRef', 'kind'))}/${str(at(o, 'spec', 'scaleTargetRef', 'name'))}`,
      formatHpaMetrics(specs, statuses),
      typeof min === 'number' ? String(Math.trunc(min)) : '<unset>',
      int(at(o, 'spec', 'maxReplicas')),
      int(at(o, 'status', 'currentReplicas')),
      ageOf(o, now),
    ];
  },
);

export const podDisruptionBudgetTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Min Available', 'string', 'Pods that must stay available during voluntary disruptions.'),
    column('Max Unavailable', 'string', 'Pods that may be unavailable during voluntary disruptions.'),
    column('Allowed Disruptions', 'integer', 'Pod disruptions currently allowed.'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const spec = rec(o.spec);
    return [
      nameOf(o),
      !isNil(spec.minAvailable) ? intOrStringText(spec.minAvailable) : 'N/A',
      !isNil(spec.maxUnavailable) ? intOrStringText(spec.maxUnavailable) : 'N/A',
      int(at(o, 'status', 'disruptionsAllowed')),
      ageOf(o, now),
    ];
  },
);

/** autoscaling/v1 Scale, what `kubectl get … --subresource=scale` prints (upstream printScale). */
export const scaleTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Desired', 'integer', 'replicas is the desired number of instances for the scaled object.'),
    column('Available', 'integer', 'replicas is the actual number of observed instances of the scaled object.'),
    AGE_COLUMN,
  ],
  (o, now) => [nameOf(o), int(at(o, 'spec', 'replicas')), int(at(o, 'status', 'replicas')), ageOf(o, now)],
);
