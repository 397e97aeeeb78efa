import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { kindKey } from '../printers/kind-key.js';
import { convertFieldSelector, crdFieldLabelRule, defaultFieldLabelRule, fieldLabelAliases, fieldLabelRuleFor } from './field-labels.js';
import { FieldSelector, escapeFieldValue, parseFieldSelector } from './field-selector.js';
import { builtinSelectableFields, crdSelectableFields, objectFieldSet } from './selectable-fields.js';

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(400);
    return (e as ApiError).message;
  }
  throw new Error('no error');
}

describe('parseFieldSelector', () => {
  it('parses =, == and != terms into sorted requirements', () => {
    const s = parseFieldSelector('status.phase!=Running,spec.nodeName==node-1,metadata.name=web');
    expect(s.requirements()).toEqual([
      { field: 'metadata.name', operator: '=', value: 'web' },
      { field: 'spec.nodeName', operator: '=', value: 'node-1' },
      { field: 'status.phase', operator: '!=', value: 'Running' },
    ]);
    expect(s.toString()).toBe('metadata.name=web,spec.nodeName=node-1,status.phase!=Running');
    expect(s.requiresExactMatch('spec.nodeName')).toBe('node-1');
    expect(s.requiresExactMatch('status.phase')).toBeUndefined();
  });

  it('matches with missing fields reading as empty', () => {
    const s = parseFieldSelector('spec.nodeName=n1,status.phase!=Succeeded');
    expect(s.matches({ 'spec.nodeName': 'n1', 'status.phase': 'Running' })).toBe(true);
    expect(s.matches({ 'spec.nodeName': 'n1' })).toBe(true);
    expect(s.matches({ 'spec.nodeName': 'n2' })).toBe(false);
    expect(parseFieldSelector('spec.nodeName=').matches({})).toBe(true);
    expect(parseFieldSelector('').isEmpty()).toBe(true);
    expect(parseFieldSelector('a=b,,c=d').requirements()).toHaveLength(2);
    expect(FieldSelector.everything().matches({})).toBe(true);
  });

  it('honours escapes in values', () => {
    const s = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d');
    expect(s.requirements()[0].value).toBe('a,b=c\\d');
    expect(s.toString()).toBe('metadata.name=a\\,b\\=c\\\\d');
    expect(escapeFieldValue('x,y=z\\')).toBe('x\\,y\\=z\\\\');
  });

  it('rejects malformed selectors with upstream messages', () => {
    expect(badRequest(() => parseFieldSelector('spec.nodeName'))).toBe("invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'");
    expect(badRequest(() => parseFieldSelector('a=b,c'))).toBe("invalid selector: 'a=b,c'; can't understand 'c'");
    expect(badRequest(() => parseFieldSelector('a=b\\x'))).toBe('invalid field selector: invalid escape sequence: \\x');
    expect(badRequest(() => parseFieldSelector('a=b\\'))).toBe('invalid field selector: invalid escape sequence: \\');
    expect(badRequest(() => parseFieldSelector('a=b=c'))).toBe('invalid field selector: unescaped character in value: 61');
  });
});

