import { describe, expect, it } from 'vitest';
import type { FieldDef, TypeDef } from '../dsl.js';
import { core, meta } from '../dsl.js';
import { SchemaRegistry } from '../registry.js';
import { coreV1Types } from './core-v1.js';
import { metaV1Types, specialSchemaNames } from './meta-v1.js';

/** A declared field (inline fields included by their proto name), not the flattened JSON view. */
function field(reg: SchemaRegistry, type: string, name: string): FieldDef {
  const f = reg.get(type).fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${type}.${name}`);
  return f;
}

function names(defs: readonly TypeDef[]): string[] {
  return defs.map((d) => d.name);
}

describe('meta/v1 type definitions', () => {
  const reg = new SchemaRegistry(metaV1Types);

  it('has unique names and no dangling references', () => {
    expect(new Set(names(metaV1Types)).size).toBe(metaV1Types.length);
    expect(reg.danglingReferences()).toEqual([]);
  });

  it('gives every type and field a doc', () => {
    for (const d of metaV1Types) {
      expect(d.doc, d.name).toBeTruthy();
      for (const f of d.fields) expect(f.doc, `${d.name}.${f.name}`).toBeTruthy();
    }
  });

  it('matches upstream ObjectMeta', () => {
    const om = meta('ObjectMeta');
    expect(field(reg, om, 'name').proto).toBe(1);
    expect(field(reg, om, 'uid').proto).toBe(5);
    expect(field(reg, om, 'creationTimestamp')).toMatchObject({ proto: 8, type: { t: 'special', special: 'Time' } });
    expect(field(reg, om, 'creationTimestamp').pointer).toBeUndefined();
    expect(field(reg, om, 'deletionTimestamp')).toMatchObject({ proto: 9, pointer: true, type: { t: 'special', special: 'Time' } });
    expect(field(reg, om, 'deletionGracePeriodSeconds')).toMatchObject({ proto: 10, pointer: true, type: { t: 'scalar', scalar: 'int64' } });
    expect(field(reg, om, 'labels')).toMatchObject({ proto: 11, type: { t: 'map', values: { t: 'scalar', scalar: 'string' } } });
    expect(field(reg, om, 'ownerReferences')).toMatchObject({ proto: 13, patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] });
    expect(field(reg, om, 'finalizers')).toMatchObject({ proto: 14, patchStrategy: 'merge', listType: 'set' });
    expect(field(reg, om, 'managedFields')).toMatchObject({ proto: 17, listType: 'atomic' });
    // proto numbers 15 (clusterName) and 16 (initializers) were removed upstream and must stay unused
    expect(reg.fieldByProto(om, 15)).toBeUndefined();
    expect(reg.fieldByProto(om, 16)).toBeUndefined();
    expect(reg.get(om).fields.every((f) => !f.required)).toBe(true);
  });

  it('matches upstream selectors, owner references and managed fields', () => {
    expect(reg.get(meta('LabelSelector')).structType).toBe('atomic');
    expect(field(reg, meta('LabelSelectorRequirement'), 'operator')).toMatchObject({ proto: 2, required: true, noOmitEmpty: true });
    const owner = meta('OwnerReference');
    expect(reg.get(owner).structType).toBe('atomic');
    expect(field(reg, owner, 'apiVersion')).toMatchObject({ proto: 5, required: true });
    expect(field(reg, owner, 'kind').proto).toBe(1);
    expect(field(reg, owner, 'controller')).toMatchObject({ proto: 6, pointer: true });
    const mfe = meta('ManagedFieldsEntry');
    expect(field(reg, mfe, 'fieldsV1')).toMatchObject({ proto: 7, pointer: true, type: { t: 'special', special: 'FieldsV1' } });
    expect(field(reg, mfe, 'subresource').proto).toBe(8);
    expect(reg.fieldByProto(mfe, 5)).toBeUndefined();
  });

  it('matches upstream Status, DeleteOptions and WatchEvent', () => {
    const status = reg.byGvk({ group: '', version: 'v1', kind: 'Status' });
    expect(status?.name).toBe(meta('Status'));
    expect(field(reg, meta('Status'), 'code')).toMatchObject({ proto: 6, type: { t: 'scalar', scalar: 'int32' } });
    expect(field(reg, meta('StatusDetails'), 'uid').proto).toBe(6);
    expect(field(reg, meta('StatusDetails'), 'retryAfterSeconds').proto).toBe(5);
    const del = meta('DeleteOptions');
    expect(field(reg, del, 'propagationPolicy')).toMatchObject({ proto: 4, pointer: true });
    expect(field(reg, del, 'dryRun')).toMatchObject({ proto: 5, type: { t: 'list' } });
    expect(reg.byGvk({ group: 'apps', version: 'v1', kind: 'DeleteOptions' })?.name).toBe(del);
    expect(reg.byGvk({ group: '', version: 'v1', kind: 'DeleteOptions' })?.name).toBe(del);
    expect(reg.byGvk({ group: 'batch', version: 'v1', kind: 'WatchEvent' })?.name).toBe(meta('WatchEvent'));
    expect(field(reg, meta('WatchEvent'), 'object')).toMatchObject({ proto: 2, required: true, type: { t: 'special', special: 'RawExtension' } });
    expect(reg.get(meta('Patch')).fields).toEqual([]);
  });

  it('matches upstream discovery documents', () => {
    const res = meta('APIResource');
    expect(field(reg, res, 'singularName')).toMatchObject({ proto: 6, required: true });
    expect(field(reg, res, 'storageVersionHash').proto).toBe(10);
    // verbs is a named []string in Go: a wrapper message on the wire, a plain array in JSON
    const verbs = field(reg, res, 'verbs');
    expect(verbs).toMatchObject({ proto: 4, required: true, type: { t: 'ref', name: meta('Verbs') } });
    expect(reg.get(meta('Verbs'))).toMatchObject({ listWrapper: true, fields: [{ name: 'items', proto: 1 }] });
    expect(reg.byGvk({ group: '', version: 'v1', kind: 'APIGroupList' })?.name).toBe(meta('APIGroupList'));
    expect(field(reg, meta('APIVersions'), 'serverAddressByClientCIDRs')).toMatchObject({ proto: 2, required: true });
  });

  it('names the special types by their upstream OpenAPI schema', () => {
    expect(specialSchemaNames.Time).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    expect(specialSchemaNames.Quantity).toBe('io.k8s.apimachinery.pkg.api.resource.Quantity');
    expect(specialSchemaNames.IntOrString).toBe('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    expect(specialSchemaNames.Duration).toBeUndefined();
  });
});

describe('core/v1 type definitions', () => {
  const all = [...metaV1Types, ...coreV1Types];
  const reg = new SchemaRegistry(all);
  const V1 = { group: '', version: 'v1' } as const;
  const jsonNames = (type: string) => reg.jsonFields(type).map((f) => f.name);

  it('loads with meta/v1 with unique names and no dangling references', () => {
    expect(new Set(names(all)).size).toBe(all.length);
    expect(reg.danglingReferences()).toEqual([]);
    expect(coreV1Types.every((d) => d.name.startsWith('io.k8s.api.core.v1.'))).toBe(true);
  });

  it('gives every type and field a doc', () => {
    for (const d of coreV1Types) {
      expect(d.doc, d.name).toBeTruthy();
      for (const f of d.fields) expect(f.doc, `${d.name}.${f.name}`).toBeTruthy();
    }
  });

  it('registers every kind and its list under group "" version v1', () => {
    const kinds = ['Pod', 'PodTemplate', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount', 'Namespace', 'Node', 'Event',
      'PersistentVolume', 'PersistentVolumeClaim', 'ResourceQuota', 'LimitRange', 'ReplicationController'];
    for (const kind of kinds) {
      expect(reg.byGvk({ ...V1, kind })?.name, kind).toBe(core(kind));
      const list = reg.byGvk({ ...V1, kind: `${kind}List` });
      expect(list?.name, `${kind}List`).toBe(core(`${kind}List`));
      expect(field(reg, core(`${kind}List`), 'items')).toMatchObject({ proto: 2, required: true, type: { t: 'list', items: { t: 'ref', name: core(kind) } } });
    }
    expect(reg.byGvk({ ...V1, kind: 'Binding' })?.name).toBe(core('Binding'));
    expect(field(reg, core('Binding'), 'target')).toMatchObject({ proto: 2, required: true });
    // a nested type is not a kind
    expect(reg.get(core('PodSpec')).gvk).toBeUndefined();
  });

  it('keeps JSON names unique after inlining embedded structs', () => {
    for (const d of all) {
      const seen = jsonNames(d.name);
      expect(new Set(seen).size, d.name).toBe(seen.length);
    }
  });

  it('keeps patch and list markers consistent with the item types', () => {
    for (const d of all) {
      for (const f of d.fields) {
        const where = `${d.name}.${f.name}`;
        if (f.listMapKeys) expect(f.listType, where).toBe('map');
        if (f.listType === 'map') expect(f.listMapKeys?.length, where).toBeGreaterThan(0);
        if (f.patchMergeKey) expect(f.patchStrategy, where).toMatch(/^merge/);
        if (f.listType || f.patchStrategy?.startsWith('merge')) expect(f.type.t === 'list' || (f.type.t === 'ref' && d.name.endsWith('Status')), where).toBe(true);
        const items = f.type.t === 'list' ? f.type.items : undefined;
        if (items?.t === 'ref') {
          const keys = jsonNames(items.name);
          for (const k of f.listMapKeys ?? []) expect(keys, `${where} list-map key ${k}`).toContain(k);
          if (f.patchMergeKey) expect(keys, `${where} merge key`).toContain(f.patchMergeKey);
        }
      }
    }
  });

  it('matches upstream PodSpec', () => {
    const spec = core('PodSpec');
    expect(field(reg, spec, 'containers')).toMatchObject({
      proto: 2, required: true, noOmitEmpty: true, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'],
    });
    expect(field(reg, spec, 'initContainers')).toMatchObject({ proto: 20, patchMergeKey: 'name' });
    expect(field(reg, spec, 'ephemeralContainers')).toMatchObject({ proto: 34, patchMergeKey: 'name' });
    expect(field(reg, spec, 'volumes')).toMatchObject({ proto: 1, patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' });
    expect(field(reg, spec, 'resourceClaims')).toMatchObject({ proto: 39, patchStrategy: 'merge,retainKeys' });
    expect(field(reg, spec, 'hostAliases')).toMatchObject({ proto: 23, patchMergeKey: 'ip', listMapKeys: ['ip'] });
    expect(field(reg, spec, 'topologySpreadConstraints')).toMatchObject({ proto: 33, patchMergeKey: 'topologyKey', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] });
    expect(field(reg, spec, 'tolerations')).toMatchObject({ proto: 22, listType: 'atomic' });
    expect(field(reg, spec, 'tolerations').patchStrategy).toBeUndefined();
    expect(field(reg, spec, 'terminationGracePeriodSeconds')).toMatchObject({ proto: 4, pointer: true, type: { t: 'scalar', scalar: 'int64' } });
    expect(field(reg, spec, 'restartPolicy')).toMatchObject({ proto: 3, type: { t: 'scalar', scalar: 'string', enum: ['Always', 'Never', 'OnFailure'] } });
    expect(field(reg, spec, 'nodeSelector')).toMatchObject({ proto: 7, mapType: 'atomic', type: { t: 'map' } });
    expect(field(reg, spec, 'overhead')).toMatchObject({ proto: 32, type: { t: 'map', values: { t: 'special', special: 'Quantity' } } });
    expect(field(reg, spec, 'hostNetwork')).toMatchObject({ proto: 11, type: { t: 'scalar', scalar: 'boolean' } });
    expect(field(reg, spec, 'hostNetwork').pointer).toBeUndefined();
    expect(field(reg, spec, 'resources')).toMatchObject({ proto: 40, pointer: true });
    expect(field(reg, spec, 'schedulingGates')).toMatchObject({ proto: 38, patchMergeKey: 'name' });
  });

  it('matches upstream PodStatus and container status', () => {
    const status = core('PodStatus');
    expect(field(reg, status, 'conditions')).toMatchObject({ proto: 2, patchMergeKey: 'type', listMapKeys: ['type'] });
    expect(field(reg, status, 'podIPs')).toMatchObject({ proto: 12, patchMergeKey: 'ip', listType: 'map' });
    expect(field(reg, status, 'hostIPs')).toMatchObject({ proto: 16, patchMergeKey: 'ip', listType: 'atomic' });
    expect(field(reg, status, 'startTime')).toMatchObject({ proto: 7, pointer: true, type: { t: 'special', special: 'Time' } });
    expect(field(reg, status, 'qosClass').type).toMatchObject({ enum: ['BestEffort', 'Burstable', 'Guaranteed'] });
    const cs = core('ContainerStatus');
    expect(field(reg, cs, 'ready')).toMatchObject({ proto: 4, required: true, noOmitEmpty: true });
    expect(field(reg, cs, 'restartCount')).toMatchObject({ proto: 5, required: true, type: { t: 'scalar', scalar: 'int32' } });
    expect(field(reg, cs, 'started')).toMatchObject({ proto: 9, pointer: true });
    expect(field(reg, core('ContainerStateTerminated'), 'exitCode')).toMatchObject({ proto: 1, required: true });
    expect(field(reg, core('PodCondition'), 'lastProbeTime')).toMatchObject({ proto: 3, type: { t: 'special', special: 'Time' } });
  });

  it('matches upstream Container', () => {
    const c = core('Container');
    expect(field(reg, c, 'name')).toMatchObject({ proto: 1, required: true });
    expect(field(reg, c, 'image').required).toBeUndefined();
    expect(field(reg, c, 'ports')).toMatchObject({ proto: 6, patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] });
    expect(field(reg, c, 'env')).toMatchObject({ proto: 7, patchMergeKey: 'name' });
    expect(field(reg, c, 'envFrom')).toMatchObject({ proto: 19, listType: 'atomic' });
    expect(field(reg, c, 'volumeMounts')).toMatchObject({ proto: 9, patchMergeKey: 'mountPath', listMapKeys: ['mountPath'] });
    expect(field(reg, c, 'volumeDevices')).toMatchObject({ proto: 21, patchMergeKey: 'devicePath' });
    expect(field(reg, c, 'startupProbe')).toMatchObject({ proto: 22, pointer: true, type: { t: 'ref', name: core('Probe') } });
    expect(field(reg, c, 'restartPolicy')).toMatchObject({ proto: 24, pointer: true });
    expect(field(reg, c, 'command')).toMatchObject({ proto: 3, listType: 'atomic', type: { t: 'list' } });
    expect(field(reg, c, 'tty').proto).toBe(18);
    expect(field(reg, core('ContainerPort'), 'containerPort')).toMatchObject({ proto: 3, required: true });
    expect(field(reg, core('ContainerPort'), 'protocol').type).toMatchObject({ enum: ['SCTP', 'TCP', 'UDP'] });
    expect(field(reg, core('SecurityContext'), 'privileged')).toMatchObject({ proto: 2, pointer: true });
    expect(field(reg, core('PodSecurityContext'), 'supplementalGroups')).toMatchObject({ proto: 4, type: { t: 'list', items: { t: 'scalar', scalar: 'int64' } } });
    expect(field(reg, core('HTTPGetAction'), 'port')).toMatchObject({ proto: 2, required: true, type: { t: 'special', special: 'IntOrString' } });
    expect(field(reg, core('ResourceRequirements'), 'claims')).toMatchObject({ proto: 3, listType: 'map', listMapKeys: ['name'] });
    expect(field(reg, core('Toleration'), 'tolerationSeconds')).toMatchObject({ proto: 5, pointer: true });
  });

  it('represents embedded structs as inline fields', () => {
    // JSON: Probe has httpGet directly; wire: Probe field 1 is a nested ProbeHandler message
    const handler = field(reg, core('Probe'), 'handler');
    expect(handler.inline).toBe(true);
    expect(handler).toMatchObject({ proto: 1, type: { t: 'ref', name: core('ProbeHandler') } });
    expect(jsonNames(core('Probe'))).toEqual(expect.arrayContaining(['exec', 'httpGet', 'tcpSocket', 'grpc', 'periodSeconds']));
    expect(jsonNames(core('Probe'))).not.toContain('handler');
    expect(jsonNames(core('ConfigMapKeySelector'))).toEqual(['name', 'key', 'optional']);
    expect(field(reg, core('ConfigMapKeySelector'), 'localObjectReference').inline).toBe(true);
    expect(field(reg, core('ConfigMapKeySelector'), 'key').inline ?? false).toBe(false);
    const eph = jsonNames(core('EphemeralContainer'));
    expect(eph).toEqual([...jsonNames(core('Container')), 'targetContainerName']);
    expect(field(reg, core('EphemeralContainer'), 'targetContainerName').proto).toBe(2);
    expect(jsonNames(core('PersistentVolumeSpec'))).toEqual(expect.arrayContaining(['capacity', 'csi', 'local', 'nfs', 'claimRef']));
  });

  it('matches upstream Volume and volume sources', () => {
    const vol = core('Volume');
    expect(field(reg, vol, 'name')).toMatchObject({ proto: 1, required: true });
    expect(field(reg, vol, 'volumeSource')).toMatchObject({ proto: 2, type: { t: 'ref', name: core('VolumeSource') } });
    expect(jsonNames(vol)).toHaveLength(31);
    const src = core('VolumeSource');
    const sources: [string, number, string][] = [
      ['hostPath', 1, 'HostPathVolumeSource'], ['emptyDir', 2, 'EmptyDirVolumeSource'], ['secret', 6, 'SecretVolumeSource'],
      ['nfs', 7, 'NFSVolumeSource'], ['persistentVolumeClaim', 10, 'PersistentVolumeClaimVolumeSource'],
      ['downwardAPI', 16, 'DownwardAPIVolumeSource'], ['configMap', 19, 'ConfigMapVolumeSource'], ['projected', 26, 'ProjectedVolumeSource'],
      ['csi', 28, 'CSIVolumeSource'], ['ephemeral', 29, 'EphemeralVolumeSource'], ['image', 30, 'ImageVolumeSource'],
    ];
    for (const [name, proto, type] of sources) {
      expect(field(reg, src, name), name).toMatchObject({ proto, pointer: true, type: { t: 'ref', name: core(type) } });
    }
    expect(reg.get(src).fields.every((f) => f.pointer === true)).toBe(true);
    expect(field(reg, core('HostPathVolumeSource'), 'type').type).toMatchObject({ enum: ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'] });
    expect(field(reg, core('EmptyDirVolumeSource'), 'sizeLimit')).toMatchObject({ proto: 2, pointer: true, type: { t: 'special', special: 'Quantity' } });
    expect(field(reg, core('SecretVolumeSource'), 'defaultMode')).toMatchObject({ proto: 3, pointer: true });
    expect(field(reg, core('ConfigMapVolumeSource'), 'items')).toMatchObject({ proto: 2, listType: 'atomic' });
    expect(field(reg, core('KeyToPath'), 'path')).toMatchObject({ proto: 2, required: true });
    expect(field(reg, core('ServiceAccountTokenProjection'), 'expirationSeconds')).toMatchObject({ proto: 2, pointer: true });
    expect(field(reg, core('ResourceFieldSelector'), 'divisor')).toMatchObject({ proto: 3, type: { t: 'special', special: 'Quantity' } });
  });

  it('matches upstream Service and Endpoints', () => {
    const spec = core('ServiceSpec');
    expect(field(reg, spec, 'ports')).toMatchObject({ proto: 1, patchStrategy: 'merge', patchMergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] });
    expect(field(reg, spec, 'selector')).toMatchObject({ proto: 2, mapType: 'atomic' });
    expect(field(reg, spec, 'clusterIPs')).toMatchObject({ proto: 18, listType: 'atomic' });
    expect(field(reg, spec, 'ipFamilies')).toMatchObject({ proto: 19, type: { t: 'list', items: { enum: ['', 'IPv4', 'IPv6'] } } });
    expect(field(reg, spec, 'type').type).toMatchObject({ enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] });
    expect(field(reg, spec, 'externalIPs').patchStrategy).toBeUndefined();
    expect(field(reg, spec, 'trafficDistribution')).toMatchObject({ proto: 23, pointer: true });
    expect(field(reg, core('ServicePort'), 'port')).toMatchObject({ proto: 3, required: true });
    expect(field(reg, core('ServicePort'), 'targetPort')).toMatchObject({ proto: 4, type: { t: 'special', special: 'IntOrString' } });
    expect(field(reg, core('ServiceStatus'), 'conditions')).toMatchObject({ proto: 2, patchMergeKey: 'type', listMapKeys: ['type'], type: { t: 'list', items: { t: 'ref', name: meta('Condition') } } });
    expect(field(reg, core('Endpoints'), 'subsets')).toMatchObject({ proto: 2, listType: 'atomic' });
    expect(field(reg, core('EndpointAddress'), 'ip')).toMatchObject({ proto: 1, required: true });
    expect(field(reg, core('EndpointAddress'), 'nodeName')).toMatchObject({ proto: 4, pointer: true });
    expect(field(reg, core('EndpointPort'), 'port')).toMatchObject({ proto: 2, required: true });
    expect(reg.get(core('EndpointPort')).structType).toBe('atomic');
  });

  it('matches upstream ConfigMap, Secret, ServiceAccount, Namespace and Event', () => {
    expect(field(reg, core('Secret'), 'data')).toMatchObject({ proto: 2, type: { t: 'map', values: { t: 'scalar', scalar: 'bytes' } } });
    expect(field(reg, core('Secret'), 'stringData')).toMatchObject({ proto: 4, type: { t: 'map', values: { t: 'scalar', scalar: 'string' } } });
    expect(field(reg, core('Secret'), 'type').proto).toBe(3);
    expect(field(reg, core('Secret'), 'immutable')).toMatchObject({ proto: 5, pointer: true });
    expect(field(reg, core('ConfigMap'), 'binaryData')).toMatchObject({ proto: 3, type: { t: 'map', values: { t: 'scalar', scalar: 'bytes' } } });
    expect(field(reg, core('ConfigMap'), 'immutable')).toMatchObject({ proto: 4, pointer: true });
    expect(field(reg, core('ServiceAccount'), 'secrets')).toMatchObject({ proto: 2, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map' });
    expect(field(reg, core('ServiceAccount'), 'imagePullSecrets')).toMatchObject({ proto: 3, listType: 'atomic' });
    expect(field(reg, core('NamespaceSpec'), 'finalizers')).toMatchObject({ proto: 1, listType: 'atomic', type: { t: 'list' } });
    expect(field(reg, core('NamespaceStatus'), 'phase').type).toMatchObject({ enum: ['Active', 'Terminating'] });
    const ev = core('Event');
    expect(field(reg, ev, 'metadata')).toMatchObject({ proto: 1, required: true });
    expect(field(reg, ev, 'involvedObject')).toMatchObject({ proto: 2, required: true });
    expect(field(reg, ev, 'eventTime')).toMatchObject({ proto: 10, type: { t: 'special', special: 'MicroTime' } });
    expect(field(reg, ev, 'reportingComponent')).toMatchObject({ proto: 14, noOmitEmpty: true });
    expect(field(reg, ev, 'reportingComponent').required).toBeUndefined();
    expect(field(reg, core('EventSeries'), 'lastObservedTime')).toMatchObject({ proto: 2, type: { t: 'special', special: 'MicroTime' } });
    expect(reg.get(core('ObjectReference')).structType).toBe('atomic');
    expect(reg.get(core('LocalObjectReference')).structType).toBe('atomic');
    expect(field(reg, core('TypedLocalObjectReference'), 'apiGroup')).toMatchObject({ proto: 1, pointer: true });
  });

  it('matches upstream Node', () => {
    const spec = core('NodeSpec');
    expect(field(reg, spec, 'podCIDRs')).toMatchObject({ proto: 7, patchStrategy: 'merge', listType: 'set' });
    expect(field(reg, spec, 'taints')).toMatchObject({ proto: 5, listType: 'atomic' });
    expect(field(reg, spec, 'unschedulable').proto).toBe(4);
    const status = core('NodeStatus');
    expect(field(reg, status, 'conditions')).toMatchObject({ proto: 4, patchMergeKey: 'type', listMapKeys: ['type'] });
    expect(field(reg, status, 'addresses')).toMatchObject({ proto: 5, patchMergeKey: 'type', listMapKeys: ['type'] });
    expect(field(reg, status, 'capacity')).toMatchObject({ proto: 1, type: { t: 'map', values: { t: 'special', special: 'Quantity' } } });
    expect(field(reg, status, 'features')).toMatchObject({ proto: 13, pointer: true });
    expect(field(reg, core('NodeSystemInfo'), 'kubeletVersion')).toMatchObject({ proto: 7, required: true });
    expect(field(reg, core('DaemonEndpoint'), 'Port')).toMatchObject({ proto: 1, required: true });
    expect(field(reg, core('Taint'), 'effect').type).toMatchObject({ enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] });
    expect(field(reg, core('Taint'), 'timeAdded')).toMatchObject({ proto: 4, pointer: true });
    expect(field(reg, core('ContainerImage'), 'sizeBytes')).toMatchObject({ proto: 2, type: { t: 'scalar', scalar: 'int64' } });
  });

  it('matches upstream persistent volumes, quotas, limit ranges and replication controllers', () => {
    const pvSpec = core('PersistentVolumeSpec');
    expect(field(reg, pvSpec, 'persistentVolumeSource')).toMatchObject({ proto: 2, type: { t: 'ref', name: core('PersistentVolumeSource') } });
    expect(field(reg, pvSpec, 'claimRef')).toMatchObject({ proto: 4, pointer: true, mapType: 'granular' });
    expect(field(reg, pvSpec, 'accessModes').type).toMatchObject({ t: 'list', items: { enum: ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] } });
    expect(field(reg, core('PersistentVolumeSource'), 'local')).toMatchObject({ proto: 20, pointer: true });
    const pvcSpec = core('PersistentVolumeClaimSpec');
    expect(field(reg, pvcSpec, 'resources')).toMatchObject({ proto: 2, type: { t: 'ref', name: core('VolumeResourceRequirements') } });
    expect(field(reg, pvcSpec, 'dataSourceRef')).toMatchObject({ proto: 8, pointer: true, type: { t: 'ref', name: core('TypedObjectReference') } });
    expect(field(reg, pvcSpec, 'storageClassName')).toMatchObject({ proto: 5, pointer: true });
    const pvcStatus = core('PersistentVolumeClaimStatus');
    expect(field(reg, pvcStatus, 'allocatedResourceStatuses')).toMatchObject({ proto: 7, mapType: 'granular', type: { t: 'map' } });
    expect(field(reg, pvcStatus, 'modifyVolumeStatus')).toMatchObject({ proto: 9, pointer: true });
    expect(field(reg, core('ResourceQuotaSpec'), 'scopeSelector')).toMatchObject({ proto: 3, pointer: true });
    expect(field(reg, core('ScopedResourceSelectorRequirement'), 'scopeName')).toMatchObject({ proto: 1, required: true });
    expect(field(reg, core('LimitRangeSpec'), 'limits')).toMatchObject({ proto: 1, required: true, listType: 'atomic' });
    expect(field(reg, core('LimitRangeItem'), 'default')).toMatchObject({ proto: 4, type: { t: 'map' } });
    expect(field(reg, core('ReplicationControllerSpec'), 'replicas')).toMatchObject({ proto: 1, pointer: true });
    expect(field(reg, core('ReplicationControllerSpec'), 'selector')).toMatchObject({ proto: 2, mapType: 'atomic' });
    expect(field(reg, core('ReplicationControllerStatus'), 'replicas')).toMatchObject({ proto: 1, required: true });
    expect(reg.get(core('TopologySelectorTerm')).structType).toBe('atomic');
  });
});
