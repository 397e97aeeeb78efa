/**
 * Tables of cluster, configuration, storage, event, RBAC and miscellaneous kinds
 * (printers.go 1.32): Node, Namespace, Event (core/v1 and events.k8s.io/v1), ConfigMap,
 * Secret, ServiceAccount, PersistentVolume, PersistentVolumeClaim, StorageClass,
 * ResourceQuota, Lease, PriorityClass, RoleBinding, ClusterRoleBinding,
 * CertificateSigningRequest, webhook configurations, RuntimeClass, CSINode, CSIDriver and
 * VolumeAttachment.
 */
import { eventsV1ToCore } from '../conversion/event-conversion.js';
import type { KubeObject } from '../object.js';
import { formatQuantity, parseQuantity, type QuantityFormat } from '../schema/quantity.js';
import type { CellValue } from '../resource.js';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  ageOf,
  arr,
  at,
  column,
  int,
  nameOf,
  printer,
  quantityText,
  rec,
  str,
} from './common.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './time.js';

// ----- Node -------------------------------------------------------------------------------

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** Roles from `node-role.kubernetes.io/<role>` label keys and the `kubernetes.io/role` value. */
export function nodeRoles(node: KubeObject): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role !== '') roles.add(role);
    } else if (k === NODE_ROLE_LABEL && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

function nodeAddress(node: KubeObject, type: string): string {
  const a = arr(at(node, 'status', 'addresses')).find((x) => str(at(x, 'type')) === type);
  return a === undefined ? '<none>' : str(at(a, 'address'));
}

function nodeStatus(node: KubeObject): string {
  const status: string[] = [];
  // Only the Ready condition counts; the last one of that type wins, as in a map keyed by type.
  let readyStatus: string | undefined;
  for (const c of arr(at(node, 'status', 'conditions'))) if (str(at(c, 'type')) === 'Ready') readyStatus = str(at(c, 'status'));
  if (readyStatus !== undefined) status.push(readyStatus === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (at(node, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
  return status.join(',');
}

export const nodeTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Status', 'string', 'Readiness of the node, and whether scheduling is disabled.'),
    column('Roles', 'string', 'Roles of the node, from its node-role labels.'),
    AGE_COLUMN,
    column('Version', 'string', 'Kubelet version reported by the node.'),
    column('Internal-IP', 'string', 'First internal address of the node.', { priority: 1 }),
    column('External-IP', 'string', 'First external address of the node.', { priority: 1 }),
    column('OS-Image', 'string', 'Operating system image reported by the node.', { priority: 1 }),
    column('Kernel-Version', 'string', 'Kernel version reported by the node.', { priority: 1 }),
    column('Container-Runtime', 'string', 'Container runtime name and version reported by the node.', { priority: 1 }),
  ],
  (o, now) => {
    const info = rec(at(o, 'status', 'nodeInfo'));
    const orUnknown = (v: unknown) => str(v) || '<unknown>';
    return [
      nameOf(o),
      nodeStatus(o),
      nodeRoles(o).join(',') || '<none>',
      ageOf(o, now),
      str(info.kubeletVersion),
      nodeAddress(o, 'InternalIP'),
      nodeAddress(o, 'ExternalIP'),
      orUnknown(info.osImage),
      orUnknown(info.kernelVersion),
      orUnknown(info.containerRuntimeVersion),
    ];
  },
);

export const namespaceTablePrinter = printer(
  [NAME_COLUMN, column('Status', 'string', 'Lifecycle phase of the namespace.'), AGE_COLUMN],
  (o, now) => [nameOf(o), str(at(o, 'status', 'phase')), ageOf(o, now)],
);

// ----- Events -----------------------------------------------------------------------------

/** The fields the event printer reads, in core/v1 terms (events.k8s.io/v1 objects are converted first). */
interface EventView {
  name: string;
  type: string;
  reason: string;
  message: string;
  involvedKind: string;
  involvedName: string;
  fieldPath: string;
  sourceComponent: string;
  sourceHost: string;
  reportingController: string;
  reportingInstance: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  series: Readonly<Record<string, unknown>> | undefined;
}

function coreEventView(o: KubeObject): EventView {
  const series = at(o, 'series');
  return {
    name: nameOf(o),
    type: str(at(o, 'type')),
    reason: str(at(o, 'reason')),
    message: str(at(o, 'message')),
    involvedKind: str(at(o, 'involvedObject', 'kind')),
    involvedName: str(at(o, 'involvedObject', 'name')),
    fieldPath: str(at(o, 'involvedObject', 'fieldPath')),
    sourceComponent: str(at(o, 'source', 'component')),
    sourceHost: str(at(o, 'source', 'host')),
    reportingController: str(at(o, 'reportingComponent')),
    reportingInstance: str(at(o, 'reportingInstance')),
    firstTimestamp: at(o, 'firstTimestamp'),
    lastTimestamp: at(o, 'lastTimestamp'),
    eventTime: at(o, 'eventTime'),
    count: int(at(o, 'count')),
    series: series === undefined || series === null ? undefined : rec(series),
  };
}

function isZeroTime(v: unknown): boolean {
  const t = parseTimestamp(v);
  return t === undefined || Number.isNaN(t);
}

function eventRow(e: EventView, now: number): CellValue[] {
  const first = isZeroTime(e.firstTimestamp) ? translateTimestampSince(e.eventTime, now) : translateTimestampSince(e.firstTimestamp, now);
  let last = isZeroTime(e.lastTimestamp) ? first : translateTimestampSince(e.lastTimestamp, now);
  let count = e.count;
  if (e.series) {
    last = translateTimestampSince(e.series.lastObservedTime, now);
    count = int(e.series.count);
  } else if (count === 0) {
    count = 1;
  }
  const kind = e.involvedKind.toLowerCase();
  const target = e.involvedName !== '' ? `${kind}/${e.involvedName}` : kind;
  const component = e.sourceComponent || e.reportingController;
  const instance = e.sourceHost || e.reportingInstance;
  const source = instance === '' ? component : `${component}, ${instance}`;
  return [last, e.type, e.reason, target, e.fieldPath, source, e.message.trim(), first, count, e.name];
}

const eventColumns = [
  column('Last Seen', 'string', 'Time since the event was last observed.'),
  column('Type', 'string', 'Normal or Warning.'),
  column('Reason', 'string', 'Short machine-readable reason for the event.'),
  column('Object', 'string', 'The object the event is about, as kind/name.'),
  column('Subobject', 'string', 'The part of the object the event is about (e.g. a container).', { priority: 1 }),
  column('Source', 'string', 'The component (and host) that reported the event.', { priority: 1 }),
  column('Message', 'string', 'Human-readable description of the event.'),
  column('First Seen', 'string', 'Time since the event was first observed.', { priority: 1 }),
  column('Count', 'string', 'How many times the event has occurred.', { priority: 1 }),
  column('Name', 'string', 'Name of the event object.', { priority: 1, format: 'name' }),
];

export const eventTablePrinter = printer(eventColumns, (o, now) => eventRow(coreEventView(o), now));
export const eventsV1EventTablePrinter = printer(eventColumns, (o, now) => eventRow(coreEventView(eventsV1ToCore(o)), now));

// ----- Configuration ------------------------------------------------------------------------

export const configMapTablePrinter = printer(
  [NAME_COLUMN, column('Data', 'string', 'Number of data and binaryData entries.'), AGE_COLUMN],
  (o, now) => [nameOf(o), Object.keys(rec(at(o, 'data'))).length + Object.keys(rec(at(o, 'binaryData'))).length, ageOf(o, now)],
);

export const secretTablePrinter = printer(
  [NAME_COLUMN, column('Type', 'string', 'Type of the secret.'), column('Data', 'string', 'Number of data entries.'), AGE_COLUMN],
  (o, now) => {
    // stringData is merged into data when the secret is written; count the union of keys.
    const keys = new Set([...Object.keys(rec(at(o, 'data'))), ...Object.keys(rec(at(o, 'stringData')))]);
    return [nameOf(o), str(at(o, 'type')), keys.size, ageOf(o, now)];
  },
);

export const serviceAccountTablePrinter = printer(
  [NAME_COLUMN, column('Secrets', 'string', 'Number of secrets referenced by the account.'), AGE_COLUMN],
  (o, now) => [nameOf(o), arr(at(o, 'secrets')).length, ageOf(o, now)],
);

// ----- Storage ------------------------------------------------------------------------------

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once. */
function accessModes(modes: unknown): string {
  const have = new Set(arr(modes).map(str));
  const out: string[] = [];
  if (have.has('ReadWriteOnce')) out.push('RWO');
  if (have.has('ReadOnlyMany')) out.push('ROX');
  if (have.has('ReadWriteMany')) out.push('RWX');
  if (have.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

function hasAnnotation(o: KubeObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o.metadata.annotations ?? {}, key);
}

/** GetPersistentVolume(Claim)Class: the beta annotation when present, else spec.storageClassName. */
function storageClassOf(o: KubeObject): string {
  if (hasAnnotation(o, BETA_STORAGE_CLASS_ANNOTATION)) return (o.metadata.annotations ?? {})[BETA_STORAGE_CLASS_ANNOTATION];
  return str(at(o, 'spec', 'storageClassName'));
}

function orUnset(v: unknown): string {
  return typeof v === 'string' ? v : '<unset>';
}

export const persistentVolumeTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Capacity', 'string', 'Storage capacity of the volume.'),
    column('Access Modes', 'string', 'Ways the volume can be mounted (RWO, ROX, RWX, RWOP).'),
    column('Reclaim Policy', 'string', 'What happens to the volume when its claim is released.'),
    column('Status', 'string', 'Lifecycle phase of the volume.'),
    column('Claim', 'string', 'The claim bound to the volume, as namespace/name.'),
    column('StorageClass', 'string', 'Storage class of the volume.'),
    column('VolumeAttributesClass', 'string', 'Volume attributes class of the volume.'),
    column('Reason', 'string', 'Reason for the current phase, if any.'),
    AGE_COLUMN,
    column('VolumeMode', 'string', 'Filesystem or Block.', { priority: 1 }),
  ],
  (o, now) => {
    const spec = rec(o.spec);
    const claim = spec.claimRef === undefined || spec.claimRef === null ? '' : `${str(at(spec.claimRef, 'namespace'))}/${str(at(spec.claimRef, 'name'))}`;
    return [
      nameOf(o),
      quantityText(at(spec, 'capacity', 'storage')),
      accessModes(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      o.metadata.deletionTimestamp ? 'Terminating' : str(at(o, 'status', 'phase')),
      claim,
      storageClassOf(o),
      orUnset(spec.volumeAttributesClassName),
      str(at(o, 'status', 'reason')),
      ageOf(o, now),
      orUnset(spec.volumeMode),
    ];
  },
);

export const persistentVolumeClaimTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Status', 'string', 'Lifecycle phase of the claim.'),
    column('Volume', 'string', 'The volume bound to the claim.'),
    column('Capacity', 'string', 'Storage capacity of the bound volume.'),
    column('Access Modes', 'string', 'Ways the bound volume can be mounted.'),
    column('StorageClass', 'string', 'Storage class requested by the claim.'),
    column('VolumeAttributesClass', 'string', 'Volume attributes class requested by the claim.'),
    AGE_COLUMN,
    column('VolumeMode', 'string', 'Filesystem or Block.', { priority: 1 }),
  ],
  (o, now) => {
    const spec = rec(o.spec);
    const volumeName = str(spec.volumeName);
    const bound = volumeName !== '';
    return [
      nameOf(o),
      o.metadata.deletionTimestamp ? 'Terminating' : str(at(o, 'status', 'phase')),
      volumeName,
      bound ? quantityText(at(o, 'status', 'capacity', 'storage')) : '',
      bound ? accessModes(at(o, 'status', 'accessModes')) : '',
      storageClassOf(o),
      orUnset(spec.volumeAttributesClassName),
      ageOf(o, now),
      orUnset(spec.volumeMode),
    ];
  },
);

