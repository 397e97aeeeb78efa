/**
 * Building blocks shared by the table printers: column definitions, the cells every kind
 * prints the same way (name, age, container lists, quantities) and small conversions that
 * mirror upstream helpers. Printers read served JSON (any served version of their kind) and
 * treat missing fields as the zero values upstream's typed structs would hold.
 */
import type { KubeObject } from '../object.js';
import type { CellValue, TableColumn, TablePrinter } from '../resource.js';
import { canonicalQuantity } from '../schema/quantity.js';
import { arr, at, rec, str } from '../json-access.js';
import { translateTimestampSince } from './time.js';

export { arr, at, bool, int, isNil, rec, str, strMap } from '../json-access.js';

export interface ColumnOptions {
  readonly priority?: number;
  readonly format?: string;
}

export function column(name: string, type: TableColumn['type'], description: string, opts: ColumnOptions = {}): TableColumn {
  return Object.freeze({ name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0 });
}

/** The NAME column (format "name" is what kubectl prefixes with kind/ for multi-kind output). */
export const NAME_COLUMN = column('Name', 'string', 'Name of the object; unique among objects of its kind in a namespace (or cluster).', { format: 'name' });
export const AGE_COLUMN = column('Age', 'string', 'Time elapsed since the object was created.');
export const CONTAINERS_COLUMN = column('Containers', 'string', 'Names of the containers in the pod template.', { priority: 1 });
export const IMAGES_COLUMN = column('Images', 'string', 'Images used by the containers in the pod template.', { priority: 1 });

/** A printer from columns and a row function; the row function receives the object and now (ms). */
export function printer(columns: readonly TableColumn[], row: (obj: KubeObject, now: number) => CellValue[]): TablePrinter {
  return Object.freeze({ columns: Object.freeze([...columns]), row });
}

export function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

export function ageOf(obj: KubeObject, now: number): string {
  return translateTimestampSince(obj.metadata.creationTimestamp, now);
}

/** layoutContainerCells: comma-joined container names and images. */
export function containerCells(containers: unknown): [string, string] {
  const list = arr(containers);
  return [list.map((c) => str(at(c, 'name'))).join(','), list.map((c) => str(at(c, 'image'))).join(',')];
}

/**
 * resource.Quantity.String() of a serialised quantity: its canonical form ("1024Mi" → "1Gi");
 * a missing quantity prints as "0", an unparseable one as given.
 */
export function quantityText(v: unknown): string {
  if (v === undefined || v === null) return '0';
  if (typeof v !== 'string' && typeof v !== 'number') return '0';
  try {
    return canonicalQuantity(v);
  } catch {
    return String(v);
  }
}

/** intstr.IntOrString.String(). */
export function intOrStringText(v: unknown): string {
  if (typeof v === 'number') return String(Math.trunc(v));
  return str(v);
}

/** Upstream's printBoolPtr: "True" / "False", "<unset>" when absent. */
export function boolPtrText(v: unknown): string {
  if (typeof v !== 'boolean') return '<unset>';
  return v ? 'True' : 'False';
}

/** Joins up to `max` items with commas, adding " + N more..." (listWithMoreString); `empty` when none. */
export function listWithMore(items: readonly string[], total: number, max: number, empty: string): string {
  const shown = items.slice(0, max).join(',');
  if (total > max) return `${shown} + ${total - max} more...`;
  return shown === '' ? empty : shown;
}

/** A condition of `conditions` with the given type, if present. */
export function findCondition(conditions: unknown, type: string): Readonly<Record<string, unknown>> | undefined {
  for (const c of arr(conditions)) if (str(at(c, 'type')) === type) return rec(c);
  return undefined;
}

/**
 * Whether the object's first status condition of `type` is "True" (upstream's hasJobCondition; the
 * pod printer's readiness checks read the same way here).
 */
export function conditionTrue(obj: KubeObject, type: string): boolean {
  return str(findCondition(at(obj, 'status', 'conditions'), type)?.status) === 'True';
}

/** net.JoinHostPort: IPv6 literals in brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
