import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { builtinStrategies } from './index.js';
import { createErrors, defaulted, statusErrors, updateErrors } from './testing/validation-harness.js';

function deployment(spec: Record<string, unknown> = {}, name = 'web'): Record<string, unknown> {
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
      ...spec,
    },
  };
}

describe('Deployment', () => {
  it('accepts kubectl-style deployments', () => {
    expect(createErrors('Deployment.apps', deployment())).toEqual([]);
  });

  it('produces the 422 message kubectl shows (notes §7)', () => {
    const d = defaulted('Deployment.apps', deployment({ replicas: -1, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx' }] } } }, 'bad'));
    const errs = builtinStrategies['Deployment.apps'].validate?.(d) ?? [];
    const status = ApiError.invalid({ group: 'apps', kind: 'Deployment' }, 'bad', errs).toStatus();
    expect(status.message).toBe('Deployment.apps "bad" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].image: Required value]');
    expect(status.details?.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[0].image' },
    ]);
  });

  it('requires the selector to match the template labels', () => {
    expect(createErrors('Deployment.apps', deployment({ selector: { matchLabels: { app: 'other' } } }))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(createErrors('Deployment.apps', deployment({ selector: undefined }))).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(createErrors('Deployment.apps', deployment({ selector: {} }))).toEqual(['spec.selector: Invalid value: {}: empty selector is invalid for deployment']);
  });

  it('checks the rollout strategy and progress deadline', () => {
    expect(createErrors('Deployment.apps', deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ]);
    expect(createErrors('Deployment.apps', deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%', maxSurge: 'x' } } }))).toEqual([
      `spec.strategy.rollingUpdate.maxSurge: Invalid value: "x": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    ]);
    expect(createErrors('Deployment.apps', deployment({ strategy: { type: 'Recreate', rollingUpdate: {} } }))).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    expect(createErrors('Deployment.apps', deployment({ minReadySeconds: 700 }))).toEqual(['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds']);
    expect(createErrors('Deployment.apps', deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }))).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
  });

  it('keeps the selector immutable and checks status counters', () => {
    const old = deployment();
    const next = deployment({ selector: { matchLabels: { app: 'web', tier: 'x' } }, template: { metadata: { labels: { app: 'web', tier: 'x' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } });
    expect(updateErrors('Deployment.apps', next, old)).toEqual(['spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable']);
    expect(updateErrors('Deployment.apps', deployment({ replicas: 5 }), old)).toEqual([]);
    expect(statusErrors('Deployment.apps', { ...old, status: { replicas: 1, readyReplicas: 2, collisionCount: 0 } }, { ...old, status: { collisionCount: 1 } })).toEqual([
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.collisionCount: Invalid value: 0: cannot be decremented',
    ]);
  });
});

describe('ReplicaSet and ReplicationController', () => {
  it('validate like deployments', () => {
    const rs = { metadata: { name: 'rs', namespace: 'default' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    expect(createErrors('ReplicaSet.apps', rs)).toEqual([]);
    expect(statusErrors('ReplicaSet.apps', { ...rs, status: { replicas: 1, availableReplicas: 1, readyReplicas: 0 } }, rs)).toEqual(['status.availableReplicas: Invalid value: 1: cannot be greater than readyReplicas']);
    const rc = { metadata: { name: 'rc', namespace: 'default' }, spec: { selector: { a: 'c' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    expect(createErrors('ReplicationController', rc)).toEqual(['spec.template.metadata.labels: Invalid value: {"a":"b"}: `selector` does not match template `labels`']);
  });
});

describe('StatefulSet', () => {
  const sts = {
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };

  it('accepts a typical statefulset and checks its policies', () => {
    expect(createErrors('StatefulSet.apps', sts)).toEqual([]);
    expect(createErrors('StatefulSet.apps', { ...sts, spec: { ...sts.spec, podManagementPolicy: 'Random', updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } } })).toEqual([
      `spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`,
      `spec.updateStrategy.rollingUpdate: Invalid value: {"partition":1}: only allowed for updateStrategy 'RollingUpdate'`,
    ]);
  });

  it('forbids updates outside the mutable fields with the upstream message', () => {
    const next = { ...sts, spec: { ...sts.spec, replicas: 3, serviceName: 'other' } };
    expect(updateErrors('StatefulSet.apps', next, sts)).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
    expect(updateErrors('StatefulSet.apps', { ...sts, spec: { ...sts.spec, replicas: 3, minReadySeconds: 5 } }, sts)).toEqual([]);
  });
});

describe('DaemonSet', () => {
  const ds = { metadata: { name: 'ds', namespace: 'kube-system' }, spec: { selector: { matchLabels: { k: 'v' } }, template: { metadata: { labels: { k: 'v' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };

  it('accepts the defaulted form and checks the rolling update parameters', () => {
    expect(createErrors('DaemonSet.apps', ds)).toEqual([]);
    expect(createErrors('DaemonSet.apps', { ...ds, spec: { ...ds.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } } })).toEqual([
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
    ]);
    expect(createErrors('DaemonSet.apps', { ...ds, spec: { ...ds.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } } })).toEqual([
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
    ]);
  });
});

describe('Job', () => {
  const job = {
    metadata: { name: 'pi', namespace: 'default', uid: 'u1' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } },
  };

  function generated(): Record<string, unknown> {
    const j = defaulted('Job.batch', job) as Record<string, unknown>;
    const spec = j.spec as Record<string, unknown>;
    const labels = { 'batch.kubernetes.io/controller-uid': 'u1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u1', 'job-name': 'pi' };
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } };
    (spec.template as Record<string, unknown>).metadata = { creationTimestamp: null, labels };
    return j;
  }

  it('accepts a job with a generated selector', () => {
    expect(createErrors('Job.batch', generated())).toEqual([]);
  });

  it('requires OnFailure/Never and the selector', () => {
    const bad = { ...job, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } } };
    // A nil selector also selects nothing, so upstream reports the label mismatch as well.
    expect(createErrors('Job.batch', bad)).toEqual([
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`',
    ]);
  });

  it('checks the generated labels', () => {
    const j = generated();
    ((j.spec as Record<string, unknown>).template as { metadata: { labels: Record<string, string> } }).metadata.labels['job-name'] = 'other';
    expect(createErrors('Job.batch', j)).toEqual([
      `spec.template.metadata.labels[job-name]: Invalid value: {"batch.kubernetes.io/controller-uid":"u1","batch.kubernetes.io/job-name":"pi","controller-uid":"u1","job-name":"other"}: must be 'pi'`,
    ]);
    const noUid = generated();
    (noUid.metadata as Record<string, unknown>).uid = '';
    expect(createErrors('Job.batch', noUid)[0]).toBe('metadata.uid: Required value');
  });

  it('keeps the template, selector and completions immutable', () => {
    const old = generated();
    const next = structuredClone(old);
    const spec = next.spec as Record<string, unknown>;
    spec.completions = 3;
    ((spec.template as { spec: { containers: Array<{ image: string }> } }).spec.containers[0]).image = 'perl:5';
    const errs = updateErrors('Job.batch', next, old);
    expect(errs[0]).toBe('spec.completions: Invalid value: 3: field is immutable');
    expect(errs[1]).toMatch(/^spec\.template: Invalid value: \{.*\}: field is immutable$/);
    expect(errs).toHaveLength(2);
  });

  it('allows scheduling directives to change on suspended jobs that never started', () => {
    const old = generated();
    (old.spec as Record<string, unknown>).suspend = true;
    const next = structuredClone(old);
    ((next.spec as Record<string, unknown>).template as { spec: Record<string, unknown> }).spec.nodeSelector = { zone: 'a' };
    expect(updateErrors('Job.batch', next, old)).toEqual([]);
  });

  it('validates status updates', () => {
    const old = { ...generated(), status: { succeeded: 2 } };
    expect(statusErrors('Job.batch', { ...old, status: { succeeded: 1, active: 1, ready: 2 } }, old)).toEqual([
      'status.ready: Invalid value: 2: cannot set more ready pods than active',
      'status.succeeded: Invalid value: 1: cannot decrease the succeeded counter',
    ]);
  });
});

describe('CronJob', () => {
  const cj = {
    metadata: { name: 'nightly', namespace: 'default' },
    spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } },
  };

  it('accepts a valid cronjob', () => {
    expect(createErrors('CronJob.batch', cj)).toEqual([]);
    expect(createErrors('CronJob.batch', { ...cj, spec: { ...cj.spec, timeZone: 'Europe/Berlin' } })).toEqual([]);
  });

  it('reports schedule, time zone and name problems', () => {
    expect(createErrors('CronJob.batch', { ...cj, spec: { ...cj.spec, schedule: '0 3 * *' } })).toEqual(['spec.schedule: Invalid value: "0 3 * *": expected exactly 5 fields, found 4: [0 3 * *]']);
    expect(createErrors('CronJob.batch', { ...cj, spec: { ...cj.spec, schedule: 'TZ=UTC 0 3 * * *' } })).toEqual([
      'spec.schedule: Invalid value: "TZ=UTC 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
    expect(createErrors('CronJob.batch', { ...cj, spec: { ...cj.spec, timeZone: 'Mars/Olympus' } })).toEqual(['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
    expect(createErrors('CronJob.batch', { ...cj, spec: { ...cj.spec, timeZone: 'Local' } })).toEqual([
      'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
    ]);
    const long = 'x'.repeat(53);
    expect(createErrors('CronJob.batch', { ...cj, metadata: { name: long, namespace: 'default' } })).toEqual([`metadata.name: Invalid value: "${long}": must be no more than 52 characters`]);
    expect(createErrors('CronJob.batch', { ...cj, spec: { ...cj.spec, concurrencyPolicy: 'Sometimes', jobTemplate: { spec: { ...cj.spec.jobTemplate.spec, selector: { matchLabels: { a: 'b' } } } } } })).toEqual([
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
    ]);
  });
});