function isDefaultStorageClass(o: KubeObject): boolean {
  const a = o.metadata.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

export const storageClassTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Provisioner', 'string', 'The volume plugin or CSI driver that provisions volumes.'),
    column('ReclaimPolicy', 'string', 'Reclaim policy given to provisioned volumes.'),
    column('VolumeBindingMode', 'string', 'When volumes are bound and provisioned.'),
    column('AllowVolumeExpansion', 'string', 'Whether claims of this class may be resized.'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const reclaim = at(o, 'reclaimPolicy');
    const binding = at(o, 'volumeBindingMode');
    return [
      isDefaultStorageClass(o) ? `${nameOf(o)} (default)` : nameOf(o),
      str(at(o, 'provisioner')),
      typeof reclaim === 'string' ? reclaim : 'Delete',
      typeof binding === 'string' ? binding : 'Immediate',
      at(o, 'allowVolumeExpansion') === true,
      ageOf(o, now),
    ];
  },
);

export const resourceQuotaTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Request', 'string', 'Usage and limits of request-type resources (used/hard).'),
    column('Limit', 'string', 'Usage and limits of limits.* resources (used/hard).'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const hard = rec(at(o, 'status', 'hard'));
    const used = rec(at(o, 'status', 'used'));
    const requests: string[] = [];
    const limits: string[] = [];
    for (const name of Object.keys(hard).sort()) {
      const entry = `${name}: ${quantityText(used[name])}/${quantityText(hard[name])}`;
      const parts = name.split('.');
      (parts.length > 1 && parts[0] === 'limits' ? limits : requests).push(entry);
    }
    return [nameOf(o), requests.join(', '), limits.join(', '), ageOf(o, now)];
  },
);

