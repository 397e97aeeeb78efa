import { describe, expect, it } from 'vitest';
import { validateNamespaceFinalize } from './index.js';
import { createErrors, defaulted, render, statusErrors, updateErrors } from './testing/validation-harness.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('Secret', () => {
  const meta = { name: 's', namespace: 'default' };

  it('accepts opaque and well-formed typed secrets', () => {
    expect(createErrors('Secret', { metadata: meta, stringData: { password: 'x' } })).toEqual([]);
    expect(createErrors('Secret', { metadata: meta, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } })).toEqual([]);
    expect(createErrors('Secret', { metadata: meta, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } })).toEqual([]);
  });

  it('requires the keys of its type', () => {
    expect(createErrors('Secret', { metadata: meta, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } })).toEqual(['data[tls.key]: Required value']);
    expect(createErrors('Secret', { metadata: meta, type: 'kubernetes.io/basic-auth' })).toEqual(['data[username]: Required value', 'data[password]: Required value']);
    expect(createErrors('Secret', { metadata: meta, type: 'kubernetes.io/service-account-token' })).toEqual(['metadata.annotations[kubernetes.io/service-account.name]: Required value']);
    expect(createErrors('Secret', { metadata: meta, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('[1]') } })).toEqual([
      'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}',
    ]);
  });

  it('checks key names and the 1 MiB limit', () => {
    expect(createErrors('Secret', { metadata: meta, data: { 'bad/key': b64('x') } })).toEqual([
      `data[bad/key]: Invalid value: "bad/key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]);
    const big = Buffer.alloc(1024 * 1024 + 1, 1).toString('base64');
    expect(createErrors('Secret', { metadata: meta, data: { big } })).toEqual(['data: Too long: may not be more than 1048576 bytes']);
  });

  it('honours immutable secrets and the immutable type', () => {
    const old = defaulted('Secret', { metadata: meta, immutable: true, data: { a: b64('1') } });
    expect(updateErrors('Secret', { metadata: meta, immutable: true, data: { a: b64('2') } }, old)).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(updateErrors('Secret', { metadata: meta, data: { a: b64('1') } }, old)).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
    expect(updateErrors('Secret', { metadata: meta, type: 'kubernetes.io/tls', immutable: true, data: { a: b64('1'), 'tls.crt': '', 'tls.key': '' } }, old)).toContain(
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
    );
  });
});

describe('ConfigMap', () => {
  const meta = { name: 'cm', namespace: 'default' };

  it('checks keys, duplicates across data and binaryData, and size', () => {
    expect(createErrors('ConfigMap', { metadata: meta, data: { 'app.properties': 'a=b' }, binaryData: { blob: b64('x') } })).toEqual([]);
    expect(createErrors('ConfigMap', { metadata: meta, data: { x: '1', '..': '2' }, binaryData: { x: b64('y') } })).toEqual([
      'data[x]: Invalid value: "x": duplicate of key present in binaryData',
      `data[..]: Invalid value: "..": must not be '..'`,
    ]);
    expect(createErrors('ConfigMap', { metadata: meta, data: { a: 'x'.repeat(1024 * 1024 + 1) } })).toEqual([': Too long: may not be more than 1048576 bytes']);
  });

  it('honours immutable config maps', () => {
    const old = { metadata: meta, immutable: true, data: { a: '1' } };
    expect(updateErrors('ConfigMap', { ...old, data: { a: '2' } }, old)).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(updateErrors('ConfigMap', { ...old }, old)).toEqual([]);
  });
});

describe('Namespace', () => {
  it('checks spec finalizers and status phase', () => {
    expect(createErrors('Namespace', { metadata: { name: 'team' }, spec: { finalizers: ['kubernetes'] } })).toEqual([]);
    expect(createErrors('Namespace', { metadata: { name: 'team' }, spec: { finalizers: ['nope'] } })).toEqual([
      'spec.finalizers: Invalid value: "nope": name is neither a standard finalizer name nor is it fully qualified',
    ]);
    const ns = defaulted('Namespace', { metadata: { name: 'team' } });
    expect(statusErrors('Namespace', { ...ns, status: { phase: 'Terminating' } }, ns)).toEqual([`status.Phase: Invalid value: "Terminating": may only be 'Active' if \`deletionTimestamp\` is empty`]);
    expect(render(validateNamespaceFinalize({ metadata: { name: 'team' }, spec: { finalizers: ['x'] } }))).toEqual([
      'spec.finalizers[0]: Invalid value: "x": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });
});

describe('Node', () => {
  it('checks taints (reported under metadata.taints, as upstream does), capacity and pod CIDRs', () => {
    const node = { metadata: { name: 'n1' }, spec: { podCIDRs: ['10.42.0.0/24'], taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }, status: { capacity: { cpu: '4', pods: '110' } } };
    expect(createErrors('Node', node)).toEqual([]);
    expect(createErrors('Node', { ...node, spec: { podCIDRs: ['10.42.0.0/24', '10.43.0.0/24'], taints: [{ key: 'a', effect: 'Sometimes' }, { key: 'b', effect: 'NoSchedule' }, { key: 'b', effect: 'NoSchedule' }] } })).toEqual([
      'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'metadata.taints[2]: Duplicate value: {"key":"b","effect":"NoSchedule"}: taints must be unique by key and effect pair',
      'spec.podCIDRs: Invalid value: ["10.42.0.0/24","10.43.0.0/24"]: may specify no more than one CIDR for each IP family',
    ]);
  });

  it('keeps pod CIDRs and provider IDs once set', () => {
    const old = { metadata: { name: 'n1' }, spec: { podCIDRs: ['10.42.0.0/24'], providerID: 'lite://n1' } };
    expect(updateErrors('Node', { metadata: { name: 'n1' }, spec: { podCIDRs: ['10.42.1.0/24'], providerID: 'x' } }, old)).toEqual([
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
      'spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
    ]);
  });
});

describe('PersistentVolume and PersistentVolumeClaim', () => {
  it('validates PV specs', () => {
    const pv = { metadata: { name: 'pv1' }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } };
    expect(createErrors('PersistentVolume', pv)).toEqual([]);
    expect(createErrors('PersistentVolume', { metadata: { name: 'pv1' }, spec: { accessModes: ['ReadWriteSometimes'], local: { path: '/mnt' } } })).toEqual([
      'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.capacity: Required value',
      'spec.capacity: Unsupported value: {}: supported values: "storage"',
      'spec.nodeAffinity: Required value: Local volume requires node affinity',
    ]);
    const changed = { ...pv, spec: { ...pv.spec, hostPath: { path: '/other' } } };
    expect(updateErrors('PersistentVolume', changed, pv)).toEqual(['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation']);
  });

  it('validates PVC specs and their immutability', () => {
    const pvc = { metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    expect(createErrors('PersistentVolumeClaim', pvc)).toEqual([]);
    expect(createErrors('PersistentVolumeClaim', { metadata: pvc.metadata, spec: { resources: { requests: { storage: '0' } } } })).toEqual([
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]);
    expect(updateErrors('PersistentVolumeClaim', { ...pvc, spec: { ...pvc.spec, accessModes: ['ReadWriteMany'] } }, pvc)).toEqual([
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
    expect(updateErrors('PersistentVolumeClaim', { ...pvc, spec: { ...pvc.spec, volumeName: 'pv1' } }, pvc)).toEqual([]);
    const bound = { ...pvc, status: { phase: 'Bound' } };
    expect(updateErrors('PersistentVolumeClaim', { ...bound, spec: { ...pvc.spec, resources: { requests: { storage: '2Gi' } } } }, bound)).toEqual([]);
  });
});

describe('LimitRange and ResourceQuota', () => {
  it('validates limit ranges', () => {
    expect(createErrors('LimitRange', { metadata: { name: 'l', namespace: 'default' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' } }] } })).toEqual([
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
      'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
    ]);
    expect(createErrors('LimitRange', { metadata: { name: 'l', namespace: 'default' }, spec: { limits: [{ type: 'Pod', default: { cpu: '1' } }] } })).toEqual([
      "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
    ]);
  });

  it('validates quotas and keeps scopes immutable', () => {
    const rq = { metadata: { name: 'q', namespace: 'default' }, spec: { hard: { pods: '10', 'requests.cpu': '4', 'count/deployments.apps': '5' } } };
    expect(createErrors('ResourceQuota', rq)).toEqual([]);
    expect(createErrors('ResourceQuota', { ...rq, spec: { hard: { pods: '1.5', widgets: '1' } } })).toEqual([
      'spec.hard[pods]: Invalid value: "1500m": must be an integer',
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
    ]);
    expect(updateErrors('ResourceQuota', { ...rq, spec: { ...rq.spec, scopes: ['BestEffort'] } }, rq)).toEqual([
      'spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource',
      'spec.scopes: Invalid value: ["BestEffort"]: field is immutable',
    ]);
  });
});

describe('Events', () => {
  it('applies the lenient core/v1 rules', () => {
    const ev = { metadata: { name: 'web.17a', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Started', type: 'Normal' };
    expect(createErrors('Event', ev)).toEqual([]);
    expect(createErrors('Event', { ...ev, involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' } })).toEqual(['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
    expect(createErrors('Event', { ...ev, eventTime: '2024-01-01T00:00:00.000000Z' })).toEqual([
      'reportingComponent: Required value',
      `reportingComponent: Invalid value: "": name part must be non-empty`,
      `reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      'reportingInstance: Required value',
      'action: Required value',
    ]);
  });

  it('applies the strict events.k8s.io/v1 rules', () => {
    const ev = {
      metadata: { name: 'e', namespace: 'default' },
      eventTime: '2024-01-01T00:00:00.000000Z',
      regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
      reportingController: 'lite.dev/kubelet',
      reportingInstance: 'node-1',
      action: 'Pulling',
      reason: 'Pulling',
      type: 'Normal',
      note: 'pulling image',
    };
    expect(createErrors('Event.events.k8s.io', ev)).toEqual([]);
    expect(createErrors('Event.events.k8s.io', { ...ev, type: 'Info', deprecatedCount: 3 })).toEqual(['type: Invalid value: "": has invalid value: Info', 'count: Invalid value: "": needs to be unset']);
    expect(updateErrors('Event.events.k8s.io', { ...ev, note: 'changed' }, ev)).toEqual(['message: Invalid value: "changed": field is immutable']);
  });
});
