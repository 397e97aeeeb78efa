/**
 * Values of the downward API (env fieldRef/resourceFieldRef and downwardAPI volume items), as
 * upstream's fieldpath.ExtractFieldPathAsString, podFieldSelectorRuntimeValue and
 * resource.ExtractContainerResourceValue.
 */
import { objsAt, strAt, strMapAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { quantityIntValue, quantityMilliValue, readQuantity } from '../../api/schema/quantity.js';

export class DownwardApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownwardApiError';
  }
}

/** Go's %q for the ASCII strings labels and annotations hold. */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `key="value"` lines in key order (fieldpath.FormatMap). */
export function formatMap(m: Readonly<Record<string, string>>): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${goQuote(m[k])}`)
    .join('\n');
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.*)'\]$/;

export interface PodRuntimeFields {
  readonly podIPs: readonly string[];
  readonly hostIPs: readonly string[];
}

/** The value of a fieldRef's fieldPath for a pod (env vars and volumes). */
export function podFieldValue(pod: KubeObject, fieldPath: string, runtime: PodRuntimeFields): string {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const m = SUBSCRIPT.exec(fieldPath);
  if (m) {
    const map = m[1] === 'labels' ? (pod.metadata.labels ?? {}) : (pod.metadata.annotations ?? {});
    return map[m[2]] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels ?? {});
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations ?? {});
    case 'spec.nodeName':
      return strAt(spec, 'nodeName');
    case 'spec.serviceAccountName':
      return strAt(spec, 'serviceAccountName');
    case 'status.hostIP':
      return runtime.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return runtime.hostIPs.join(',');
    case 'status.podIP':
      return runtime.podIPs[0] ?? '';
    case 'status.podIPs':
      return runtime.podIPs.join(',');
    default:
      throw new DownwardApiError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** Node allocatable cpu/memory/ephemeral-storage: the default for unset limits. */
export type Allocatable = Readonly<Record<string, string>>;

function ceilDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) return a;
  return (a + b - 1n) / b;
}

/** A resourceFieldRef's value for a container (limits default to the node's allocatable). */
export function containerResourceValue(container: JsonObject, resourceField: JsonObject, allocatable: Allocatable): string {
  const resource = strAt(resourceField, 'resource');
  const divisor = readQuantity(resourceField.divisor ?? '1');
  const resources = isJsonObject(container.resources) ? container.resources : {};
  const limits = strMapAt(resources, 'limits');
  const requests = strMapAt(resources, 'requests');
  const [kind, name] = resource.includes('.') ? [resource.slice(0, resource.indexOf('.')), resource.slice(resource.indexOf('.') + 1)] : ['limits', resource];
  let raw: string | undefined;
  if (kind === 'limits') raw = limits[name] ?? allocatable[name];
  else if (kind === 'requests') raw = requests[name] ?? (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' ? '0' : undefined);
  else throw new DownwardApiError(`unsupported container resource : ${resource}`);
  if (raw === undefined) {
    if (name.startsWith('hugepages-')) raw = '0';
    else throw new DownwardApiError(`unsupported container resource : ${resource}`);
  }
  const q = readQuantity(raw);
  if (!q) throw new DownwardApiError(`invalid quantity ${raw} for ${resource}`);
  const div = divisor && divisor.nanos > 0n ? divisor : readQuantity('1');
  if (!div) throw new DownwardApiError('invalid divisor');
  if (name === 'cpu') return String(ceilDiv(quantityMilliValue(q), quantityMilliValue(div)));
  return String(ceilDiv(quantityIntValue(q), quantityIntValue(div)));
}

/** The container named `name` among a pod's containers (app, then init). */
export function findContainer(pod: KubeObject, name: string): JsonObject | undefined {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  return [...objsAt(spec, 'containers'), ...objsAt(spec, 'initContainers')].find((c) => strAt(c, 'name') === name);
}
