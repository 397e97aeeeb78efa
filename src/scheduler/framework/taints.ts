/** Taints and tolerations for the scheduler's plugins (shared definitions in src/api/taints.ts). */
import { type Taint } from '../../api/taints.js';

export { findUntoleratedTaint, parseTaints, parseTolerations, toleratesTaint, tolerationsTolerateTaint, type Taint, type Toleration } from '../../api/taints.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;

/** The taints the scheduler must respect when filtering: NoSchedule and NoExecute. */
export const doNotScheduleTaint = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';
