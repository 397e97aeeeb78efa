/**
 * What the aggregator reads from an `apiregistration.k8s.io/v1` APIService, and the Available
 * condition it writes (kube-aggregator's apiregistration/v1/helper).
 */
import { isJsonObject, type JsonObject, type KubeObject } from '../api/object.js';
import type { ResourceRef } from '../client/client.js';

export const APISERVICES: ResourceRef = { group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' };

/** Set on APIServices the API server manages itself: `onstart` (built-in groups) or `true` (CRD groups). */
export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';

export interface ServiceReference {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
}

/** An APIService as the proxy and the availability check need it. */
export interface ApiServiceView {
  readonly name: string;
  readonly group: string;
  readonly version: string;
  /** Absent: the group version is served by this API server (a "Local" APIService). */
  readonly service?: ServiceReference;
  /** PEM of spec.caBundle, when set. */
  readonly caPem?: string;
  readonly insecureSkipTLSVerify: boolean;
  readonly groupPriorityMinimum: number;
  readonly versionPriority: number;
  /** Whether the Available condition is True. */
  readonly available: boolean;
}

export interface AvailableCondition {
  readonly type: 'Available';
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime?: string;
}

export function readApiService(obj: KubeObject): ApiServiceView {
  const spec = isJsonObject(obj.spec) ? obj.spec : {};
  const svc = isJsonObject(spec.service) ? spec.service : undefined;
  const caBundle = typeof spec.caBundle === 'string' && spec.caBundle ? Buffer.from(spec.caBundle, 'base64').toString('utf8') : undefined;
  return {
    name: obj.metadata.name ?? '',
    group: typeof spec.group === 'string' ? spec.group : '',
    version: typeof spec.version === 'string' ? spec.version : '',
    ...(svc
      ? {
          service: {
            namespace: typeof svc.namespace === 'string' ? svc.namespace : '',
            name: typeof svc.name === 'string' ? svc.name : '',
            port: typeof svc.port === 'number' ? svc.port : 443,
          },
        }
      : {}),
    ...(caBundle ? { caPem: caBundle } : {}),
    insecureSkipTLSVerify: spec.insecureSkipTLSVerify === true,
    groupPriorityMinimum: typeof spec.groupPriorityMinimum === 'number' ? spec.groupPriorityMinimum : 0,
    versionPriority: typeof spec.versionPriority === 'number' ? spec.versionPriority : 0,
    available: availableCondition(obj)?.status === 'True',
  };
}

export function availableCondition(obj: KubeObject): AvailableCondition | undefined {
  const status = isJsonObject(obj.status) ? obj.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const found = conditions.find((c): c is JsonObject => isJsonObject(c) && c.type === 'Available');
  if (!found) return undefined;
  const s = found.status === 'True' || found.status === 'False' ? found.status : 'Unknown';
  return {
    type: 'Available',
    status: s,
    reason: typeof found.reason === 'string' ? found.reason : '',
    message: typeof found.message === 'string' ? found.message : '',
    ...(typeof found.lastTransitionTime === 'string' ? { lastTransitionTime: found.lastTransitionTime } : {}),
  };
}

/**
 * The object with its Available condition set, as upstream's SetAPIServiceCondition: the
 * transition time is kept while the status stays the same. Undefined when nothing changes.
 */
export function withAvailableCondition(obj: KubeObject, next: Omit<AvailableCondition, 'type' | 'lastTransitionTime'>, nowIso: string): KubeObject | undefined {
  const current = availableCondition(obj);
  if (current && current.status === next.status && current.reason === next.reason && current.message === next.message) return undefined;
  const condition: JsonObject = {
    type: 'Available',
    status: next.status,
    lastTransitionTime: current && current.status === next.status && current.lastTransitionTime ? current.lastTransitionTime : nowIso,
    reason: next.reason,
    message: next.message,
  };
  const status = isJsonObject(obj.status) ? obj.status : {};
  const others = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) => !(isJsonObject(c) && c.type === 'Available'));
  return { ...obj, status: { ...status, conditions: [...others, condition] } };
}
