/**
 * Service and Endpoints validation (core validation ValidateService, ValidateServiceUpdate,
 * ValidateServiceStatusUpdate, ValidateEndpoints). Cluster IPs, IP families and node ports are
 * expected to have been allocated before validation runs, as upstream's BeginCreate does.
 */
import { externallyAccessible } from '../defaults/core.js';
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { child, duplicate, forbidden, index, invalid, key, notSupported, required } from './field-errors.js';
import { has, numAt, obj, objAt, objsAt, optBoolAt, optNumAt, optStrAt, strAt, strListAt, strMapAt, type JsonObject } from '../json-access.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidPortNum, validateCIDR, validateDNS1123Label, validateDNS1123Subdomain, validateIP, validateQualifiedName } from './names.js';
import { isLinkLocalMulticast, isLinkLocalUnicast, isLoopback, isUnspecified, isV4, parseIP } from './ip.js';
import { validateLabels } from './object-meta.js';
import { validatePortNumOrName } from './pod.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

/** The default NodePort range of kube-apiserver (--service-node-port-range). */
export const DEFAULT_NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** Upstream ValidateNonSpecialIP: endpoints and external IPs may not be loopback, link-local … */
export function validateNonSpecialIP(field: string, value: string): FieldError[] {
  const ip = parseIP(value);
  if (!ip) return [invalid(field, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  if (isUnspecified(ip)) errs.push(invalid(field, value, `may not be unspecified (${value})`));
  if (isLoopback(ip)) errs.push(invalid(field, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (isLinkLocalUnicast(ip)) errs.push(invalid(field, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (isLinkLocalMulticast(ip)) errs.push(invalid(field, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** clusterIPs as validation sees them: upstream syncs a lone clusterIP into clusterIPs first. */
function clusterIPsOf(spec: JsonObject): string[] {
  const ips = strListAt(spec, 'clusterIPs');
  const ip = strAt(spec, 'clusterIP');
  return ips.length === 0 && ip !== '' ? [ip] : ips;
}

function isHeadless(spec: JsonObject): boolean {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === 'None';
}

function needsHealthCheck(spec: JsonObject): boolean {
  return strAt(spec, 'type') === 'LoadBalancer' && strAt(spec, 'externalTrafficPolicy') === 'Local';
}

function isIPv6(s: string): boolean {
  const ip = parseIP(s);
  return ip !== null && !isV4(ip);
}

function validateServicePort(field: string, sp: JsonObject, requireName: boolean, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const name = strAt(sp, 'name');
  if (requireName && name === '') errs.push(required(child(field, 'name')));
  else if (name !== '') {
    errs.push(...validateDNS1123Label(child(field, 'name'), name));
    if (names.has(name)) errs.push(duplicate(child(field, 'name'), name));
    else names.add(name);
  }
  const port = numAt(sp, 'port');
  for (const m of isValidPortNum(port)) errs.push(invalid(child(field, 'port'), port, m));
  const proto = strAt(sp, 'protocol');
  if (proto === '') errs.push(required(child(field, 'protocol')));
  else if (!PORT_PROTOCOLS.includes(proto)) errs.push(notSupported(child(field, 'protocol'), proto, PORT_PROTOCOLS));
  const tp = sp.targetPort;
  errs.push(...validatePortNumOrName(child(field, 'targetPort'), typeof tp === 'number' || typeof tp === 'string' ? tp : 0));
  const app = optStrAt(sp, 'appProtocol');
  if (app !== undefined) errs.push(...validateQualifiedName(child(field, 'appProtocol'), app));
  return errs;
}

function validateClusterIPsRelatedFields(spec: JsonObject): FieldError[] {
  if (strAt(spec, 'type') === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const clusterIP = strAt(spec, 'clusterIP');
  const explicitIPs = strListAt(spec, 'clusterIPs');
  const ips = clusterIPsOf(spec);
  if (clusterIP !== '') {
    if (explicitIPs.length > 0 && explicitIPs[0] !== clusterIP) errs.push(invalid('spec.clusterIPs', explicitIPs, 'first value must match `clusterIP`'));
  } else if (explicitIPs.length !== 0) {
    errs.push(invalid('spec.clusterIPs', explicitIPs, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  strListAt(spec, 'ipFamilies').forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(notSupported(index('spec.ipFamilies', i), f, IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(index('spec.ipFamilies', i), f));
    seen.add(f);
  });
  const policy = optStrAt(spec, 'ipFamilyPolicy');
  if (policy !== undefined && !IP_FAMILY_POLICIES.includes(policy)) errs.push(notSupported('spec.ipFamilyPolicy', policy, IP_FAMILY_POLICIES));
  let badIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        badIPs = true;
        errs.push(invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    const e = validateIP(index('spec.clusterIPs', i), ip);
    if (e.length > 0) badIPs = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (badIPs) return errs;
  if (ips.length > 1 && isIPv6(ips[0]) === isIPv6(ips[1])) errs.push(invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  const families = strListAt(spec, 'ipFamilies');
  if (!isHeadless(spec) && ips.length > 0 && families.length > 0) {
    ips.forEach((ip, i) => {
      if (i >= families.length) return;
      if (families[i] === 'IPv4' && isIPv6(ip)) errs.push(invalid(index('spec.clusterIPs', i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === 'IPv6' && !isIPv6(ip)) errs.push(invalid(index('spec.clusterIPs', i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

export interface ServiceValidationOptions {
  /** The range node ports must fall in. */
  readonly nodePortRange?: { readonly min: number; readonly max: number };
}

/** ValidateService (metadata aside). */
export function validateService(svc: KubeObject, options: ServiceValidationOptions = {}): FieldError[] {
  const meta = obj(svc.metadata) ?? {};
  const spec = obj(svc.spec) ?? {};
  const errs: FieldError[] = [];
  // Service names are DNS-1035 labels; the generic check covers DNS-1123 labels, so report the
  // extra rule (must start with a letter) here when only it is violated.
  for (const f of ['name', 'generateName'] as const) {
    const n = strAt(meta, f);
    if (n === '') continue;
    const masked = f === 'generateName' && n.length > 1 && n.endsWith('-') ? `${n.slice(0, -2)}a` : n;
    if (isDNS1123Label(masked).length === 0) for (const m of isDNS1035Label(masked)) errs.push(invalid(`metadata.${f}`, n, m));
  }
  const annotations = strMapAt(meta, 'annotations');
  const hints = annotations['service.kubernetes.io/topology-aware-hints'];
  const mode = annotations['service.kubernetes.io/topology-mode'];
  if (hints !== undefined && mode !== undefined && hints !== mode) {
    errs.push(invalid(key('metadata.annotations', 'service.kubernetes.io/topology-mode'), mode, 'must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified'));
  }
  const type = strAt(spec, 'type');
  const ports = objsAt(spec, 'ports');
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  const ips = clusterIPsOf(spec);
  if (type === 'LoadBalancer' && headless) errs.push(invalid('spec.clusterIPs[0]', ips[0], "may not be set to 'None' for LoadBalancer services"));
  if (type === 'NodePort' && headless) errs.push(invalid('spec.clusterIPs[0]', ips[0], "may not be set to 'None' for NodePort services"));
  if (type === 'ExternalName') {
    if (ips.length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (strListAt(spec, 'ipFamilies').length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (has(spec, 'ipFamilyPolicy')) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = strAt(spec, 'externalName').replace(/\.$/, '');
    if (cname !== '') errs.push(...validateDNS1123Subdomain('spec.externalName', cname));
    else errs.push(required('spec.externalName'));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(index('spec.ports', i), p, ports.length > 1, names)));
  if (has(spec, 'selector')) errs.push(...validateLabels('spec.selector', strMapAt(spec, 'selector')));
  const affinity = strAt(spec, 'sessionAffinity');
  if (affinity === '') errs.push(required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(affinity)) errs.push(notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  if (affinity === 'ClientIP') {
    const cfg = objAt(spec, 'sessionAffinityConfig');
    const clientIP = objAt(cfg, 'clientIP');
    const timeout = optNumAt(clientIP, 'timeoutSeconds');
    if (!cfg) errs.push(required('spec.sessionAffinityConfig', 'when session affinity type is ClientIP'));
    else if (!clientIP) errs.push(required('spec.sessionAffinityConfig.clientIP', 'when session affinity type is ClientIP'));
    else if (timeout === undefined) errs.push(required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'when session affinity type is ClientIP'));
    else if (timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS) {
      errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
    }
  } else if (affinity === 'None' && has(spec, 'sessionAffinityConfig')) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPsRelatedFields(spec));
  strListAt(spec, 'externalIPs').forEach((ip, i) => {
    const p = index('spec.externalIPs', i);
    const e = validateIP(p, ip);
    errs.push(...(e.length > 0 ? e : validateNonSpecialIP(p, ip)));
  });
  if (type === '') errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (numAt(p, 'nodePort') !== 0) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const np = numAt(p, 'nodePort');
    if (np === 0) return;
    const k = `${strAt(p, 'protocol')}/${np}`;
    if (nodePorts.has(k)) errs.push(duplicate(`spec.ports[${i}].nodePort`, np));
    nodePorts.add(k);
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const k = `${strAt(p, 'protocol')}/${numAt(p, 'port')}`;
    if (portKeys.has(k)) errs.push(duplicate(`spec.ports[${i}]`, { protocol: strAt(p, 'protocol'), port: numAt(p, 'port') }));
    portKeys.add(k);
  });
  const ranges = strListAt(spec, 'loadBalancerSourceRanges');
  if (ranges.length > 0) {
    if (type !== 'LoadBalancer') errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...validateCIDR(index('spec.LoadBalancerSourceRanges', i), r.trim())));
  } else if ('service.beta.kubernetes.io/load-balancer-source-ranges' in annotations) {
    const p = key('metadata.annotations', 'service.beta.kubernetes.io/load-balancer-source-ranges');
    if (type !== 'LoadBalancer') errs.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    const val = annotations['service.beta.kubernetes.io/load-balancer-source-ranges'].trim();
    if (val !== '') for (const r of val.split(',')) errs.push(...validateCIDR(p, r.trim()));
  }
  if (has(spec, 'allocateLoadBalancerNodePorts') && type !== 'LoadBalancer') errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  if (type === 'LoadBalancer' && optBoolAt(spec, 'allocateLoadBalancerNodePorts') === undefined) errs.push(required('allocateLoadBalancerNodePorts'));
  errs.push(...validateLoadBalancerClass(spec, undefined));
  if (!externallyAccessible(spec)) {
    const etp = strAt(spec, 'externalTrafficPolicy');
    if (etp !== '') errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else {
    const etp = strAt(spec, 'externalTrafficPolicy');
    if (etp === '') errs.push(required('spec.externalTrafficPolicy'));
    else if (!TRAFFIC_POLICIES.includes(etp)) errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  const hcnp = numAt(spec, 'healthCheckNodePort');
  if (!needsHealthCheck(spec)) {
    if (hcnp !== 0) errs.push(invalid('spec.healthCheckNodePort', hcnp, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (hcnp === 0) {
    errs.push(required('spec.healthCheckNodePort'));
  } else {
    for (const m of isValidPortNum(hcnp)) errs.push(invalid('spec.healthCheckNodePort', hcnp, m));
  }
  const itp = optStrAt(spec, 'internalTrafficPolicy');
  if (itp === undefined) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(itp)) {
    errs.push(notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  const td = optStrAt(spec, 'trafficDistribution');
  if (td !== undefined && td !== 'PreferClose') errs.push(notSupported('spec.trafficDistribution', td, ['PreferClose']));
  const range = options.nodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  ports.forEach((p, i) => {
    const np = numAt(p, 'nodePort');
    if (np !== 0 && (np < range.min || np > range.max)) {
      errs.push(invalid(`spec.ports[${i}].nodePort`, np, `provided port is not in the valid range. The range of valid ports is ${range.min}-${range.max}`));
    }
  });
  return errs;
}

function validateLoadBalancerClass(spec: JsonObject, oldSpec: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const cls = optStrAt(spec, 'loadBalancerClass');
  if (oldSpec && strAt(oldSpec, 'type') === 'LoadBalancer' && strAt(spec, 'type') === 'LoadBalancer' && optStrAt(oldSpec, 'loadBalancerClass') !== cls) {
    errs.push(invalid('spec.loadBalancerClass', cls ?? null, 'may not change once set'));
  }
  if (strAt(spec, 'type') === 'LoadBalancer') {
    if (cls !== undefined) errs.push(...validateQualifiedName('spec.loadBalancerClass', cls));
  } else if (cls !== undefined) {
    errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

/** ValidateServiceUpdate (metadata aside): cluster IPs and families may only be added/released. */
export function validateServiceUpdate(svc: KubeObject, old: KubeObject, options: ServiceValidationOptions = {}): FieldError[] {
  const spec = obj(svc.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const errs: FieldError[] = [];
  const extName = strAt(spec, 'type') === 'ExternalName' || strAt(oldSpec, 'type') === 'ExternalName';
  if (!extName && !(isHeadless(spec) && isHeadless(oldSpec))) {
    const nIPs = clusterIPsOf(spec);
    const oIPs = clusterIPsOf(oldSpec);
    if (oIPs.length === nIPs.length) {
      oIPs.forEach((ip, i) => {
        if (ip !== nIPs[i]) errs.push(invalid(index('spec.clusterIPs', i), nIPs, 'may not change once set'));
      });
    } else if (oIPs.length > nIPs.length) {
      if (nIPs.length === 0) errs.push(invalid('spec.clusterIPs[0]', nIPs, 'primary clusterIP can not be unset'));
      if (oIPs.length > 0 && nIPs.length > 0 && nIPs[0] !== oIPs[0]) errs.push(invalid('spec.clusterIPs[0]', nIPs, 'may not change once set'));
      if (nIPs.length === 1 && optStrAt(spec, 'ipFamilyPolicy') !== 'SingleStack') {
        errs.push(invalid('spec.ipFamilyPolicy', optStrAt(spec, 'ipFamilyPolicy') ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (oIPs.length > 0 && nIPs[0] !== oIPs[0]) {
      errs.push(invalid('spec.clusterIPs[0]', nIPs, 'may not change once set'));
    }
  }
  if (!extName && isHeadless(spec) === isHeadless(oldSpec) && !isHeadless(spec)) {
    const nF = strListAt(spec, 'ipFamilies');
    const oF = strListAt(oldSpec, 'ipFamilies');
    const ips = clusterIPsOf(spec);
    if (oF.length === nF.length) {
      oF.forEach((f, i) => {
        if (f !== nF[i]) errs.push(invalid('spec.ipFamilies[0]', nF, 'may not change once set'));
      });
    } else if (oF.length > nF.length) {
      if (ips.length === 0) errs.push(invalid('spec.ipFamilies[0]', nF, 'primary ipFamily can not be unset'));
      if (nF.length > 0 && nF[0] !== oF[0]) errs.push(invalid('spec.ipFamilies[0]', ips, 'may not change once set'));
      if (nF.length === 1 && optStrAt(spec, 'ipFamilyPolicy') !== 'SingleStack') {
        errs.push(invalid('spec.ipFamilyPolicy', optStrAt(spec, 'ipFamilyPolicy') ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
      }
    } else if (oF.length > 0 && nF.length > 0 && nF[0] !== oF[0]) {
      errs.push(invalid('spec.ipFamilies[0]', ips, 'may not change once set'));
    }
  }
  const lbErrs = validateLoadBalancerClass(spec, oldSpec).filter((e) => e.detail === 'may not change once set');
  errs.push(...lbErrs);
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && numAt(spec, 'healthCheckNodePort') !== numAt(oldSpec, 'healthCheckNodePort')) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  return [...errs, ...validateService(svc, options)];
}

/** ValidateServiceStatusUpdate (metadata aside): load-balancer ingress entries. */
export function validateServiceStatus(svc: KubeObject): FieldError[] {
  const spec = obj(svc.spec) ?? {};
  const ingress = objsAt(objAt(obj(svc.status), 'loadBalancer'), 'ingress');
  return validateLoadBalancerIngress('status.loadBalancer.ingress', ingress, strAt(spec, 'type') === 'LoadBalancer', true);
}

/** Load-balancer ingress points (Service status; Ingress status uses it without ipMode rules). */
export function validateLoadBalancerIngress(field: string, ingress: readonly JsonObject[], isLoadBalancer: boolean, ipModeRules: boolean): FieldError[] {
  if (!isLoadBalancer && ingress.length > 0) return [forbidden(field, "may only be used when `spec.type` is 'LoadBalancer'")];
  const errs: FieldError[] = [];
  ingress.forEach((ing, i) => {
    const p = index(field, i);
    const ip = strAt(ing, 'ip');
    if (ip !== '') errs.push(...validateIP(child(p, 'ip'), ip));
    if (ipModeRules) {
      const mode = optStrAt(ing, 'ipMode');
      if (mode === undefined) {
        if (ip !== '') errs.push(required(child(p, 'ipMode'), 'must be specified when `ip` is set'));
      } else if (ip === '') {
        errs.push(forbidden(child(p, 'ipMode'), 'may not be specified when `ip` is not set'));
      } else if (mode !== 'Proxy' && mode !== 'VIP') {
        errs.push(notSupported(child(p, 'ipMode'), mode, ['Proxy', 'VIP']));
      }
    }
    const hostname = strAt(ing, 'hostname');
    if (hostname !== '') {
      for (const m of isDNS1123Subdomain(hostname)) errs.push(invalid(child(p, 'hostname'), hostname, m));
      if (parseIP(hostname)) errs.push(invalid(child(p, 'hostname'), hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

// ---- Endpoints ----------------------------------------------------------------------------------------

function validateEndpointAddress(field: string, addr: JsonObject): FieldError[] {
  const ip = strAt(addr, 'ip');
  const errs = validateIP(child(field, 'ip'), ip);
  const hostname = strAt(addr, 'hostname');
  if (hostname !== '') errs.push(...validateDNS1123Label(child(field, 'hostname'), hostname));
  const nodeName = optStrAt(addr, 'nodeName');
  if (nodeName !== undefined) for (const m of isDNS1123Subdomain(nodeName)) errs.push(invalid(child(field, 'nodeName'), nodeName, m));
  errs.push(...validateNonSpecialIP(child(field, 'ip'), ip));
  return errs;
}

/** ValidateEndpoints (metadata aside). */
export function validateEndpoints(ep: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  objsAt(obj(ep), 'subsets').forEach((ss, i) => {
    const p = index('subsets', i);
    const addrs = objsAt(ss, 'addresses');
    const notReady = objsAt(ss, 'notReadyAddresses');
    if (addrs.length === 0 && notReady.length === 0) errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    addrs.forEach((a, j) => errs.push(...validateEndpointAddress(index(child(p, 'addresses'), j), a)));
    notReady.forEach((a, j) => errs.push(...validateEndpointAddress(index(child(p, 'notReadyAddresses'), j), a)));
    const ports = objsAt(ss, 'ports');
    ports.forEach((port, j) => {
      const pp = index(child(p, 'ports'), j);
      const name = strAt(port, 'name');
      if (ports.length > 1 && name === '') errs.push(required(child(pp, 'name')));
      else if (name !== '') errs.push(...validateDNS1123Label(child(pp, 'name'), name));
      const num = numAt(port, 'port');
      for (const m of isValidPortNum(num)) errs.push(invalid(child(pp, 'port'), num, m));
      const proto = strAt(port, 'protocol');
      if (proto === '') errs.push(required(child(pp, 'protocol')));
      else if (!PORT_PROTOCOLS.includes(proto)) errs.push(notSupported(child(pp, 'protocol'), proto, PORT_PROTOCOLS));
      const app = optStrAt(port, 'appProtocol');
      if (app !== undefined) errs.push(...validateQualifiedName(child(pp, 'appProtocol'), app));
    });
  });
  return errs;
}
