/**
 * Defaulting for networking, autoscaling (v2 stored form), storage, rbac, scheduling,
 * discovery and admissionregistration kinds (pkg/apis/<group>/<version>/defaults.go at Kubernetes 1.32).
 */
import { ensureObj, isNil, obj, objs, setDefault, type JsonObject } from '../json-access.js';

/** SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort. */
export function defaultNetworkPolicy(np: JsonObject): void {
  const s = ensureObj(np, 'spec');
  if (isNil(s.podSelector)) s.podSelector = {};
  for (const dir of ['ingress', 'egress']) {
    for (const rule of objs(s[dir])) for (const port of objs(rule.ports)) if (isNil(port.protocol)) port.protocol = 'TCP';
  }
  const types = Array.isArray(s.policyTypes) ? s.policyTypes : [];
  if (types.length === 0) s.policyTypes = Array.isArray(s.egress) && s.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

export function defaultIngressClass(ic: JsonObject): void {
  const params = obj(obj(ic.spec)?.parameters);
  if (params && isNil(params.scope)) params.scope = 'Cluster';
}

/** Default scale-up rules of HPA v2 behavior (the pre-behavior HPA algorithm). */
function scaleUpDefaults(): JsonObject {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

/** Default scale-down rules; the stabilization window stays unset (a controller flag decides). */
function scaleDownDefaults(): JsonObject {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

function fillRules(rules: JsonObject | undefined, defaults: JsonObject): JsonObject {
  if (!rules) return defaults;
  const out: JsonObject = { ...defaults };
  for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies']) if (!isNil(rules[k])) out[k] = rules[k];
  return out;
}

/** SetDefaults_HorizontalPodAutoscaler (autoscaling/v2, the stored version). */
export function defaultHorizontalPodAutoscaler(hpa: JsonObject): void {
  const s = ensureObj(hpa, 'spec');
  if (isNil(s.minReplicas)) s.minReplicas = 1;
  if (!Array.isArray(s.metrics) || s.metrics.length === 0) {
    s.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  const behavior = obj(s.behavior);
  if (behavior) {
    behavior.scaleUp = fillRules(obj(behavior.scaleUp), scaleUpDefaults());
    behavior.scaleDown = fillRules(obj(behavior.scaleDown), scaleDownDefaults());
  }
}

export function defaultStorageClass(sc: JsonObject): void {
  if (isNil(sc.reclaimPolicy) || sc.reclaimPolicy === '') sc.reclaimPolicy = 'Delete';
  if (isNil(sc.volumeBindingMode) || sc.volumeBindingMode === '') sc.volumeBindingMode = 'Immediate';
}

function defaultSubjects(binding: JsonObject): void {
  for (const subject of objs(binding.subjects)) {
    if (typeof subject.apiGroup === 'string' && subject.apiGroup !== '') continue;
    if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = 'rbac.authorization.k8s.io';
    else if (subject.kind === 'ServiceAccount') subject.apiGroup = '';
  }
}

/** SetDefaults_RoleBinding / ClusterRoleBinding and SetDefaults_Subject. */
export function defaultRoleBinding(binding: JsonObject): void {
  const ref = ensureObj(binding, 'roleRef');
  setDefault(ref, 'apiGroup', 'rbac.authorization.k8s.io');
  defaultSubjects(binding);
}

export function defaultPriorityClass(pc: JsonObject): void {
  if (isNil(pc.preemptionPolicy)) pc.preemptionPolicy = 'PreemptLowerPriority';
}

/** SetDefaults_EndpointPort: name "" and protocol TCP. */
export function defaultEndpointSlice(slice: JsonObject): void {
  for (const port of objs(slice.ports)) {
    if (isNil(port.name)) port.name = '';
    if (isNil(port.protocol)) port.protocol = 'TCP';
  }
}

/**
 * SetObjectDefaults_{Mutating,Validating}WebhookConfiguration (admissionregistration/v1): per webhook
 * SetDefaults_{Mutating,Validating}Webhook, SetDefaults_ServiceReference and SetDefaults_Rule. Every defaulted
 * field is a Go pointer, so only absent or null members are filled; an explicit "" stays for validation to
 * refuse. v1 deliberately leaves sideEffects and admissionReviewVersions without defaults (they are required).
 */
export function defaultWebhookConfiguration(config: JsonObject, mutating: boolean): void {
  for (const hook of objs(config.webhooks)) {
    if (isNil(hook.failurePolicy)) hook.failurePolicy = 'Fail';
    if (isNil(hook.matchPolicy)) hook.matchPolicy = 'Equivalent';
    if (isNil(hook.namespaceSelector)) hook.namespaceSelector = {};
    if (isNil(hook.objectSelector)) hook.objectSelector = {};
    if (isNil(hook.timeoutSeconds)) hook.timeoutSeconds = 10;
    if (mutating && isNil(hook.reinvocationPolicy)) hook.reinvocationPolicy = 'Never';
    const service = obj(obj(hook.clientConfig)?.service);
    if (service && isNil(service.port)) service.port = 443;
    for (const rule of objs(hook.rules)) if (isNil(rule.scope)) rule.scope = '*';
  }
}
