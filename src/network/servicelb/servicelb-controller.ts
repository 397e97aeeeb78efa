/**
 * ServiceLB: LoadBalancer Services on bare nodes, as k3s's ServiceLB (pkg/cloudprovider/
 * servicelb.go) does it — a controller for the server, run beside the controller manager.
 *
 * k3s runs a `svclb-*` DaemonSet of klipper-lb pods holding the Service's ports as hostPorts and
 * lists the nodes whose pod is ready in `status.loadBalancer.ingress`. lite has no klipper image
 * to run; the nodes' kube-proxy already captures traffic to a LoadBalancer ingress IP
 * (proxier-rules.ts, "loadbalancer IP" → KUBE-EXT), so listing node addresses as ingress IPs is
 * enough for the port to answer on every listed node. What is kept from k3s:
 *
 *  - only `type: LoadBalancer` Services without `spec.loadBalancerClass`;
 *  - eligible nodes: Ready nodes; if any node carries the label
 *    `svccontroller.k3s.cattle.io/enablelb`, only nodes where it is "true" (and, for a Service
 *    labelled `svccontroller.k3s.cattle.io/lbpool=<pool>`, whose lbpool label is that pool);
 *  - a node whose hostPorts an older LoadBalancer Service already holds (same port and protocol)
 *    cannot run this Service's pod and is not listed (the Service may stay <pending>);
 *  - externalTrafficPolicy Local: only nodes with a ready Pod endpoint of the Service;
 *  - addresses: the nodes' ExternalIPs if any node has one, else their InternalIPs, per the
 *    Service's ipFamilies, sorted; ingress entries carry `ip` and `ipMode: VIP` (the value API
 *    defaulting gives; kube-proxy captures only VIP-mode addresses);
 *  - events: `UpdatedLoadBalancer` ("Updated LoadBalancer with new IPs: [a] -> [b]") and, when
 *    no node is left, Warning `UnAvailableLoadBalancer` ("There are no available nodes for
 *    LoadBalancer").
 * A Service that stops being a LoadBalancer has its ingress cleared (the API does not do it).
 */
import type { Logger } from 'pino';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../events/event-recorder.js';
import { objectKey, splitKey, type SharedInformer } from '../../informer/shared-informer.js';
import { newQueue, runReconcileLoop, type Controller, type ControllerContext } from '../../controllers/framework/controller.js';
import { BY_SERVICE_INDEX, byServiceIndexer, isIpv4 } from '../service-views.js';

export const ENABLE_LB_LABEL = 'svccontroller.k3s.cattle.io/enablelb';
export const LB_POOL_LABEL = 'svccontroller.k3s.cattle.io/lbpool';
const FIELD_MANAGER = 'service-lb-controller';

/** A LoadBalancer Service's hostPorts (`PROTOCOL/port`). */
interface LbService {
  readonly obj: KubeObject;
  readonly key: string;
  readonly ports: readonly string[];
}