// ----- ComponentStatus ----------------------------------------------------------------------

/** Upstream printComponentStatus: Healthy/Unhealthy from the Healthy condition, Unknown without one. */
export const componentStatusTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Status', 'string', 'Status of the component conditions'),
    column('Message', 'string', 'Message of the component conditions'),
    column('Error', 'string', 'Error of the component conditions'),
  ],
  (o) => {
    const healthy = arr(at(o, 'conditions')).map(rec).find((c) => c.type === 'Healthy');
    if (!healthy) return [nameOf(o), 'Unknown', '', ''];
    return [nameOf(o), healthy.status === 'True' ? 'Healthy' : 'Unhealthy', str(healthy.message), str(healthy.error)];
  },
);

// ----- metrics.k8s.io ------------------------------------------------------------------------

const METRICS_COLUMNS = [
  NAME_COLUMN,
  column('CPU', 'string', 'CPU usage'),
  column('Memory', 'string', 'Memory usage'),
  column('Window', 'string', 'Interval over which metrics were collected'),
];

/** Sum of the quantities (metrics-server adds container usages with Quantity.Add); '' when none parse. */
function sumQuantities(values: readonly unknown[]): string {
  let total = 0n;
  let format: QuantityFormat | undefined;
  for (const v of values) {
    if (typeof v !== 'string') continue;
    try {
      const q = parseQuantity(v);
      total += q.nanos;
      format ??= q.format;
    } catch {
      // not a quantity: left out
    }
  }
  return format ? formatQuantity({ nanos: total, format }) : '';
}

