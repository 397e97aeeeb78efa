/**
 * Tables of custom resources (apiextensions-apiserver tableconvertor, 1.32): the implicit Name
 * column, then the version's additionalPrinterColumns; a version that declares none gets a
 * single Age column (type date, `.metadata.creationTimestamp`). No Age column is added when
 * the CRD declares columns of its own.
 *
 * Cells come from JSONPath lookups with missing keys allowed; the first match is used and
 * formatted by column type: integer (fractions truncated), number, boolean, date (age, or
 * "<invalid>" for an unparseable timestamp), string (Go-printed text; JSON for objects and
 * arrays). A missing value or a value of the wrong type gives a null cell.
 */
import type { KubeObject } from '../object.js';
import type { CellValue, TableColumn, TablePrinter } from '../resource.js';
import { compileJsonPath } from '../jsonpath/json-path.js';
import type { JsonPath } from '../jsonpath/json-path.js';
import { printResults } from '../jsonpath/json-path.js';
import { NAME_COLUMN, column, nameOf } from './common.js';
import { humanDuration, parseTimestamp } from './time.js';

/** apiextensions/v1 CustomResourceColumnDefinition. */
export interface CrdColumnDefinition {
  readonly name: string;
  readonly type: string;
  readonly format?: string;
  readonly description?: string;
  readonly priority?: number;
  readonly jsonPath: string;
}

export interface CrdTablePrinter extends TablePrinter {
  /**
   * Set when a column's JSONPath does not parse. Like upstream, the table then keeps the
   * columns before the bad one and the server logs this text.
   */
  readonly problem?: string;
}

const COLUMN_TYPES: ReadonlySet<string> = new Set(['string', 'integer', 'number', 'boolean', 'date']);

const DEFAULT_COLUMNS: readonly CrdColumnDefinition[] = [
  { name: 'Age', type: 'date', description: 'Time elapsed since the object was created.', jsonPath: '.metadata.creationTimestamp' },
];

function dateCell(v: unknown, now: number): CellValue {
  if (typeof v !== 'string') return null;
  if (v === 'null') return '<unknown>';
  const t = parseTimestamp(v);
  if (t === undefined) return '<unknown>';
  if (Number.isNaN(t)) return '<invalid>';
  return humanDuration(now - t);
}

function cell(type: string, v: unknown, now: number): CellValue {
  if (type === 'string') {
    // Upstream prints the value through JSONPath; a JSON null has no printable value.
    return v === null || v === undefined ? '<no value>' : printResults([v]);
  }
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date':
      return dateCell(v, now);
    default:
      return null;
  }
}

function firstMatch(path: JsonPath, obj: KubeObject): { found: boolean; value?: unknown } {
  try {
    const results = path.findResults(obj);
    if (results.length === 0 || results[0].length === 0) return { found: false };
    return { found: true, value: results[0][0] };
  } catch {
    return { found: false };
  }
}

/** Builds the printer for one CRD version's additionalPrinterColumns. */
export function crdTablePrinter(columns: readonly CrdColumnDefinition[]): CrdTablePrinter {
  const defs = columns.length > 0 ? columns : DEFAULT_COLUMNS;
  const headers: TableColumn[] = [NAME_COLUMN];
  const paths: Array<{ type: string; path: JsonPath }> = [];
  let problem: string | undefined;
  for (const c of defs) {
    let path: JsonPath;
    try {
      path = compileJsonPath(`{${c.jsonPath}}`, { allowMissingKeys: true });
    } catch {
      problem = `unrecognized column definition "${c.jsonPath}"`;
      break;
    }
    const type = COLUMN_TYPES.has(c.type) ? (c.type as TableColumn['type']) : 'string';
    headers.push(
      column(c.name, type, c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, {
        format: c.format ?? '',
        priority: c.priority ?? 0,
      }),
    );
    paths.push({ type: c.type, path });
  }
  const frozen = Object.freeze(headers);
  return Object.freeze({
    columns: frozen,
    problem,
    row(obj: KubeObject, now: number): CellValue[] {
      const cells: CellValue[] = [nameOf(obj)];
      for (const { type, path } of paths) {
        const m = firstMatch(path, obj);
        cells.push(m.found ? cell(type, m.value, now) : null);
      }
      return cells;
    },
  });
}
