/**
 * All core/v1 type definitions (the legacy API group: group '' version 'v1'), gathered from the per-area
 * files. Kinds carry their GVK; everything reachable from them is included, plus TopologySelectorTerm,
 * which storage/v1 refers to.
 *
 * Several core types embed another struct with `json:",inline"` (Volume, Probe, the key selectors, …):
 * fields with FieldOptions.inline (core-v1-common.ts `inline()`); SchemaRegistry.jsonFields flattens them.
 */
import type { TypeDef } from '../dsl.js';
import { coreV1NodeTypes } from './core-v1-node.js';
import { coreV1OtherTypes } from './core-v1-other.js';
import { coreV1PersistentVolumeTypes } from './core-v1-persistent-volumes.js';
import { coreV1PodTypes } from './core-v1-pod.js';
import { coreV1ServiceTypes } from './core-v1-service.js';
import { coreV1VolumeTypes } from './core-v1-volumes.js';

export { inline } from './core-v1-common.js';

export const coreV1Types: readonly TypeDef[] = [
  ...coreV1PodTypes,
  ...coreV1VolumeTypes,
  ...coreV1PersistentVolumeTypes,
  ...coreV1ServiceTypes,
  ...coreV1NodeTypes,
  ...coreV1OtherTypes,
];
