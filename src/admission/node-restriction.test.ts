import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { WriteOperation } from '../registry/object-lifecycle.js';
import { NodeRestrictionPlugin } from './node-restriction.js';

const plugin = new NodeRestrictionPlugin();
const node = { username: 'system:node:w1', groups: ['system:nodes', 'system:authenticated'] };
const def = (group: string, kind: string, plural: string) => ({ group, kind, plural }) as unknown as ResourceDef;
const POD = def('', 'Pod', 'pods');
const NODE = def('', 'Node', 'nodes');
const LEASE = def('coordination.k8s.io', 'Lease', 'leases');

function admit(d: ResourceDef, operation: WriteOperation, object: KubeObject, old?: KubeObject, user = node): void {
  plugin.admit({ operation, def: d, object, old, ctx: { user } });
}
const pod = (nodeName: string | undefined, mirror = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', ...(mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}) },
  spec: nodeName ? { nodeName } : {},
});

describe('NodeRestrictionPlugin', () => {
  it('lets a node write only its own Node object', () => {
    expect(() => admit(NODE, 'update', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w1' } })).not.toThrow();
    expect(() => admit(NODE, 'update', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w2' } })).toThrow('nodes "w2" is forbidden: node "w1" is not allowed to modify node "w2"');
    expect(() => admit(NODE, 'delete', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w2' } })).toThrow(/not allowed to modify/);
  });

  it('lets a node create only mirror pods bound to itself, and touch only its own pods', () => {
    expect(() => admit(POD, 'create', pod('w1', true))).not.toThrow();
    expect(() => admit(POD, 'create', pod('w1'))).toThrow('node "w1" can only create mirror pods');
    expect(() => admit(POD, 'create', pod('w2', true))).toThrow('node "w1" can only create pods with spec.nodeName set to itself');
    expect(() => admit(POD, 'update', pod('w1'), pod('w1'))).not.toThrow();
    expect(() => admit(POD, 'update', pod('w2'), pod('w2'))).toThrow(/can only update pod status/);
    expect(() => admit(POD, 'delete', pod('w1'), pod('w1'))).not.toThrow();
    expect(() => admit(POD, 'delete', pod('w2'), pod('w2'))).toThrow('node "w1" can only delete pods with spec.nodeName set to itself');
  });

  it('confines a node to its own lease in kube-node-lease', () => {
    const lease = (ns: string, name: string): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns } });
    expect(() => admit(LEASE, 'update', lease('kube-node-lease', 'w1'))).not.toThrow();
    expect(() => admit(LEASE, 'update', lease('kube-node-lease', 'w2'))).toThrow(/same name as the requesting node/);
    expect(() => admit(LEASE, 'create', lease('kube-system', 'w1'))).toThrow(/only access leases in the "kube-node-lease" namespace/);
  });

  it('leaves everyone who is not a node alone', () => {
    const admin = { username: 'admin', groups: ['system:masters'] };
    expect(() => admit(POD, 'create', pod('w2'), undefined, admin)).not.toThrow();
    expect(() => admit(NODE, 'update', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w9' } }, undefined, { username: 'system:node:w1', groups: [] })).not.toThrow();
  });
});
