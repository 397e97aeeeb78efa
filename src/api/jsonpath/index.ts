export { compileJsonPath, printResults, relaxedJsonPathExpression } from './json-path.js';
export type { JsonPath, JsonPathOptions } from './json-path.js';
export { JsonPathError, parseJsonPathTemplate } from './parser.js';
export type { JsonPathNode, ListNode, SliceParam } from './parser.js';
export { goFmtV, goJson, goKind, goText, goTypeName } from './go-values.js';
export type { GoKind } from './go-values.js';
