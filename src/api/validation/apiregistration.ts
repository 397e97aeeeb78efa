/**
 * apiregistration.k8s.io/v1 APIService validation, as kube-aggregator's ValidateAPIService,
 * ValidateAPIServiceUpdate and ValidateAPIServiceStatusUpdate (pkg/apis/apiregistration/validation/validation.go,
 * Kubernetes 1.32), with upstream's field paths and texts.
 *
 * The generic metadata validation runs first with the 'path-segment' name rule (builtinNameRules); upstream's
 * name function goes on to require the name `<spec.version>.<spec.group>`, which needs the spec and so is checked
 * here. Upstream applies that same function to generateName (it ignores its prefix flag), so a generateName other
 * than the required name is refused too.
 */
import { goQuote } from '../go/go-format.js';
import type { FieldError } from '../errors.js';
import { boolAt, obj, objsAt, optNumAt, strAt, type JsonObject } from '../json-access.js';
import type { KubeObject } from '../object.js';
import { child, index, invalid, notSupported, required } from './field-errors.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidPathSegmentName, isValidPathSegmentPrefix, isValidPortNum } from './names.js';

const CONDITION_STATUSES = ['True', 'False', 'Unknown'];
const MAX_GROUP_PRIORITY_MINIMUM = 20000;
const MAX_VERSION_PRIORITY = 1000;

function specOf(o: KubeObject): JsonObject {
  return obj(o.spec) ?? {};
}

/** The name upstream requires: `spec.version + "." + spec.group` (so "v1." for the core group). */
export function requiredAPIServiceName(spec: JsonObject): string {
  return `${strAt(spec, 'version')}.${strAt(spec, 'group')}`;
}

function mustBeRequiredName(requiredName: string): string {
  return `must be \`spec.version+"."+spec.group\`: ${goQuote(requiredName)}`;
}

/**
 * The part of upstream's name function the generic 'path-segment' rule does not cover. Names failing the path
 * segment check get only those errors (reported by the generic validation); for generateName upstream uses the
 * full (non-prefix) path segment check, so "." and ".." are refused here too.
 */
function nameErrors(o: KubeObject, requiredName: string): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = o.metadata.generateName ?? '';
  if (generateName !== '' && isValidPathSegmentPrefix(generateName).length === 0) {
    const segmentProblems = isValidPathSegmentName(generateName);
    for (const msg of segmentProblems) errs.push(invalid('metadata.generateName', generateName, msg));
    if (segmentProblems.length === 0 && generateName !== requiredName) errs.push(invalid('metadata.generateName', generateName, mustBeRequiredName(requiredName)));
  }
  const name = o.metadata.name ?? '';
  if (name !== '' && isValidPathSegmentName(name).length === 0 && name !== requiredName) {
    errs.push(invalid('metadata.name', name, mustBeRequiredName(requiredName)));
  }
  return errs;
}

/** The decoded length of a base64 ([]byte) member; structure checks have refused malformed base64 already. */
function byteLength(value: unknown): number {
  return typeof value === 'string' ? Buffer.from(value, 'base64').length : 0;
}

/** ValidateAPIService (metadata beyond the name rule is validated generically). */
export function validateAPIService(o: KubeObject): FieldError[] {
  const spec = specOf(o);
  const errs = nameErrors(o, requiredAPIServiceName(spec));
  const group = strAt(spec, 'group');
  const version = strAt(spec, 'version');
  if (group === '' && version !== 'v1') errs.push(required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') for (const msg of isDNS1123Subdomain(group)) errs.push(invalid('spec.group', group, msg));
  for (const msg of isDNS1035Label(version)) errs.push(invalid('spec.version', version, msg));

  const groupPriorityMinimum = optNumAt(spec, 'groupPriorityMinimum') ?? 0;
  if (groupPriorityMinimum <= 0 || groupPriorityMinimum > MAX_GROUP_PRIORITY_MINIMUM) {
    errs.push(invalid('spec.groupPriorityMinimum', groupPriorityMinimum, `must be positive and less than ${MAX_GROUP_PRIORITY_MINIMUM}`));
  }
  const versionPriority = optNumAt(spec, 'versionPriority') ?? 0;
  if (versionPriority <= 0 || versionPriority > MAX_VERSION_PRIORITY) {
    errs.push(invalid('spec.versionPriority', versionPriority, `must be positive and less than ${MAX_VERSION_PRIORITY}`));
  }

  const caBundleBytes = byteLength(spec.caBundle);
  const insecureSkipTLSVerify = boolAt(spec, 'insecureSkipTLSVerify');
  const service = obj(spec.service);
  if (service === undefined) {
    if (caBundleBytes !== 0) errs.push(invalid('spec.caBundle', `${caBundleBytes} bytes`, 'local APIServices may not have a caBundle'));
    if (insecureSkipTLSVerify) errs.push(invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  if (strAt(service, 'namespace') === '') errs.push(required('spec.service.namespace'));
  if (strAt(service, 'name') === '') errs.push(required('spec.service.name'));
  // Defaulting gives an absent port 443; an explicit 0 (or null before defaulting) is the internal type's zero.
  const port = optNumAt(service, 'port') ?? 0;
  const portProblems = isValidPortNum(port);
  if (portProblems.length > 0) errs.push(invalid('spec.service.port', port, `port is not valid: ${portProblems.join(', ')}`));
  if (insecureSkipTLSVerify && caBundleBytes > 0) errs.push(invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

/** ValidateAPIServiceUpdate: the whole object again (metadata update rules are generic); nothing is immutable. */
export function validateAPIServiceUpdate(o: KubeObject): FieldError[] {
  return validateAPIService(o);
}

/** ValidateAPIServiceStatusUpdate: every condition's status is True, False or Unknown. */
export function validateAPIServiceStatusUpdate(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  objsAt(obj(o.status), 'conditions').forEach((condition, i) => {
    const status = strAt(condition, 'status');
    if (!CONDITION_STATUSES.includes(status)) errs.push(notSupported(child(index('status.conditions', i), 'status'), status, CONDITION_STATUSES));
  });
  return errs;
}
