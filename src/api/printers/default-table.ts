/**
 * The table kube-apiserver returns for kinds without a dedicated printer
 * (apiserver pkg/registry/rest DefaultTableConvertor): NAME and CREATED AT, the latter an
 * RFC 3339 UTC timestamp string in a column of type "date". `kubectl get roles`,
 * `clusterroles`, `limitranges` and `customresourcedefinitions` look like this.
 */
import type { TablePrinter } from '../resource.js';
import { NAME_COLUMN, column, nameOf, printer } from './common.js';
import { formatRfc3339 } from './time.js';

export const defaultTablePrinter: TablePrinter = printer(
  [NAME_COLUMN, column('Created At', 'date', 'Time the object was created (RFC 3339, UTC).')],
  (o) => [nameOf(o), formatRfc3339(o.metadata.creationTimestamp)],
);
