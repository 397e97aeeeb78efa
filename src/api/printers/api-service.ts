/**
 * The APIService table, as kube-aggregator's REST.ConvertToTable (pkg/registry/apiservice/etcd/etcd.go, 1.32):
 * NAME, SERVICE, AVAILABLE, AGE and no wide columns.
 */
import { AGE_COLUMN, NAME_COLUMN, ageOf, arr, at, column, nameOf, printer, rec, str } from './common.js';

/** `Local` for an APIService this server serves itself, else the Service as namespace/name. */
function serviceCell(service: unknown): string {
  if (service === undefined || service === null) return 'Local';
  const s = rec(service);
  return `${str(s.namespace)}/${str(s.name)}`;
}

/** The first Available condition's status; with its reason in parentheses unless it is True; Unknown without one. */
function availableCell(conditions: unknown): string {
  const available = arr(conditions).map(rec).find((c) => c.type === 'Available');
  if (available === undefined) return 'Unknown';
  const status = str(available.status);
  const reason = str(available.reason);
  return status !== 'True' && reason !== '' ? `${status} (${reason})` : status;
}

export const apiServiceTablePrinter = printer(
  [
    NAME_COLUMN,
    column('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
    column('Available', 'string', 'Whether this service is available.'),
    AGE_COLUMN,
  ],
  (o, now) => [nameOf(o), serviceCell(at(o, 'spec', 'service')), availableCell(at(o, 'status', 'conditions')), ageOf(o, now)],
);
