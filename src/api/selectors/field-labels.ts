/**
 * Which field labels each kind accepts in `?fieldSelector=`, and the exact error for the others.
 *
 * Upstream decides this in the scheme's field-label conversion functions (kubernetes
 * pkg/apis/<group>/<version>/conversion.go), which run before any object is looked at; kinds
 * without such a function get DefaultMetaV1FieldSelectorConversion. The error texts differ by
 * kind and are reproduced here, e.g.:
 *   pods:        field label not supported: spec.foo
 *   deployments: "spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"
 *   jobs:        field label "spec.foo" not supported for batchv1.Job
 *
 * Some kinds also rename labels on the way in (pods: `spec.host` → `spec.nodeName`;
 * events.k8s.io: `regarding.name` → `involvedObject.name`): after convertFieldSelector the
 * selector speaks the names used by builtinSelectableFields.
 */
import { ApiError } from '../errors.js';
import { kindKey } from '../printers/kind-key.js';
import type { FieldLabelRule } from '../resource.js';
import type { FieldSelector } from './field-selector.js';
import { goQuote } from '../go/go-format.js';

function rule(accepted: readonly string[], unsupported: (label: string) => string, aliases: Record<string, string> = {}): FieldLabelRule {
  return Object.freeze({ accepted: new Set([...accepted, ...Object.keys(aliases)]), aliases: Object.freeze({ ...aliases }), unsupported });
}

const notSupported = (label: string) => `field label not supported: ${label}`;

/** The rule of every kind without its own conversion function (and of the generic registry). */
export const defaultFieldLabelRule: FieldLabelRule = rule(
  ['metadata.name', 'metadata.namespace'],
  (label) => `${goQuote(label)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
);

const EVENT_LABELS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
  'metadata.namespace',
  'metadata.name',
];

/** events.k8s.io/v1 names → the core/v1 names its selectable fields are computed under. */
const EVENTS_V1_ALIASES: Record<string, string> = {
  'regarding.kind': 'involvedObject.kind',
  'regarding.namespace': 'involvedObject.namespace',
  'regarding.name': 'involvedObject.name',
  'regarding.uid': 'involvedObject.uid',
  'regarding.apiVersion': 'involvedObject.apiVersion',
  'regarding.resourceVersion': 'involvedObject.resourceVersion',
  'regarding.fieldPath': 'involvedObject.fieldPath',
  reportingController: 'reportingComponent',
};

/**
 * Rules of the built-in kinds that have their own conversion function, keyed by kindKey.
 * Note that Node and Namespace do not accept `metadata.namespace`, and that ReplicaSet,
 * Deployment, PersistentVolumeClaim … use the default rule even though their registry
 * strategies compute more fields (upstream never lets those labels through). Pods accept
 * `status.podIPs` but no value is computed for it, so it reads as "" (as upstream).
 */
export const builtinFieldLabelRules: Readonly<Record<string, FieldLabelRule>> = Object.freeze({
  [kindKey('', 'Pod')]: rule(
    [
      'metadata.name',
      'metadata.namespace',
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.podIPs',
      'status.nominatedNodeName',
    ],
    notSupported,
    { 'spec.host': 'spec.nodeName' },
  ),
  [kindKey('', 'Node')]: rule(['metadata.name', 'spec.unschedulable'], notSupported),
  [kindKey('', 'ReplicationController')]: rule(['metadata.name', 'metadata.namespace', 'status.replicas'], notSupported),
  [kindKey('', 'Event')]: rule(EVENT_LABELS, notSupported),
  [kindKey('', 'Namespace')]: rule(['status.phase', 'metadata.name'], notSupported),
  [kindKey('', 'Secret')]: rule(['type', 'metadata.namespace', 'metadata.name'], notSupported),
  [kindKey('', 'Service')]: rule(['metadata.namespace', 'metadata.name', 'spec.clusterIP', 'spec.type'], notSupported),
  [kindKey('events.k8s.io', 'Event')]: rule(['reason', 'source', 'type', 'metadata.namespace', 'metadata.name'], notSupported, EVENTS_V1_ALIASES),
  [kindKey('batch', 'Job')]: rule(
    ['metadata.name', 'metadata.namespace', 'status.successful'],
    (label) => `field label ${goQuote(label)} not supported for batchv1.Job`,
  ),
  [kindKey('certificates.k8s.io', 'CertificateSigningRequest')]: rule(['metadata.name', 'spec.signerName'], notSupported),
});

/** The rule for a built-in kind (its own, or the default). */
export function fieldLabelRuleFor(key: string): FieldLabelRule {
  return builtinFieldLabelRules[key] ?? defaultFieldLabelRule;
}

/**
 * The rule of a custom resource version (apiextensions crConverter.ConvertFieldLabel):
 * `metadata.name`, `metadata.namespace` unless cluster-scoped, and the version's
 * selectableFields (given as their JSON paths, e.g. `.spec.color`, labelled `spec.color`).
 */
export function crdFieldLabelRule(opts: { clusterScoped: boolean; selectableFields?: readonly string[] }): FieldLabelRule {
  const accepted = ['metadata.name'];
  if (!opts.clusterScoped) accepted.push('metadata.namespace');
  for (const p of opts.selectableFields ?? []) accepted.push(p.startsWith('.') ? p.slice(1) : p);
  return rule(accepted, notSupported);
}

/** Request-label aliases per kind (pods: `spec.host` → `spec.nodeName`, events.k8s.io names). */
export const fieldLabelAliases: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze(
  Object.fromEntries(Object.entries(builtinFieldLabelRules).filter(([, r]) => Object.keys(r.aliases).length > 0).map(([k, r]) => [k, r.aliases])),
);

/**
 * Checks every term's label against the rule and renames aliased labels. Throws ApiError 400
 * (BadRequest) with the rule's message for the first unsupported label, in term order.
 */
export function convertFieldSelector(selector: FieldSelector, r: FieldLabelRule): FieldSelector {
  return selector.transform((field, value) => {
    if (!r.accepted.has(field)) throw ApiError.badRequest(r.unsupported(field));
    return { field: r.aliases[field] ?? field, value };
  });
}
