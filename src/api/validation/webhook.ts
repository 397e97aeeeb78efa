/**
 * Validation of webhook endpoints, shared by admission webhook configurations and CRD conversion
 * webhooks (k8s.io/apiserver/pkg/util/webhook/validation.go at Kubernetes 1.32).
 */
import type { FieldError } from '../errors.js';
import { goUserinfoString, parseGoURL } from '../go/go-url.js';
import { child, invalid, required } from './field-errors.js';
import { inclusiveRangeError, isDNS1123Subdomain } from './names.js';

/** The review versions (AdmissionReview, ConversionReview) this API server can send. */
export const ACCEPTED_REVIEW_VERSIONS: readonly string[] = ['v1', 'v1beta1'];

const URL_FORM = '; desired format: https://host[/path]';

/** ValidateWebhookURL with forceHttps: an absolute https URL with a host and no user info, query or fragment. */
export function validateWebhookURL(field: string, url: string): FieldError[] {
  const parsed = parseGoURL(url);
  if (!parsed.ok) return [required(field, `url must be a valid URL: ${parsed.error}${URL_FORM}`)];
  const u = parsed.url;
  const errs: FieldError[] = [];
  if (u.scheme !== 'https') errs.push(invalid(field, u.scheme, `'https' is the only allowed URL scheme${URL_FORM}`));
  if (u.host === '') errs.push(invalid(field, u.host, `host must be specified${URL_FORM}`));
  if (u.user) errs.push(invalid(field, goUserinfoString(u.user), 'user information is not permitted in the URL'));
  if (u.fragment !== '') errs.push(invalid(field, u.fragment, 'fragments are not permitted in the URL'));
  if (u.rawQuery !== '') errs.push(invalid(field, u.rawQuery, 'query parameters are not permitted in the URL'));
  return errs;
}

/**
 * ValidateWebhookService(fldPath, namespace, name, path, port). Callers pass the arguments in the
 * order upstream's callers do — both admissionregistration and apiextensions pass (name, namespace),
 * so a missing namespace is reported at `service.name` and vice versa; kept for identical output.
 */
export function validateWebhookService(field: string, namespace: string, name: string, path: string | undefined, port: number): FieldError[] {
  const errs: FieldError[] = [];
  if (name === '') errs.push(required(child(field, 'name'), 'service name is required'));
  if (namespace === '') errs.push(required(child(field, 'namespace'), 'service namespace is required'));
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) errs.push(invalid(child(field, 'port'), port, `port is not valid: ${inclusiveRangeError(1, 65535)}`));
  if (path === undefined || path === '/' || path === '') return errs;
  const p = child(field, 'path');
  if (path === '//') return [...errs, invalid(p, path, 'segment[0] may not be empty')];
  if (!path.startsWith('/')) errs.push(invalid(p, path, "must start with a '/'"));
  let check = path.slice(1);
  if (check.endsWith('/')) check = check.slice(0, -1);
  check.split('/').forEach((step, i) => {
    if (step.length === 0) {
      errs.push(invalid(p, path, `segment[${i}] may not be empty`));
      return;
    }
    for (const failure of isDNS1123Subdomain(step)) errs.push(invalid(p, path, `segment[${i}]: ${failure}`));
  });
  return errs;
}
