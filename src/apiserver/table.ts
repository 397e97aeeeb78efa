/**
 * Server-side printing: objects → meta.k8s.io Table (notes §5). The columns come from the
 * resource's TablePrinter; resources without one get kube-apiserver's default table (Name,
 * Created At, from the printers module).
 */
import type { JsonObject, KubeObject, ListMeta } from '../api/object.js';
import type { CellValue, ResourceDef, TablePrinter } from '../api/resource.js';
import { defaultTablePrinter } from '../api/printers/index.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  readonly includeObject: IncludeObject;
  readonly tableVersion: 'v1' | 'v1beta1';
  readonly now: number;
  /** Omit columnDefinitions (every watch event after the first). */
  readonly withoutColumns?: boolean;
}

export function printerFor(def: ResourceDef): TablePrinter {
  return def.strategy.table ?? defaultTablePrinter;
}

export function toTable(def: ResourceDef, apiVersion: string, objects: readonly KubeObject[], listMeta: ListMeta, opts: TableOptions): JsonObject {
  return printTable(printerFor(def), apiVersion, def.kind, objects, listMeta, opts);
}

/** A Table of objects of one kind (a resource's, or a subresource's such as Scale) by `printer`. */
export function printTable(printer: TablePrinter, apiVersion: string, kind: string, objects: readonly KubeObject[], listMeta: ListMeta, opts: TableOptions): JsonObject {
  const rows = objects.map((obj) => {
    const cells: CellValue[] = printer.row(obj, opts.now);
    const row: JsonObject = { cells };
    const embedded = embeddedObject(obj, apiVersion, kind, opts.includeObject, opts.tableVersion);
    if (embedded) row.object = embedded;
    return row;
  });
  const metadata: JsonObject = { resourceVersion: listMeta.resourceVersion ?? '' };
  if (listMeta.continue) metadata.continue = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined) metadata.remainingItemCount = listMeta.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.tableVersion}`,
    metadata,
    columnDefinitions: opts.withoutColumns ? null : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

function embeddedObject(obj: KubeObject, apiVersion: string, kind: string, include: IncludeObject, tableVersion: string): JsonObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return { ...obj, apiVersion, kind } as unknown as JsonObject;
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${tableVersion}`, metadata: obj.metadata as unknown as JsonObject };
}

/** `Accept: …;as=PartialObjectMetadata(List)` responses (used by garbage collectors and kubectl). */
export function toPartialObjectMetadata(obj: KubeObject): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata as unknown as JsonObject };
}
