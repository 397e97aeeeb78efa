/**
 * Server-side printing of custom resources from a CRD version's additionalPrinterColumns
 * (apiextensions-apiserver pkg/registry/customresource/tableconvertor).
 *
 * Columns: Name, then the CRD's columns — or, when a version declares none, a single Age column
 * over `.metadata.creationTimestamp`. Cells: the first value the column's JSONPath selects;
 * `string` columns print it as kubectl's jsonpath would (objects and lists as JSON), `integer`
 * truncates floats, `number` widens integers, `date` becomes a relative age such as `5m` or `3d2h`
 * (`<invalid>` when unparseable), and a value of the wrong type or a missing value is null.
 */
import { isJsonObject, type JsonValue, type KubeObject } from '../object.js';
import type { CellValue, TableColumn, TablePrinter } from '../resource.js';
import { goFloat } from '../go/go-format.js';
import { parseJsonPath, type JsonPath } from './json-path.js';

export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly format?: string;
  readonly description?: string;
  readonly priority?: number;
  readonly jsonPath: string;
}

/** The column served when a CRD version declares no additionalPrinterColumns. */
export const DEFAULT_AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  description: 'The time this object was created, in UTC (RFC 3339).',
  jsonPath: '.metadata.creationTimestamp',
};

const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'The name of the object, unique within its namespace (or cluster-wide for cluster-scoped resources).',
  priority: 0,
};

const COLUMN_TYPES = new Set<TableColumn['type']>(['string', 'integer', 'number', 'boolean', 'date']);

/** A TablePrinter for a CRD version's printer columns. Invalid JSONPaths print as null cells. */
export function crdTablePrinter(columns: readonly PrinterColumn[]): TablePrinter {
  const cols = columns.length > 0 ? columns : [DEFAULT_AGE_COLUMN];
  const paths: (JsonPath | undefined)[] = cols.map((c) => {
    try {
      return parseJsonPath(c.jsonPath);
    } catch {
      return undefined;
    }
  });
  const defs: TableColumn[] = [
    NAME_COLUMN,
    ...cols.map(
      (c): TableColumn => ({
        name: c.name,
        type: COLUMN_TYPES.has(c.type as TableColumn['type']) ? (c.type as TableColumn['type']) : 'string',
        format: c.format ?? '',
        description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      }),
    ),
  ];
  return {
    columns: defs,
    row(obj: KubeObject, now: number): CellValue[] {
      const cells: CellValue[] = [obj.metadata?.name ?? ''];
      cols.forEach((c, i) => {
        const path = paths[i];
        const results = path ? path.find(obj as unknown as JsonValue) : [];
        cells.push(results.length === 0 ? null : cell(c.type, results[0], now));
      });
      return cells;
    },
  };
}

function cell(type: string, value: JsonValue, now: number): CellValue {
  if (type === 'string') return printText(value);
  if (value === null) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      if (value === '' || value === 'null') return '<unknown>';
      const t = parseRFC3339(value);
      return t === undefined ? '<invalid>' : humanDuration(now - t);
    }
    default:
      return null;
  }
}

/** client-go jsonpath's text output for one result. */
function printText(v: JsonValue): string {
  if (v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  return goJson(v);
}

/** Go's json.Marshal: map keys sorted. */
function goJson(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const keys = Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${goJson(v[k] as JsonValue)}`).join(',')}}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseRFC3339(s: string): number | undefined {
  if (!RFC3339.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** apimachinery duration.HumanDuration: `45s`, `5m3s`, `3h10m`, `2d5h`, `1y30d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * Field-selector values of a CR for the CRD's selectableFields: keys are the JSON paths without
 * the leading dot, values Go's fmt.Sprint of the value ('' when absent).
 */
export function selectableFieldValues(obj: KubeObject, jsonPaths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of jsonPaths) {
    let cur: JsonValue | undefined = obj as unknown as JsonValue;
    for (const part of p.replace(/^\./, '').split('.')) cur = isJsonObject(cur) ? cur[part] : undefined;
    out[p.replace(/^\./, '')] = cur === undefined || cur === null ? '' : typeof cur === 'string' ? cur : typeof cur === 'number' ? (Number.isInteger(cur) ? String(cur) : goFloat(cur)) : String(cur);
  }
  return out;
}
