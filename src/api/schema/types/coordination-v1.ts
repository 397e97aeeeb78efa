/**
 * coordination.k8s.io/v1: Lease.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, defineList, defineType, i32, microTime, objectMetaField, ref, str } from '../dsl.js';

const coordination = (kind: string): string => api('coordination', 'v1', kind);
const GV = { group: 'coordination.k8s.io', version: 'v1' } as const;

export const coordinationV1Types: readonly TypeDef[] = [
  defineType(coordination('Lease'), 'A lightweight lock with a holder and an expiry, used for leader election and node heartbeats.', {
    metadata: objectMetaField,
    spec: [2, ref(coordination('LeaseSpec')), { doc: 'Current holder and timing of the lease.' }],
  }, { gvk: { ...GV, kind: 'Lease' } }),
  defineList(coordination('Lease'), { ...GV, kind: 'Lease' }),
  defineType(coordination('LeaseSpec'), 'Holder and timing of a Lease.', {
    holderIdentity: [1, str, { pointer: true, doc: 'Identity of the current holder.' }],
    leaseDurationSeconds: [2, i32, { pointer: true, doc: 'Seconds candidates must wait after the last renewTime before taking the lease over.' }],
    acquireTime: [3, microTime, { pointer: true, doc: 'When the current holder acquired the lease.' }],
    renewTime: [4, microTime, { pointer: true, doc: 'When the current holder last renewed the lease.' }],
    leaseTransitions: [5, i32, { pointer: true, doc: 'How many times the lease has changed holder.' }],
    strategy: [6, str, {
      pointer: true,
      doc: 'Strategy used to pick the next leader under coordinated leader election (alpha, CoordinatedLeaderElection feature gate).',
    }],
    preferredHolder: [7, str, {
      pointer: true,
      doc: 'Holder the coordinated leader election would like to take over; the current holder should step down.',
    }],
  }),
];
