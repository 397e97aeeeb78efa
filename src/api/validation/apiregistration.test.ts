import { describe, expect, it } from 'vitest';
import { nameRuleFor, validateObjectMeta } from './index.js';
import { createErrors, render, statusErrors, updateErrors } from './testing/validation-harness.js';

const KEY = 'APIService.apiregistration.k8s.io';
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

/** metrics-server's APIService (manifests/base/apiservice.yaml), with a namespace as kubectl apply -n would leave it. */
function aggregated(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: 'v1beta1.metrics.k8s.io', ...metadata },
    spec: {
      service: { namespace: 'kube-system', name: 'metrics-server' },
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
      ...spec,
    },
  };
}

/** A local APIService as kube-apiserver registers v1.apps (spec.service null). */
function local(spec: Record<string, unknown> = {}, name = 'v1.apps'): Record<string, unknown> {
  return { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name }, spec: { group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15, ...spec } };
}

describe('APIService validation (ValidateAPIService)', () => {
  it('accepts an aggregated APIService, a local one and the core group v1.', () => {
    expect(createErrors(KEY, aggregated())).toEqual([]);
    expect(createErrors(KEY, aggregated({ insecureSkipTLSVerify: false, caBundle: CA, service: { namespace: 'kube-system', name: 'metrics-server', port: 10250 } }))).toEqual([]);
    expect(createErrors(KEY, local())).toEqual([]);
    expect(createErrors(KEY, local({ service: null }))).toEqual([]);
    expect(createErrors(KEY, local({ group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 }, 'v1.'))).toEqual([]);
    expect(createErrors(KEY, local({ groupPriorityMinimum: 20000, versionPriority: 1000 }))).toEqual([]);
  });

  it('requires the name <version>.<group>', () => {
    expect(createErrors(KEY, aggregated({}, { name: 'metrics' }))).toEqual([
      'metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"',
    ]);
    expect(createErrors(KEY, local({ group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 }, 'v1'))).toEqual([
      'metadata.name: Invalid value: "v1": must be `spec.version+"."+spec.group`: "v1."',
    ]);
    // generateName goes through the same name function upstream, so only the required name itself passes.
    expect(createErrors(KEY, aggregated({}, { name: 'v1beta1.metrics.k8s.io', generateName: 'v1beta1.' }))).toEqual([
      'metadata.generateName: Invalid value: "v1beta1.": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"',
    ]);
  });

  it('leaves path-segment problems of the name to the metadata validation, which reports only those', () => {
    const meta = { name: 'v1%beta1.metrics.k8s.io' };
    expect(render(validateObjectMeta(meta, { namespaced: false, nameRule: nameRuleFor(KEY) }))).toEqual(['metadata.name: Invalid value: "v1%beta1.metrics.k8s.io": may not contain \'%\'']);
    expect(createErrors(KEY, aggregated({}, meta))).toEqual([]);
    expect(createErrors(KEY, aggregated({}, { name: 'v1beta1.metrics.k8s.io', generateName: '..' }))).toEqual(['metadata.generateName: Invalid value: "..": may not be \'..\'']);
  });

  it('checks group and version names', () => {
    expect(createErrors(KEY, local({ group: '', version: 'v2' }, 'v2.'))).toEqual(['spec.group: Required value: only v1 may have an empty group and it better be legacy kube']);
    expect(createErrors(KEY, local({ group: 'Apps_' }, 'v1.Apps_'))).toEqual([
      'spec.group: Invalid value: "Apps_": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    ]);
    expect(createErrors(KEY, local({ version: '1' }, '1.apps'))).toEqual([
      'spec.version: Invalid value: "1": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]);
  });

  it('keeps the priorities in range', () => {
    expect(createErrors(KEY, local({ groupPriorityMinimum: 0, versionPriority: 1001 }))).toEqual([
      'spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000',
      'spec.versionPriority: Invalid value: 1001: must be positive and less than 1000',
    ]);
    expect(createErrors(KEY, local({ groupPriorityMinimum: 20001, versionPriority: -1 }))).toEqual([
      'spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000',
      'spec.versionPriority: Invalid value: -1: must be positive and less than 1000',
    ]);
    const missing = local();
    delete (missing.spec as Record<string, unknown>).groupPriorityMinimum;
    delete (missing.spec as Record<string, unknown>).versionPriority;
    expect(createErrors(KEY, missing)).toEqual([
      'spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000',
      'spec.versionPriority: Invalid value: 0: must be positive and less than 1000',
    ]);
  });

  it('refuses TLS settings on a local APIService', () => {
    expect(createErrors(KEY, local({ caBundle: CA, insecureSkipTLSVerify: true }))).toEqual([
      `spec.caBundle: Invalid value: "${Buffer.from(CA, 'base64').length} bytes": local APIServices may not have a caBundle`,
      'spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify',
    ]);
  });

  it('checks the Service reference', () => {
    expect(createErrors(KEY, aggregated({ service: {} }))).toEqual(['spec.service.namespace: Required value', 'spec.service.name: Required value']);
    expect(createErrors(KEY, aggregated({ service: { namespace: 'kube-system', name: 'metrics-server', port: 0 } }))).toEqual([
      'spec.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive',
    ]);
    expect(createErrors(KEY, aggregated({ service: { namespace: 'kube-system', name: 'metrics-server', port: 65536 } }))).toEqual([
      'spec.service.port: Invalid value: 65536: port is not valid: must be between 1 and 65535, inclusive',
    ]);
  });

  it('refuses insecureSkipTLSVerify together with a caBundle', () => {
    expect(createErrors(KEY, aggregated({ caBundle: CA }))).toEqual(['spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present']);
  });
});

describe('APIService updates', () => {
  it('validates the whole object again and allows any spec change', () => {
    expect(updateErrors(KEY, aggregated({ versionPriority: 5, service: { namespace: 'other', name: 'svc' } }), aggregated())).toEqual([]);
    expect(updateErrors(KEY, aggregated({ versionPriority: 0 }), aggregated())).toEqual(['spec.versionPriority: Invalid value: 0: must be positive and less than 1000']);
  });

  it('accepts only True, False and Unknown condition statuses on /status', () => {
    const withConditions = (...statuses: string[]) => ({ ...aggregated(), status: { conditions: statuses.map((status) => ({ type: 'Available', status })) } });
    expect(statusErrors(KEY, withConditions('True', 'False', 'Unknown'), aggregated())).toEqual([]);
    expect(statusErrors(KEY, withConditions('True', 'Maybe', ''), aggregated())).toEqual([
      'status.conditions[1].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
      'status.conditions[2].status: Unsupported value: "": supported values: "True", "False", "Unknown"',
    ]);
  });
});
