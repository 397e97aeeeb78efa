import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../object.js';
import { computeCustomResourceDefinitionStatus, isEstablished } from './crd-status.js';
import { cronTabCrd } from './testing/crd-fixtures.js';
import { defaultCustomResourceDefinition, prepareCustomResourceDefinitionForCreate } from './crd-validation.js';

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T11:00:00Z';

function created(crd: KubeObject): KubeObject {
  defaultCustomResourceDefinition(crd);
  prepareCustomResourceDefinitionForCreate(crd);
  return crd;
}

function withStatus(crd: KubeObject, others: KubeObject[], now: string): KubeObject {
  crd.status = computeCustomResourceDefinitionStatus(crd, others, now);
  return crd;
}

describe('computeCustomResourceDefinitionStatus', () => {
  it('accepts the names of a new CRD and establishes it at once', () => {
    const crd = created(cronTabCrd());
    expect(computeCustomResourceDefinitionStatus(crd, [crd], T0)).toEqual({
      conditions: [
        { type: 'NamesAccepted', status: 'True', lastTransitionTime: T0, reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'True', lastTransitionTime: T0, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ],
      acceptedNames: { plural: 'crontabs', singular: 'crontab', shortNames: ['ct'], kind: 'CronTab', listKind: 'CronTabList' },
      storedVersions: ['v1'],
    });
  });

  it('keeps transition times when nothing changes', () => {
    const crd = withStatus(created(cronTabCrd()), [], T0);
    const again = computeCustomResourceDefinitionStatus(crd, [], T1);
    expect((again.conditions as JsonObject[]).map((c) => c.lastTransitionTime)).toEqual([T0, T0]);
    expect(isEstablished(crd)).toBe(true);
  });

  it('refuses names another CRD of the group already holds', () => {
    const first = withStatus(created(cronTabCrd()), [], T0);
    const second = created(cronTabCrd());
    second.metadata.name = 'crontabs2.stable.example.com';
    (second.spec as JsonObject).names = { plural: 'crontabs2', singular: 'crontab2', kind: 'CronTab', shortNames: ['ct'] };
    defaultCustomResourceDefinition(second);
    const status = computeCustomResourceDefinitionStatus(second, [first, second], T1);
    expect(status.conditions).toEqual([
      { type: 'NamesAccepted', status: 'False', lastTransitionTime: T1, reason: 'ListKindConflict', message: '"CronTabList" is already in use' },
      { type: 'Established', status: 'False', lastTransitionTime: T1, reason: 'NotAccepted', message: 'not all names are accepted' },
    ]);
    // Names without conflicts are accepted; conflicting ones are left out.
    expect(status.acceptedNames).toEqual({ plural: 'crontabs2', singular: 'crontab2', kind: '' });
    second.status = status;
    expect(isEstablished(second)).toBe(false);
  });

  it('reports short name conflicts', () => {
    const first = withStatus(created(cronTabCrd()), [], T0);
    const second = created(cronTabCrd());
    second.metadata.name = 'timers.stable.example.com';
    (second.spec as JsonObject).names = { plural: 'timers', singular: 'timer', kind: 'Timer', listKind: 'TimerList', shortNames: ['ct'] };
    const status = computeCustomResourceDefinitionStatus(second, [first], T1);
    expect((status.conditions as JsonObject[])[0]).toMatchObject({ status: 'False', reason: 'ShortNamesConflict', message: '"ct" is already in use' });
  });

  it("counts the CRD's own accepted names: a new singular may not reuse its plural", () => {
    const crd = withStatus(created(cronTabCrd()), [], T0);
    ((crd.spec as JsonObject).names as JsonObject).singular = 'crontabs';
    const status = computeCustomResourceDefinitionStatus(crd, [crd], T1);
    expect((status.conditions as JsonObject[])[0]).toMatchObject({ status: 'False', reason: 'SingularConflict', message: '"crontabs" is already in use' });
    expect((status.acceptedNames as JsonObject).singular).toBe('crontab');
    // Once established, a later naming conflict does not take the CRD offline.
    expect((status.conditions as JsonObject[])[1]).toMatchObject({ type: 'Established', status: 'True', lastTransitionTime: T0 });
  });

  it('ignores CRDs of other groups', () => {
    const first = withStatus(created(cronTabCrd()), [], T0);
    const other = created(cronTabCrd());
    other.metadata.name = 'crontabs.other.example.com';
    (other.spec as JsonObject).group = 'other.example.com';
    const status = computeCustomResourceDefinitionStatus(other, [first], T1);
    expect((status.conditions as JsonObject[])[0]).toMatchObject({ status: 'True', reason: 'NoConflicts' });
  });

  it('adds the API approval condition for protected groups', () => {
    const crd = created(cronTabCrd());
    (crd.spec as JsonObject).group = 'stable.k8s.io';
    crd.metadata.annotations = { 'api-approved.kubernetes.io': 'unapproved, experimental' };
    const status = computeCustomResourceDefinitionStatus(crd, [], T0);
    expect((status.conditions as JsonObject[])[2]).toEqual({
      type: 'KubernetesAPIApprovalPolicyConformant',
      status: 'False',
      lastTransitionTime: T0,
      reason: 'UnapprovedAnnotation',
      message: 'not approved: "unapproved, experimental"',
    });
  });

  it('adds a new storage version to storedVersions', () => {
    const crd = withStatus(created(cronTabCrd()), [], T0);
    const versions = (crd.spec as JsonObject).versions as JsonObject[];
    versions[0].storage = false;
    versions.push({ ...versions[0], name: 'v2', storage: true });
    expect(computeCustomResourceDefinitionStatus(crd, [], T1).storedVersions).toEqual(['v1', 'v2']);
  });
});