/** metrics-server's NodeMetrics table: the usage as served. */
export const nodeMetricsTablePrinter = printer(METRICS_COLUMNS, (o) => [nameOf(o), str(at(o, 'usage', 'cpu')), str(at(o, 'usage', 'memory')), str(at(o, 'window'))]);

/** metrics-server's PodMetrics table: its containers' usage added up. */
export const podMetricsTablePrinter = printer(METRICS_COLUMNS, (o) => {
  const usages = arr(at(o, 'containers')).map((c) => rec(rec(c).usage));
  return [nameOf(o), sumQuantities(usages.map((u) => u.cpu)), sumQuantities(usages.map((u) => u.memory)), str(at(o, 'window'))];
});

// ----- Coordination, scheduling --------------------------------------------------------------

export const leaseTablePrinter = printer(
  [NAME_COLUMN, column('Holder', 'string', 'Identity of the current lease holder.'), AGE_COLUMN],
  (o, now) => [nameOf(o), str(at(o, 'spec', 'holderIdentity')), ageOf(o, now)],
);

export const priorityClassTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Value', 'integer', 'Priority given to pods of this class.'),
    column('Global-Default', 'boolean', 'Whether this class applies to pods that name none.'),
    AGE_COLUMN,
    column('PreemptionPolicy', 'string', 'Whether pods of this class may preempt lower-priority pods.'),
  ],
  (o, now) => [nameOf(o), int(at(o, 'value')), at(o, 'globalDefault') === true, ageOf(o, now), str(at(o, 'preemptionPolicy'))],
);

