/**
 * networking.k8s.io/v1: Ingress, IngressClass and NetworkPolicy (pkg/apis/networking/validation).
 */
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { child, forbidden, index, invalid, notSupported, required, tooLong } from './field-errors.js';
import { has, intOrStrAt, numAt, obj, objAt, objsAt, optNumAt, optStrAt, strAt, strListAt, strMapAt, type JsonObject } from '../json-access.js';
import { cidrContainsIP, parseCIDR, parseIP } from './ip.js';
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameProblems,
  validateCIDR,
  validateDomainPrefixedPath,
} from './names.js';
import { labelSelectorHasInvalidLabelValue, validateLabelSelector } from './object-meta.js';
import { validateLoadBalancerIngress } from './service.js';

// ---- NetworkPolicy ----------------------------------------------------------------------------------

function validateNetworkPolicyPort(field: string, port: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const proto = optStrAt(port, 'protocol');
  if (proto !== undefined && proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') errs.push(notSupported(child(field, 'protocol'), proto, ['TCP', 'UDP', 'SCTP']));
  const p = intOrStrAt(port, 'port');
  const endPort = optNumAt(port, 'endPort');
  if (typeof p === 'number') {
    for (const m of isValidPortNum(p)) errs.push(invalid(child(field, 'port'), p, m));
    if (endPort !== undefined) {
      if (endPort < p) errs.push(invalid(child(field, 'endPort'), p, 'must be greater than or equal to `port`'));
      for (const m of isValidPortNum(endPort)) errs.push(invalid(child(field, 'endPort'), endPort, m));
    }
  } else if (typeof p === 'string') {
    if (endPort !== undefined) errs.push(invalid(child(field, 'endPort'), endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of isValidPortName(p)) errs.push(invalid(child(field, 'port'), p, m));
  } else if (endPort !== undefined) {
    errs.push(invalid(child(field, 'endPort'), endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validateIPBlock(field: string, block: JsonObject): FieldError[] {
  const cidr = strAt(block, 'cidr');
  if (cidr === '') return [required(child(field, 'cidr'))];
  const errs = validateCIDR(child(field, 'cidr'), cidr);
  const outer = parseCIDR(cidr);
  if (!outer) return errs;
  strListAt(block, 'except').forEach((ex, i) => {
    const p = index(child(field, 'except'), i);
    errs.push(...validateCIDR(p, ex));
    const inner = parseCIDR(ex);
    if (!inner) return;
    const innerBits = inner.v4 ? inner.prefix + 96 : inner.prefix;
    const outerBits = outer.v4 ? outer.prefix + 96 : outer.prefix;
    if (inner.v4 !== outer.v4 || !cidrContainsIP(outer, inner.ip) || outerBits >= innerBits) errs.push(invalid(p, ex, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

function validatePeer(field: string, peer: JsonObject, allowInvalid: boolean): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const sel of ['podSelector', 'namespaceSelector']) {
    const s = objAt(peer, sel);
    if (!s) continue;
    n++;
    errs.push(...validateLabelSelector(child(field, sel), s, { allowInvalidLabelValueInSelector: allowInvalid }));
  }
  const block = objAt(peer, 'ipBlock');
  if (block) {
    n++;
    errs.push(...validateIPBlock(child(field, 'ipBlock'), block));
  }
  if (n === 0) errs.push(required(field, 'must specify a peer'));
  else if (n > 1 && block) errs.push(forbidden(field, 'may not specify both ipBlock and another peer'));
  return errs;
}

function validateNetworkPolicySpec(spec: JsonObject, allowInvalid: boolean): FieldError[] {
  const errs = validateLabelSelector('spec.podSelector', objAt(spec, 'podSelector') ?? {}, { allowInvalidLabelValueInSelector: allowInvalid });
  for (const [dir, peers] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    objsAt(spec, dir).forEach((rule, i) => {
      const rp = index(`spec.${dir}`, i);
      objsAt(rule, 'ports').forEach((port, j) => errs.push(...validateNetworkPolicyPort(index(child(rp, 'ports'), j), port)));
      objsAt(rule, peers).forEach((peer, j) => errs.push(...validatePeer(index(child(rp, peers), j), peer, allowInvalid)));
    });
  }
  const types = strListAt(spec, 'policyTypes');
  if (types.length > 2) return [...errs, invalid('spec.policyTypes', types, 'may not specify more than two policyTypes')];
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(notSupported(index('spec.policyTypes', i), t, ['Ingress', 'Egress']));
  });
  return errs;
}

export function validateNetworkPolicy(np: KubeObject): FieldError[] {
  return validateNetworkPolicySpec(obj(np.spec) ?? {}, false);
}

export function validateNetworkPolicyUpdate(np: KubeObject, old: KubeObject): FieldError[] {
  return validateNetworkPolicySpec(obj(np.spec) ?? {}, labelSelectorHasInvalidLabelValue(objAt(obj(old.spec), 'podSelector')));
}

// ---- Ingress ------------------------------------------------------------------------------------------

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validateTypedLocalObjectReference(field: string, ref: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const group = optStrAt(ref, 'apiGroup');
  if (group !== undefined) for (const m of isDNS1123Subdomain(group)) errs.push(invalid(child(field, 'apiGroup'), group, m));
  for (const f of ['kind', 'name']) {
    const v = strAt(ref, f);
    if (v === '') errs.push(required(child(field, f), `${f} is required`));
    else for (const m of isValidPathSegmentName(v)) errs.push(invalid(child(field, f), v, m));
  }
  return errs;
}

function validateBackend(field: string, backend: JsonObject): FieldError[] {
  const resource = objAt(backend, 'resource');
  const service = objAt(backend, 'service');
  if (resource && service) return [invalid(field, '', 'cannot set both resource and service backends')];
  if (resource) return validateTypedLocalObjectReference(child(field, 'resource'), resource);
  if (!service) return [invalid(field, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = strAt(service, 'name');
  if (name === '') errs.push(required(child(field, 'service', 'name')));
  else for (const m of isDNS1035Label(name)) errs.push(invalid(child(field, 'service', 'name'), name, m));
  const port = objAt(service, 'port');
  const portName = strAt(port, 'name');
  const portNumber = numAt(port, 'number');
  if (portName !== '' && portNumber !== 0) errs.push(invalid(field, '', 'cannot set both port name & port number'));
  else if (portName !== '') for (const m of isValidPortName(portName)) errs.push(invalid(child(field, 'service', 'port', 'name'), portName, m));
  else if (portNumber !== 0) for (const m of isValidPortNum(portNumber)) errs.push(invalid(child(field, 'service', 'port', 'number'), portNumber, m));
  else errs.push(required(field, 'port name or number is required'));
  return errs;
}

function validateHTTPPath(field: string, path: JsonObject): FieldError[] {
  const type = optStrAt(path, 'pathType');
  if (type === undefined) return [required(child(field, 'pathType'), 'pathType must be specified')];
  const errs: FieldError[] = [];
  const p = strAt(path, 'path');
  if (type === 'Exact' || type === 'Prefix') {
    if (!p.startsWith('/')) errs.push(invalid(child(field, 'path'), p, 'must be an absolute path'));
    if (p !== '') {
      for (const seq of INVALID_PATH_SEQUENCES) if (p.includes(seq)) errs.push(invalid(child(field, 'path'), p, `must not contain '${seq}'`));
      for (const suf of INVALID_PATH_SUFFIXES) if (p.endsWith(suf)) errs.push(invalid(child(field, 'path'), p, `cannot end with '${suf}'`));
    }
  } else if (type === 'ImplementationSpecific') {
    if (p !== '' && !p.startsWith('/')) errs.push(invalid(child(field, 'path'), p, 'must be an absolute path'));
  } else {
    errs.push(notSupported(child(field, 'pathType'), type, PATH_TYPES));
  }
  errs.push(...validateBackend(child(field, 'backend'), objAt(path, 'backend') ?? {}));
  return errs;
}

function ruleValueErrors(rule: JsonObject, field: string): FieldError[] {
  const http = objAt(rule, 'http');
  if (!http) return [];
  const paths = objsAt(http, 'paths');
  const errs: FieldError[] = [];
  if (paths.length === 0) errs.push(required(child(field, 'http', 'paths')));
  paths.forEach((p, i) => errs.push(...validateHTTPPath(index(child(field, 'http', 'paths'), i), p)));
  return errs;
}

interface IngressOptions {
  readonly allowInvalidSecretName: boolean;
  readonly allowInvalidWildcardHostRule: boolean;
}

function validateIngressSpec(spec: JsonObject, opts: IngressOptions): FieldError[] {
  const errs: FieldError[] = [];
  const rules = objsAt(spec, 'rules');
  const defaultBackend = objAt(spec, 'defaultBackend');
  if (rules.length === 0 && !defaultBackend) errs.push(invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (defaultBackend) errs.push(...validateBackend('spec.defaultBackend', defaultBackend));
  rules.forEach((rule, i) => {
    const p = index('spec.rules', i);
    const host = strAt(rule, 'host');
    let wildcard = false;
    if (host !== '') {
      if (parseIP(host)) errs.push(invalid(child(p, 'host'), host, 'must be a DNS name, not an IP address'));
      if (host.includes('*')) {
        for (const m of isWildcardDNS1123Subdomain(host)) errs.push(invalid(child(p, 'host'), host, m));
        wildcard = true;
      } else {
        for (const m of isDNS1123Subdomain(host)) errs.push(invalid(child(p, 'host'), host, m));
      }
    }
    if (!wildcard || !opts.allowInvalidWildcardHostRule) errs.push(...ruleValueErrors(rule, p));
  });
  objsAt(spec, 'tls').forEach((tls, i) => {
    const p = index('spec.tls', i);
    strListAt(tls, 'hosts').forEach((h, j) => {
      const msgs = h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h);
      for (const m of msgs) errs.push(invalid(index(child(p, 'hosts'), j), h, m));
    });
    const secretName = strAt(tls, 'secretName');
    if (!opts.allowInvalidSecretName && secretName !== '') for (const m of isDNS1123Subdomain(secretName)) errs.push(invalid(child(p, 'secretName'), secretName, m));
  });
  const className = optStrAt(spec, 'ingressClassName');
  if (className !== undefined) for (const m of nameProblems('subdomain', className, false)) errs.push(invalid('spec.ingressClassName', className, m));
  return errs;
}

export function validateIngress(ing: KubeObject): FieldError[] {
  const errs = validateIngressSpec(obj(ing.spec) ?? {}, { allowInvalidSecretName: false, allowInvalidWildcardHostRule: false });
  const annotations = strMapAt(obj(ing.metadata), 'annotations');
  const className = optStrAt(obj(ing.spec), 'ingressClassName');
  const annotated = annotations['kubernetes.io/ingress.class'];
  if (annotated !== undefined && className !== undefined && annotated !== className) {
    errs.push(invalid('annotations.kubernetes.io/ingress.class', annotated, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

export function validateIngressUpdate(ing: KubeObject, old: KubeObject): FieldError[] {
  const oldSpec = obj(old.spec) ?? {};
  const allowInvalidSecretName = objsAt(oldSpec, 'tls').some((t) => strAt(t, 'secretName') !== '' && isDNS1123Subdomain(strAt(t, 'secretName')).length > 0);
  const allowInvalidWildcardHostRule = objsAt(oldSpec, 'rules').some((r) => strAt(r, 'host').includes('*') && ruleValueErrors(r, '').length > 0);
  return validateIngressSpec(obj(ing.spec) ?? {}, { allowInvalidSecretName, allowInvalidWildcardHostRule });
}

export function validateIngressStatus(ing: KubeObject): FieldError[] {
  return validateLoadBalancerIngress('status.loadBalancer.ingress', objsAt(objAt(obj(ing.status), 'loadBalancer'), 'ingress'), true, false);
}

// ---- IngressClass --------------------------------------------------------------------------------------

function validateIngressClassSpec(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const controller = strAt(spec, 'controller');
  if (controller.length > 250) errs.push(tooLong('spec.controller', 250));
  errs.push(...validateDomainPrefixedPath('spec.controller', controller));
  const params = objAt(spec, 'parameters');
  if (params) {
    errs.push(...validateTypedLocalObjectReference('spec.parameters', params));
    const scope = optStrAt(params, 'scope');
    if (scope === undefined) {
      errs.push(required('spec.parameters.scope'));
    } else if (scope !== 'Cluster' && scope !== 'Namespace') {
      errs.push(notSupported('spec.parameters.scope', scope, ['Cluster', 'Namespace']));
    } else if (scope === 'Namespace') {
      const ns = optStrAt(params, 'namespace');
      if (ns === undefined) errs.push(required('spec.parameters.namespace', "`parameters.scope` is set to 'Namespace'"));
      else for (const m of nameProblems('label', ns, false)) errs.push(invalid('spec.parameters.namespace', ns, m));
    } else if (has(params, 'namespace')) {
      errs.push(forbidden('spec.parameters.namespace', "`parameters.scope` is set to 'Cluster'"));
    }
  }
  return errs;
}

export function validateIngressClass(ic: KubeObject): FieldError[] {
  return validateIngressClassSpec(obj(ic.spec) ?? {});
}

export function validateIngressClassUpdate(ic: KubeObject, old: KubeObject): FieldError[] {
  const controller = strAt(obj(ic.spec), 'controller');
  const oldController = strAt(obj(old.spec), 'controller');
  const errs = controller !== oldController ? [invalid('spec.controller', controller, 'field is immutable')] : [];
  return [...errs, ...validateIngressClassSpec(obj(ic.spec) ?? {})];
}


