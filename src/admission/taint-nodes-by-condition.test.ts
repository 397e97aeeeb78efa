import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import { SYSTEM_USER } from '../registry/context.js';
import type { AdmissionRequest } from './admission.js';
import { TaintNodesByConditionPlugin } from './taint-nodes-by-condition.js';

const nodeDef = { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false } as unknown as ResourceDef;
const notReady = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };

function request(node: KubeObject, operation: AdmissionRequest['operation'] = 'create'): AdmissionRequest {
  return { operation, def: nodeDef, object: node, old: undefined, ctx: { user: SYSTEM_USER } };
}

function node(spec?: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, ...(spec ? { spec } : {}) };
}

describe('TaintNodesByConditionPlugin', () => {
  const plugin = new TaintNodesByConditionPlugin();

  it('handles core Nodes only', () => {
    expect(plugin.handles(nodeDef)).toBe(true);
    expect(plugin.handles({ ...nodeDef, kind: 'Pod', plural: 'pods' } as ResourceDef)).toBe(false);
  });

  it('gives a new node the not-ready NoSchedule taint, keeping its own taints', () => {
    const bare = node();
    plugin.admit(request(bare));
    expect(bare.spec).toEqual({ taints: [notReady] });

    const own = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' };
    const tainted = node({ taints: [own], podCIDR: '10.42.1.0/24' });
    plugin.admit(request(tainted));
    expect(tainted.spec).toEqual({ taints: [own, notReady], podCIDR: '10.42.1.0/24' });
  });

  it('does not add the taint twice, and leaves updates alone', () => {
    const already = node({ taints: [{ ...notReady }] });
    plugin.admit(request(already));
    expect(already.spec).toEqual({ taints: [notReady] });

    const updated = node({});
    plugin.admit(request(updated, 'update'));
    expect(updated.spec).toEqual({});
  });
});