// ----- RBAC ---------------------------------------------------------------------------------

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts. */
function subjects(o: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of arr(at(o, 'subjects'))) {
    const kind = str(at(s, 'kind'));
    if (kind === 'ServiceAccount') sas.push(`${str(at(s, 'namespace'))}/${str(at(s, 'name'))}`);
    else if (kind === 'User') users.push(str(at(s, 'name')));
    else if (kind === 'Group') groups.push(str(at(s, 'name')));
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingPrinter(what: string) {
  return printer(
    [
      NAME_COLUMN,
      column('Role', 'string', 'The role granted, as kind/name.'),
      AGE_COLUMN,
      column('Users', 'string', `Users bound by the ${what}.`, { priority: 1 }),
      column('Groups', 'string', `Groups bound by the ${what}.`, { priority: 1 }),
      column('ServiceAccounts', 'string', `Service accounts bound by the ${what}.`, { priority: 1 }),
    ],
    (o, now) => [nameOf(o), `${str(at(o, 'roleRef', 'kind'))}/${str(at(o, 'roleRef', 'name'))}`, ageOf(o, now), ...subjects(o)],
  );
}

export const roleBindingTablePrinter = bindingPrinter('role binding');
export const clusterRoleBindingTablePrinter = bindingPrinter('cluster role binding');

// ----- Certificates, admission, node and storage plumbing -----------------------------------

function csrCondition(o: KubeObject): string {
  const types = new Set(arr(at(o, 'status', 'conditions')).map((c) => str(at(c, 'type'))));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (str(at(o, 'status', 'certificate')) !== '') status += ',Issued';
  return status;
}

export const certificateSigningRequestTablePrinter = printer(
  [
    NAME_COLUMN,
    AGE_COLUMN,
    column('SignerName', 'string', 'The signer asked to sign the certificate.'),
    column('Requestor', 'string', 'The user who created the request.'),
    column('RequestedDuration', 'string', 'Validity period requested for the certificate.'),
    column('Condition', 'string', 'Approval state of the request, and whether it was issued.'),
  ],
  (o, now) => {
    const seconds = at(o, 'spec', 'expirationSeconds');
    return [
      nameOf(o),
      ageOf(o, now),
      str(at(o, 'spec', 'signerName')) || '<none>',
      str(at(o, 'spec', 'username')),
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
      csrCondition(o),
    ];
  },
);

export const webhookConfigurationTablePrinter = printer(
  [NAME_COLUMN, column('Webhooks', 'integer', 'Number of webhooks in the configuration.'), AGE_COLUMN],
  (o, now) => [nameOf(o), arr(at(o, 'webhooks')).length, ageOf(o, now)],
);

export const runtimeClassTablePrinter = printer(
  [NAME_COLUMN, column('Handler', 'string', 'The container runtime handler that runs pods of this class.'), AGE_COLUMN],
  (o, now) => [nameOf(o), str(at(o, 'handler')), ageOf(o, now)],
);

export const csiNodeTablePrinter = printer(
  [NAME_COLUMN, column('Drivers', 'integer', 'Number of CSI drivers registered on the node.'), AGE_COLUMN],
  (o, now) => [nameOf(o), arr(at(o, 'spec', 'drivers')).length, ageOf(o, now)],
);

export const csiDriverTablePrinter = printer(
  [
    NAME_COLUMN,
    column('AttachRequired', 'boolean', 'Whether volumes need an attach step.'),
    column('PodInfoOnMount', 'boolean', 'Whether pod details are passed on mount.'),
    column('StorageCapacity', 'boolean', 'Whether the driver reports storage capacity.'),
    column('TokenRequests', 'string', 'Audiences of service account tokens passed to the driver.'),
    column('RequiresRepublish', 'boolean', 'Whether volumes are periodically re-published.'),
    column('Modes', 'string', 'Volume lifecycle modes the driver supports.'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const spec = rec(o.spec);
    const tokens = spec.tokenRequests;
    const modes = arr(spec.volumeLifecycleModes).map(str).join(',');
    return [
      nameOf(o),
      spec.attachRequired !== false,
      spec.podInfoOnMount === true,
      spec.storageCapacity === true,
      tokens === undefined || tokens === null ? '<unset>' : arr(tokens).map((t) => str(at(t, 'audience'))).join(','),
      spec.requiresRepublish === true,
      modes || '<none>',
      ageOf(o, now),
    ];
  },
);

export const volumeAttachmentTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Attacher', 'string', 'The driver that attaches the volume.', { format: 'name' }),
    column('PV', 'string', 'The persistent volume being attached.'),
    column('Node', 'string', 'The node the volume is attached to.'),
    column('Attached', 'boolean', 'Whether the attach operation completed.'),
    AGE_COLUMN,
  ],
  (o, now) => [
    nameOf(o),
    str(at(o, 'spec', 'attacher')),
    str(at(o, 'spec', 'source', 'persistentVolumeName')),
    str(at(o, 'spec', 'nodeName')),
    at(o, 'status', 'attached') === true,
    ageOf(o, now),
  ],
);