describe('field label rules', () => {
  it('accepts supported pod labels and maps spec.host', () => {
    const s = convertFieldSelector(parseFieldSelector('spec.host=n1,status.phase!=Failed'), fieldLabelRuleFor('Pod'));
    expect(s.toString()).toBe('spec.nodeName=n1,status.phase!=Failed');
    expect(fieldLabelAliases.Pod).toEqual({ 'spec.host': 'spec.nodeName' });
  });

  it.each([
    ['Pod', 'spec.foo=x', 'field label not supported: spec.foo'],
    ['Node', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
    ['Namespace', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
    ['Job.batch', 'status.active=1', 'field label "status.active" not supported for batchv1.Job'],
    ['Deployment.apps', 'spec.replicas=1', '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ['ReplicaSet.apps', 'status.replicas=1', '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ['Event.events.k8s.io', 'involvedObject.name=x', 'field label not supported: involvedObject.name'],
  ])('%s rejects %s', (kind, sel, message) => {
    expect(badRequest(() => convertFieldSelector(parseFieldSelector(sel), fieldLabelRuleFor(kind)))).toBe(message);
  });

  it('maps events.k8s.io labels onto the core names', () => {
    const s = convertFieldSelector(parseFieldSelector('regarding.name=web,reportingController=kubelet,type=Warning'), fieldLabelRuleFor(kindKey('events.k8s.io', 'Event')));
    expect(s.toString()).toBe('involvedObject.name=web,reportingComponent=kubelet,type=Warning');
  });

  it('builds CRD rules from selectableFields', () => {
    const namespaced = crdFieldLabelRule({ clusterScoped: false, selectableFields: ['.spec.color'] });
    expect(convertFieldSelector(parseFieldSelector('spec.color=red,metadata.namespace=x'), namespaced).toString()).toBe('metadata.namespace=x,spec.color=red');
    const cluster = crdFieldLabelRule({ clusterScoped: true });
    expect(badRequest(() => convertFieldSelector(parseFieldSelector('metadata.namespace=x'), cluster))).toBe('field label not supported: metadata.namespace');
    expect(defaultFieldLabelRule.accepted.has('metadata.namespace')).toBe(true);
  });
});

const obj = (o: Record<string, unknown>): KubeObject => ({ metadata: {}, ...o }) as KubeObject;

describe('selectable fields', () => {
  it('computes pod fields as upstream', () => {
    const pod = obj({
      metadata: { name: 'p', namespace: 'ns' },
      spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default', hostNetwork: true },
      status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] },
    });
    expect(objectFieldSet(pod, builtinSelectableFields.Pod)).toEqual({
      'metadata.name': 'p',
      'metadata.namespace': 'ns',
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'default',
      'spec.hostNetwork': 'true',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.1',
      'status.nominatedNodeName': '',
    });
    expect(builtinSelectableFields.Pod(obj({ status: { podIP: '10.1.1.1' } }))['spec.hostNetwork']).toBe('false');
    expect(builtinSelectableFields.Pod(obj({ status: { podIP: '10.1.1.1' } }))['status.podIP']).toBe('10.1.1.1');
  });

  it('selects pods by node and phase end to end', () => {
    const sel = convertFieldSelector(parseFieldSelector('spec.host=n1,status.phase!=Succeeded'), fieldLabelRuleFor('Pod'));
    const on = (node: string, phase: string) => objectFieldSet(obj({ spec: { nodeName: node }, status: { phase } }), builtinSelectableFields.Pod);
    expect(sel.matches(on('n1', 'Running'))).toBe(true);
    expect(sel.matches(on('n1', 'Succeeded'))).toBe(false);
    expect(sel.matches(on('n2', 'Running'))).toBe(false);
  });

  it('computes event fields for both API groups', () => {
    const core = builtinSelectableFields.Event(
      obj({ involvedObject: { kind: 'Pod', name: 'web', uid: 'u1', namespace: 'ns' }, reason: 'Started', type: 'Normal', reportingComponent: 'kubelet' }),
    );
    expect(core).toMatchObject({ 'involvedObject.kind': 'Pod', 'involvedObject.uid': 'u1', source: 'kubelet', reportingComponent: 'kubelet' });
    const v1 = builtinSelectableFields['Event.events.k8s.io'](
      obj({ regarding: { kind: 'Node', name: 'n1' }, reason: 'Ready', type: 'Normal', reportingController: 'node-controller', deprecatedSource: { component: 'kubelet' } }),
    );
    expect(v1).toMatchObject({ 'involvedObject.kind': 'Node', 'involvedObject.name': 'n1', source: 'kubelet', reportingComponent: 'node-controller' });
  });

  it('prints numbers and booleans as strings', () => {
    expect(builtinSelectableFields['Job.batch'](obj({ status: { succeeded: 3 } }))).toEqual({ 'status.successful': '3' });
    expect(builtinSelectableFields['Job.batch'](obj({}))).toEqual({ 'status.successful': '0' });
    expect(builtinSelectableFields.Node(obj({ spec: { unschedulable: true } }))).toEqual({ 'spec.unschedulable': 'true' });
    expect(builtinSelectableFields.ReplicationController(obj({ status: { replicas: 2 } }))).toEqual({ 'status.replicas': '2' });
    expect(builtinSelectableFields.Service(obj({ spec: { clusterIP: 'None', type: 'ClusterIP' } }))).toEqual({ 'spec.clusterIP': 'None', 'spec.type': 'ClusterIP' });
  });

  it('evaluates CRD selectable fields by JSON path', () => {
    const fields = crdSelectableFields(['.spec.color', '.spec.size', '.spec.enabled', '.spec.missing']);
    expect(fields(obj({ spec: { color: 'red', size: 3, enabled: false } }))).toEqual({
      'spec.color': 'red',
      'spec.size': '3',
      'spec.enabled': 'false',
      'spec.missing': '',
    });
  });
});
