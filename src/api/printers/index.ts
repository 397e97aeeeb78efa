export { kindKey } from './kind-key.js';
export { builtinTablePrinters, tablePrinterFor } from './builtin-printers.js';
export { scaleTablePrinter } from './workloads.js';
export { defaultTablePrinter } from './default-table.js';
export { crdTablePrinter } from './crd-table.js';
export type { CrdColumnDefinition, CrdTablePrinter } from './crd-table.js';
export { podRowConditions, podStatusCells } from './pod.js';
export { nodeRoles } from './cluster.js';
export { formatRfc3339, humanDuration, parseTimestamp, translateTimestampSince } from './time.js';
