export { compileJsonPath, printResults, relaxedJsonPathExpression } from './json-path.js';
export type { JsonPath, JsonPathOptions } from './json-path.js';
export { JsonPathError, parseJsonPathTemplate } from './parser.js';
export type { JsonPathNode, ListNode, SliceParam } from './parser.js';
