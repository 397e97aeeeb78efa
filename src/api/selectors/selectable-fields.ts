/**
 * Field-selector values of objects, per kind (upstream pkg/registry/<group>/<kind>/strategy.go
 * ToSelectableFields / GetAttrs, 1.32), keyed by kindKey. `metadata.name` and
 * `metadata.namespace` are not listed: objectFieldSet adds them for every kind.
 *
 * Values are computed on the served JSON of the object, the way upstream computes them on the
 * internal type after conversion (e.g. a pod's `status.podIP` is the first of `status.podIPs`,
 * booleans print as "true"/"false", integers in decimal). Labels renamed by field-labels.ts
 * aliases (events.k8s.io `regarding.*`) are looked up under their core names here.
 */
import { eventsV1ToCore } from '../conversion/event-conversion.js';
import type { KubeObject } from '../object.js';
import { compileJsonPath } from '../jsonpath/json-path.js';
import type { JsonPath } from '../jsonpath/json-path.js';
import { goValue } from '../go/go-format.js';
import { kindKey } from '../printers/kind-key.js';
import { podIP } from '../printers/pod.js';
import { at, int, str } from '../json-access.js';

export type SelectableFieldsFn = (obj: KubeObject) => Record<string, string>;

function boolText(v: unknown): string {
  return v === true ? 'true' : 'false';
}

const pod: SelectableFieldsFn = (o) => ({
  'spec.nodeName': str(at(o, 'spec', 'nodeName')),
  'spec.restartPolicy': str(at(o, 'spec', 'restartPolicy')),
  'spec.schedulerName': str(at(o, 'spec', 'schedulerName')),
  'spec.serviceAccountName': str(at(o, 'spec', 'serviceAccountName')),
  'spec.hostNetwork': boolText(at(o, 'spec', 'hostNetwork')),
  'status.phase': str(at(o, 'status', 'phase')),
  'status.podIP': podIP(o),
  'status.nominatedNodeName': str(at(o, 'status', 'nominatedNodeName')),
});

/** core/v1 Event: `source` falls back to the reporting controller for events written via events.k8s.io. */
const coreEvent: SelectableFieldsFn = (o) => {
  const ref = at(o, 'involvedObject');
  const reporting = str(at(o, 'reportingComponent'));
  return {
    'involvedObject.kind': str(at(ref, 'kind')),
    'involvedObject.namespace': str(at(ref, 'namespace')),
    'involvedObject.name': str(at(ref, 'name')),
    'involvedObject.uid': str(at(ref, 'uid')),
    'involvedObject.apiVersion': str(at(ref, 'apiVersion')),
    'involvedObject.resourceVersion': str(at(ref, 'resourceVersion')),
    'involvedObject.fieldPath': str(at(ref, 'fieldPath')),
    reason: str(at(o, 'reason')),
    reportingComponent: reporting,
    source: str(at(o, 'source', 'component')) || reporting,
    type: str(at(o, 'type')),
  };
};

/** events.k8s.io/v1 Event, under the core names its field labels are converted to. */
const eventsV1Event: SelectableFieldsFn = (o) => coreEvent(eventsV1ToCore(o));

export const builtinSelectableFields: Readonly<Record<string, SelectableFieldsFn>> = Object.freeze({
  [kindKey('', 'Pod')]: pod,
  [kindKey('', 'Node')]: (o) => ({ 'spec.unschedulable': boolText(at(o, 'spec', 'unschedulable')) }),
  [kindKey('', 'Namespace')]: (o) => ({ 'status.phase': str(at(o, 'status', 'phase')) }),
  [kindKey('', 'Secret')]: (o) => ({ type: str(at(o, 'type')) }),
  [kindKey('', 'ReplicationController')]: (o) => ({ 'status.replicas': String(int(at(o, 'status', 'replicas'))) }),
  [kindKey('', 'Service')]: (o) => ({ 'spec.clusterIP': str(at(o, 'spec', 'clusterIP')), 'spec.type': str(at(o, 'spec', 'type')) }),
  [kindKey('', 'Event')]: coreEvent,
  [kindKey('events.k8s.io', 'Event')]: eventsV1Event,
  [kindKey('batch', 'Job')]: (o) => ({ 'status.successful': String(int(at(o, 'status', 'succeeded'))) }),
  [kindKey('certificates.k8s.io', 'CertificateSigningRequest')]: (o) => ({ 'spec.signerName': str(at(o, 'spec', 'signerName')) }),
});

/**
 * The complete field set of an object: metadata.name, metadata.namespace (empty for
 * cluster-scoped objects, which matches upstream's "no such field" reading) and the kind's own
 * fields, if `fields` is given.
 */
export function objectFieldSet(obj: KubeObject, fields?: SelectableFieldsFn): Record<string, string> {
  return {
    ...(fields ? fields(obj) : {}),
    'metadata.name': obj.metadata.name ?? '',
    'metadata.namespace': obj.metadata.namespace ?? '',
  };
}

/**
 * Field values of a custom resource version's selectableFields (given as JSON paths such as
 * `.spec.color`; the label is the path without its leading dot), as upstream's custom resource
 * strategy computes them: a missing or null value reads as ""; other values print as Go's
 * fmt.Sprint would. Throws, when called, if a path is not valid JSONPath or yields several
 * values (CRD validation rules both out).
 */
export function crdSelectableFields(jsonPaths: readonly string[]): SelectableFieldsFn {
  const compiled = jsonPaths.map((p): [string, () => JsonPath] => {
    const label = p.startsWith('.') ? p.slice(1) : p;
    try {
      const path = compileJsonPath(`{${p}}`, { allowMissingKeys: true });
      return [label, () => path];
    } catch (e) {
      return [
        label,
        () => {
          throw new Error(`unexpected error parsing jsonPath: ${(e as Error).message}`);
        },
      ];
    }
  });
  return (obj) => {
    const out: Record<string, string> = {};
    for (const [label, path] of compiled) {
      const results = path().findResults(obj);
      const first = results[0] ?? [];
      if (results.length > 1 || first.length > 1) throw new Error(`selectable field ${label}: unexpectedly received more than one JSON path result`);
      const v = first[0];
      out[label] = v === null || v === undefined ? '' : goValue(v);
    }
    return out;
  };
}
