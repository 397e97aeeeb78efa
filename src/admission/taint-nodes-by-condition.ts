import { isJsonObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

const NOT_READY = 'node.kubernetes.io/not-ready';

/**
 * upstream TaintNodesByCondition: a Node is born with `node.kubernetes.io/not-ready:NoSchedule`,
 * so nothing is scheduled onto it before the node lifecycle controller has seen it Ready and
 * removed the taint. Without this a freshly registered node would take pods in the moment
 * between its registration and its first heartbeat.
 */
export class TaintNodesByConditionPlugin implements AdmissionPlugin {
  readonly name = 'TaintNodesByCondition';

  handles(def: ResourceDef): boolean {
    return def.group === '' && def.kind === 'Node';
  }

  admit(req: AdmissionRequest): void {
    if (req.operation !== 'create') return;
    const spec = isJsonObject(req.object.spec) ? req.object.spec : (req.object.spec = {});
    const taints = Array.isArray(spec.taints) ? spec.taints : [];
    const present = taints.some((t) => isJsonObject(t) && t.key === NOT_READY && t.effect === 'NoSchedule');
    if (!present) spec.taints = [...taints, { key: NOT_READY, effect: 'NoSchedule' }];
  }
}