export class ServiceLbController implements Controller {
  readonly name = 'service-lb-controller';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #services: SharedInformer;
  readonly #nodes: SharedInformer;
  readonly #slices: SharedInformer;
  readonly #queue;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#recorder = ctx.recorder('service-lb-controller');
    this.#queue = newQueue(ctx.clock);
    this.#services = ctx.informers.informer(resources.services);
    this.#nodes = ctx.informers.informer(resources.nodes);
    this.#slices = ctx.informers.informer(resources.endpointslices);
    this.#slices.addIndexers({ [BY_SERVICE_INDEX]: byServiceIndexer });
    this.#services.addEventHandler({
      onAdd: (s) => this.#queue.add(objectKey(s)),
      onUpdate: (o, n) => {
        if (o === n) return this.#queue.add(objectKey(n));
        // Port or type changes move hostPort claims: every LoadBalancer Service looks again.
        if (JSON.stringify(o.spec) !== JSON.stringify(n.spec)) this.#enqueueAll();
        else this.#queue.add(objectKey(n));
      },
      onDelete: () => this.#enqueueAll(),
    });
    const onNode = () => this.#enqueueAll();
    this.#nodes.addEventHandler({ onAdd: onNode, onUpdate: (o, n) => o !== n && onNode(), onDelete: onNode });
    const onSlice = (s: KubeObject) => {
      const svc = s.metadata.labels?.['kubernetes.io/service-name'];
      if (svc) this.#queue.add(`${s.metadata.namespace ?? ''}/${svc}`);
    };
    this.#slices.addEventHandler({ onAdd: onSlice, onUpdate: (_o, n) => onSlice(n), onDelete: onSlice });
  }

  #enqueueAll(): void {
    for (const s of this.#services.lister.list()) if (wantsLoadBalancer(s) || ingressOf(s).length > 0) this.#queue.add(objectKey(s));
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#services.waitForSync(signal), this.#nodes.waitForSync(signal), this.#slices.waitForSync(signal)]);
    if (signal.aborted) return;
    await runReconcileLoop({ name: this.name, queue: this.#queue, reconcile: (key) => this.#reconcile(key), workers: 2, logger: this.#ctx.logger }, signal);
  }

  async #reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.#services.lister.get(namespace, name);
    if (!svc || svc.metadata.deletionTimestamp) return;
    const previous = ingressOf(svc);
    if (!wantsLoadBalancer(svc)) {
      if (previous.length > 0 && !loadBalancerClass(svc)) await this.#patch(svc, []);
      return;
    }
    const ips = this.desiredIngress(svc);
    if (sameIps(previous, ips)) return;
    await this.#patch(svc, ips);
    if (ips.length === 0) this.#recorder.event(svc, 'Warning', 'UnAvailableLoadBalancer', 'There are no available nodes for LoadBalancer');
    else this.#recorder.event(svc, 'Normal', 'UpdatedLoadBalancer', `Updated LoadBalancer with new IPs: [${previous.join(' ')}] -> [${ips.join(' ')}]`);
  }

  async #patch(svc: KubeObject, ips: readonly string[]): Promise<void> {
    await this.#ctx.client.patch(
      resources.services,
      svc.metadata.namespace,
      svc.metadata.name ?? '',
      'merge',
      { status: { loadBalancer: { ingress: ips.length > 0 ? ips.map((ip) => ({ ip, ipMode: 'VIP' })) : null } } },
      { subresource: 'status', fieldManager: FIELD_MANAGER },
    );
    this.#log.debug({ service: objectKey(svc), ingress: ips }, 'load balancer status updated');
  }

  /** The ingress IPs the Service should have now (exported through the class for tests). */
  desiredIngress(svc: KubeObject): string[] {
    let eligible = this.#candidateNodes(svc);

    // hostPorts held on each node by older LoadBalancer Services.
    const me = lbService(svc);
    const rivals = this.#services.lister
      .list()
      .filter((s) => wantsLoadBalancer(s) && objectKey(s) !== me.key && olderThan(s, svc))
      .map(lbService)
      .filter((o) => o.ports.some((p) => me.ports.includes(p)));
    for (const rival of rivals) {
      const taken = new Set(this.#candidateNodes(rival.obj).map((n) => n.metadata.name));
      eligible = eligible.filter((n) => !taken.has(n.metadata.name));
    }

    const spec = isJsonObject(svc.spec) ? svc.spec : {};
    if (spec.externalTrafficPolicy === 'Local') {
      const ready = new Set<string>();
      for (const slice of this.#slices.lister.byIndex(BY_SERVICE_INDEX, me.key)) {
        for (const e of (Array.isArray(slice.endpoints) ? slice.endpoints : []).filter(isJsonObject)) {
          const targetRef = isJsonObject(e.targetRef) ? e.targetRef : {};
          const conditions = isJsonObject(e.conditions) ? e.conditions : {};
          if (targetRef.kind === 'Pod' && conditions.ready === true && typeof e.nodeName === 'string') ready.add(e.nodeName);
        }
      }
      eligible = eligible.filter((n) => ready.has(n.metadata.name ?? ''));
    }

    const ext = new Set<string>();
    const int = new Set<string>();
    for (const n of eligible) {
      for (const a of addresses(n)) {
        if (a.type === 'ExternalIP') ext.add(a.address);
        else if (a.type === 'InternalIP') int.add(a.address);
      }
    }
    const ips = [...(ext.size > 0 ? ext : int)];
    const v4 = ips.filter(isIpv4).sort();
    const v6 = ips.filter((ip) => !isIpv4(ip) && ip.includes(':')).sort();
    const families = Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0 ? spec.ipFamilies : ['IPv4'];
    return families.flatMap((f) => (f === 'IPv4' ? v4 : f === 'IPv6' ? v6 : []));
  }

  /** Ready nodes a Service's svclb pods would run on (enablelb / lbpool labels). */
  #candidateNodes(svc: KubeObject): KubeObject[] {
    const nodes = this.#nodes.lister.list().filter((n) => isReady(n) && !n.metadata.deletionTimestamp);
    if (!nodes.some((n) => n.metadata.labels?.[ENABLE_LB_LABEL] !== undefined)) return nodes;
    const pool = svc.metadata.labels?.[LB_POOL_LABEL];
    return nodes.filter((n) => n.metadata.labels?.[ENABLE_LB_LABEL] === 'true' && (!pool || n.metadata.labels?.[LB_POOL_LABEL] === pool));
  }
}

function loadBalancerClass(svc: KubeObject): string | undefined {
  const spec = isJsonObject(svc.spec) ? svc.spec : {};
  return typeof spec.loadBalancerClass === 'string' && spec.loadBalancerClass ? spec.loadBalancerClass : undefined;
}

export function wantsLoadBalancer(svc: KubeObject): boolean {
  const spec = isJsonObject(svc.spec) ? svc.spec : {};
  return spec.type === 'LoadBalancer' && !loadBalancerClass(svc);
}

function ingressOf(svc: KubeObject): string[] {
  const status = isJsonObject(svc.status) ? svc.status : {};
  const lb = isJsonObject(status.loadBalancer) ? status.loadBalancer : {};
  return (Array.isArray(lb.ingress) ? lb.ingress : []).filter(isJsonObject).map((i) => (typeof i.ip === 'string' ? i.ip : typeof i.hostname === 'string' ? i.hostname : ''));
}

function sameIps(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function lbService(svc: KubeObject): LbService {
  const spec = isJsonObject(svc.spec) ? svc.spec : {};
  const ports = (Array.isArray(spec.ports) ? spec.ports : []).filter(isJsonObject).map((p) => `${typeof p.protocol === 'string' ? p.protocol : 'TCP'}/${String(p.port)}`);
  return { obj: svc, key: objectKey(svc), ports };
}

function olderThan(a: KubeObject, b: KubeObject): boolean {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb;
  return objectKey(a) < objectKey(b);
}

function isReady(node: KubeObject): boolean {
  const status = isJsonObject(node.status) ? node.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function addresses(node: KubeObject): { type: string; address: string }[] {
  const status = isJsonObject(node.status) ? node.status : {};
  return (Array.isArray(status.addresses) ? status.addresses : [])
    .filter(isJsonObject)
    .map((a) => ({ type: typeof a.type === 'string' ? a.type : '', address: typeof a.address === 'string' ? a.address : '' }))
    .filter((a) => a.address !== '');
}
