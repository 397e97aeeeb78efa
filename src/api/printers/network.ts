/**
 * Tables of networking kinds (printers.go 1.32): Service, Endpoints, EndpointSlice, Ingress,
 * IngressClass and NetworkPolicy. Server-side tables are always produced in "wide" mode, so
 * load-balancer addresses are never shortened here (kubectl does not shorten them either).
 */
import type { KubeObject } from '../object.js';
import { formatLabelSelector, formatLabels } from '../selectors/label-selector.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, arr, at, column, int, joinHostPort, listWithMore, nameOf, printer, rec, str, strMap } from './common.js';

/** The distinct IPs (or hostnames) of load-balancer ingress points, sorted and comma-joined. */
function loadBalancerText(ingress: unknown): string {
  const set = new Set<string>();
  for (const i of arr(ingress)) {
    const ip = str(at(i, 'ip'));
    const host = str(at(i, 'hostname'));
    if (ip !== '') set.add(ip);
    else if (host !== '') set.add(host);
  }
  return [...set].sort().join(',');
}

function serviceExternalIP(svc: KubeObject): string {
  const spec = rec(svc.spec);
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (str(spec.type)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerText(at(svc, 'status', 'loadBalancer', 'ingress'));
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb !== '' ? lb : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(ports: unknown): string {
  return arr(ports)
    .map((p) => {
      const port = int(at(p, 'port'));
      const proto = str(at(p, 'protocol')) || 'TCP';
      const nodePort = int(at(p, 'nodePort'));
      return nodePort > 0 ? `${port}:${nodePort}/${proto}` : `${port}/${proto}`;
    })
    .join(',');
}

export const serviceTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Type', 'string', 'How the service is exposed (ClusterIP, NodePort, LoadBalancer, ExternalName).'),
    column('Cluster-IP', 'string', 'The virtual IP inside the cluster ("None" for headless services).'),
    column('External-IP', 'string', 'Addresses the service is reachable at from outside the cluster.'),
    column('Port(s)', 'string', 'Service ports, with node ports where allocated.'),
    AGE_COLUMN,
    column('Selector', 'string', 'Labels of the pods that back the service.', { priority: 1 }),
  ],
  (o, now) => {
    const spec = rec(o.spec);
    const ips = arr(spec.clusterIPs).map(str);
    const clusterIP = ips.length > 0 ? ips[0] : str(spec.clusterIP) || '<none>';
    const ports = servicePorts(spec.ports);
    return [nameOf(o), str(spec.type), clusterIP, serviceExternalIP(o), ports || '<none>', ageOf(o, now), formatLabels(strMap(spec.selector))];
  },
);

/** formatEndpoints with no port filter: up to three `ip:port` (or bare ip) entries. */
function formatEndpoints(subsets: unknown): string {
  const list = arr(subsets);
  if (list.length === 0) return '<none>';
  const max = 3;
  const out: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of list) {
    const addresses = arr(at(ss, 'addresses'));
    const ports = arr(at(ss, 'ports'));
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (out.length === max) {
          more = true;
          break;
        }
        out.push(str(at(a, 'ip')));
      }
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (out.length === max) {
          more = true;
          break;
        }
        out.push(joinHostPort(str(at(a, 'ip')), int(at(p, 'port'))));
      }
    }
  }
  const ret = out.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsTablePrinter = printer(
  [NAME_COLUMN, column('Endpoints', 'string', 'Addresses and ports of the endpoints (first three).'), AGE_COLUMN],
  (o, now) => [nameOf(o), formatEndpoints(at(o, 'subsets')), ageOf(o, now)],
);

function discoveryPorts(ports: unknown): string {
  const list = arr(ports);
  const shown = list.slice(0, 3).map((p) => {
    const port = at(p, 'port');
    const name = at(p, 'name');
    if (typeof port === 'number') return String(Math.trunc(port));
    if (typeof name === 'string') return name;
    return '*';
  });
  return listWithMore(shown, list.length, 3, '<unset>');
}

function discoveryEndpoints(endpoints: unknown): string {
  const addresses = arr(endpoints).flatMap((e) => arr(at(e, 'addresses')).map(str));
  return listWithMore(addresses.slice(0, 3), addresses.length, 3, '<unset>');
}

export const endpointSliceTablePrinter = printer(
  [
    NAME_COLUMN,
    column('AddressType', 'string', 'Kind of addresses in the slice (IPv4, IPv6, FQDN).'),
    column('Ports', 'string', 'Ports exposed by the endpoints (first three).'),
    column('Endpoints', 'string', 'Addresses of the endpoints (first three).'),
    AGE_COLUMN,
  ],
  (o, now) => [nameOf(o), str(at(o, 'addressType')), discoveryPorts(at(o, 'ports')), discoveryEndpoints(at(o, 'endpoints')), ageOf(o, now)],
);

function ingressHosts(rules: unknown): string {
  const list = arr(rules);
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const r of list) {
    if (hosts.length === max) more = true;
    const host = str(at(r, 'host'));
    if (!more && host !== '') hosts.push(host);
  }
  if (hosts.length === 0) return '*';
  const ret = hosts.join(',');
  return more ? `${ret} + ${list.length - max} more...` : ret;
}

export const ingressTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Class', 'string', 'The IngressClass that handles this ingress.'),
    column('Hosts', 'string', 'Host names the rules match (first three).'),
    column('Address', 'string', 'Addresses of the load balancer serving the ingress.'),
    column('Ports', 'string', 'Ports the ingress listens on.'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const cls = at(o, 'spec', 'ingressClassName');
    return [
      nameOf(o),
      typeof cls === 'string' ? cls : '<none>',
      ingressHosts(at(o, 'spec', 'rules')),
      loadBalancerText(at(o, 'status', 'loadBalancer', 'ingress')),
      arr(at(o, 'spec', 'tls')).length > 0 ? '80, 443' : '80',
      ageOf(o, now),
    ];
  },
);

export const ingressClassTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Controller', 'string', 'The controller that implements ingresses of this class.'),
    column('Parameters', 'string', 'The object holding extra configuration for the controller.'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const p = at(o, 'spec', 'parameters');
    let params = '<none>';
    if (p !== undefined && p !== null) {
      const group = at(p, 'apiGroup');
      params = `${str(at(p, 'kind'))}${typeof group === 'string' ? `.${group}` : ''}/${str(at(p, 'name'))}`;
    }
    return [nameOf(o), str(at(o, 'spec', 'controller')), params, ageOf(o, now)];
  },
);

export const networkPolicyTablePrinter = printer(
  [NAME_COLUMN, column('Pod-Selector', 'string', 'Labels of the pods the policy applies to.'), AGE_COLUMN],
  (o, now) => [nameOf(o), formatLabelSelector(at(o, 'spec', 'podSelector') ?? {}), ageOf(o, now)],
);
