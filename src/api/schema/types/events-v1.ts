/**
 * events.k8s.io/v1: Event, the newer shape of core/v1 Event.
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata, enum values)
 * follow Kubernetes 1.32 (k8s.io/api v0.32.5); descriptions are lite's own words. `immutable` marks fields that
 * upstream update validation refuses to change.
 */
import type { TypeDef } from '../dsl.js';
import { api, core, defineList, defineType, i32, meta, microTime, ref, str, time } from '../dsl.js';

const events = (kind: string): string => api('events', 'v1', kind);
const GV = { group: 'events.k8s.io', version: 'v1' } as const;

export const eventsV1Types: readonly TypeDef[] = [
  defineType(events('Event'), 'A report of something that happened in the cluster, about one object.', {
    metadata: [1, ref(meta('ObjectMeta')), { noOmitEmpty: true, doc: 'Standard object metadata.' }],
    eventTime: [2, microTime, { required: true, noOmitEmpty: true, doc: 'When this event was first observed.' }],
    series: [3, ref(events('EventSeries')), { pointer: true, doc: 'Summary of repeats when the event happens more than once.' }],
    reportingController: [4, str, { doc: 'Name of the controller that emitted the event, e.g. kubernetes.io/kubelet.' }],
    reportingInstance: [5, str, { doc: "Identity of the controller instance, e.g. the kubelet's host name." }],
    action: [6, str, { doc: 'What action was taken or failed, e.g. Binding; machine-readable.' }],
    reason: [7, str, { doc: 'Why the action was taken; short, machine-readable, CamelCase.' }],
    regarding: [8, ref(core('ObjectReference')), { doc: 'Object this event is about.' }],
    related: [9, ref(core('ObjectReference')), { pointer: true, doc: 'Secondary object involved, if any.' }],
    note: [10, str, { doc: 'Human-readable description; at most 1kB.' }],
    type: [11, str, { doc: 'Normal or Warning; more types may come.' }],
    deprecatedSource: [12, ref(core('EventSource')), { doc: 'Legacy source field kept for core/v1 Event compatibility.' }],
    deprecatedFirstTimestamp: [13, time, { doc: 'Legacy first-seen time kept for core/v1 Event compatibility.' }],
    deprecatedLastTimestamp: [14, time, { doc: 'Legacy last-seen time kept for core/v1 Event compatibility.' }],
    deprecatedCount: [15, i32, { doc: 'Legacy repeat count kept for core/v1 Event compatibility.' }],
  }, { gvk: { ...GV, kind: 'Event' } }),
  defineList(events('Event'), { ...GV, kind: 'Event' }),
  defineType(events('EventSeries'), 'Repeat information of an Event that keeps happening.', {
    count: [1, i32, { required: true, noOmitEmpty: true, doc: 'How many times the event has been seen so far.' }],
    lastObservedTime: [2, microTime, { required: true, noOmitEmpty: true, doc: 'When the latest repeat was seen.' }],
  }),
];
