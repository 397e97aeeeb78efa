import { describe, expect, it } from 'vitest';
import { MATCH_CONDITIONS_UNSUPPORTED } from './admissionregistration.js';
import { createErrors, updateErrors } from './testing/validation-harness.js';

const VWC = 'ValidatingWebhookConfiguration.admissionregistration.k8s.io';
const MWC = 'MutatingWebhookConfiguration.admissionregistration.k8s.io';

type Hook = Record<string, unknown>;

/** A valid webhook (after defaulting) with `extra` merged in; `undefined` members are removed. */
function hook(extra: Hook = {}): Hook {
  const h: Hook = { name: 'webhook.k8s.io', clientConfig: { url: 'https://example.com' }, sideEffects: 'None', admissionReviewVersions: ['v1'], ...extra };
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  return h;
}

function config(...webhooks: Hook[]) {
  return { metadata: { name: 'config' }, webhooks };
}

const create = (...webhooks: Hook[]) => createErrors(VWC, config(...webhooks));
const rule = (r: Hook) => hook({ rules: [{ operations: ['CREATE'], apiGroups: ['a'], apiVersions: ['a'], resources: ['a'], ...r }] });
const svc = (s: Hook) => hook({ clientConfig: { service: { namespace: 'ns', name: 'n', ...s } } });

describe('webhook configurations: names and uniqueness', () => {
  it('accepts valid configurations of both kinds, and no webhooks at all', () => {
    expect(create(hook(), hook({ name: 'webhook2.k8s.io', clientConfig: { service: { namespace: 'ns', name: 'n', path: '/validate' } } }))).toEqual([]);
    expect(createErrors(MWC, config(hook({ reinvocationPolicy: 'IfNeeded' })))).toEqual([]);
    expect(createErrors(VWC, { metadata: { name: 'empty' } })).toEqual([]);
  });

  it('requires fully qualified webhook names', () => {
    expect(create(hook(), hook({ name: 'k8s.io' }), hook({ name: '' }), hook({ name: 'Web_hook.k8s.io' }))).toEqual([
      'webhooks[1].name: Invalid value: "k8s.io": should be a domain with at least three segments separated by dots',
      'webhooks[2].name: Required value',
      "webhooks[3].name: Invalid value: \"Web_hook.k8s.io\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  it('refuses duplicate webhook names on create and keeps tolerating them on update when already stored', () => {
    expect(create(hook(), hook())).toEqual(['webhooks[1].name: Duplicate value: "webhook.k8s.io"']);
    const dup = config(hook(), hook());
    expect(updateErrors(VWC, dup, dup)).toEqual([]);
    expect(updateErrors(VWC, dup, config(hook()))).toEqual(['webhooks[1].name: Duplicate value: "webhook.k8s.io"']);
  });
});

describe('webhook configurations: admissionReviewVersions and sideEffects', () => {
  it('requires admissionReviewVersions with a version the server knows', () => {
    expect(create(hook({ admissionReviewVersions: undefined }))).toEqual(['webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1']);
    expect(create(hook({ admissionReviewVersions: [] }))).toEqual(['webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1']);
    expect(create(hook({ admissionReviewVersions: ['invalidVersion'] }))).toEqual([
      "webhooks[0].admissionReviewVersions[0]: Invalid value: \"invalidVersion\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      'webhooks[0].admissionReviewVersions: Invalid value: []string{"invalidVersion"}: must include at least one of v1, v1beta1',
    ]);
    expect(create(hook({ admissionReviewVersions: ['v1beta1', 'v1beta1'] }))).toEqual(['webhooks[0].admissionReviewVersions[1]: Invalid value: "v1beta1": duplicate version']);
    expect(create(hook({ admissionReviewVersions: ['v1beta1', 'invalid-version'] }))).toEqual([]);
  });

  it('keeps unknown review versions valid on update when the stored webhooks had them', () => {
    const bad = config(hook({ admissionReviewVersions: ['v3'] }));
    expect(updateErrors(VWC, bad, bad)).toEqual([]);
    expect(updateErrors(VWC, bad, config(hook()))).toEqual(['webhooks[0].admissionReviewVersions: Invalid value: []string{"v3"}: must include at least one of v1, v1beta1']);
  });

  it('requires sideEffects None or NoneOnDryRun on create', () => {
    expect(create(hook({ sideEffects: undefined }))).toEqual(['webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun']);
    expect(create(hook({ sideEffects: null }))).toEqual(['webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun']);
    expect(create(hook({ sideEffects: 'Some' }))).toEqual(['webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"']);
    expect(create(hook({ sideEffects: 'NoneOnDryRun' }))).toEqual([]);
  });

  it('allows every side-effect class on update when a stored webhook had side effects', () => {
    const some = config(hook({ sideEffects: 'Unknown' }));
    expect(updateErrors(VWC, some, some)).toEqual([]);
    expect(updateErrors(VWC, config(hook({ sideEffects: 'other' })), some)).toEqual([
      'webhooks[0].sideEffects: Unsupported value: "other": supported values: "None", "NoneOnDryRun", "Some", "Unknown"',
    ]);
    expect(updateErrors(VWC, config(hook({ sideEffects: undefined })), some)).toEqual(['webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun, Some, Unknown']);
    expect(updateErrors(VWC, some, config(hook()))).toEqual(['webhooks[0].sideEffects: Unsupported value: "Unknown": supported values: "None", "NoneOnDryRun"']);
  });
});

describe('webhook configurations: policies and timeouts', () => {
  it('checks failurePolicy, matchPolicy and (mutating only) reinvocationPolicy', () => {
    expect(create(hook({ failurePolicy: 'other', matchPolicy: 'Fuzzy' }))).toEqual([
      'webhooks[0].failurePolicy: Unsupported value: "other": supported values: "Fail", "Ignore"',
      'webhooks[0].matchPolicy: Unsupported value: "Fuzzy": supported values: "Equivalent", "Exact"',
    ]);
    // An explicit "" is a set pointer in Go: not defaulted, so refused.
    expect(create(hook({ failurePolicy: '' }))).toEqual(['webhooks[0].failurePolicy: Unsupported value: "": supported values: "Fail", "Ignore"']);
    expect(createErrors(MWC, config(hook({ reinvocationPolicy: 'Always' })))).toEqual([
      'webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"',
    ]);
  });

  it('requires timeoutSeconds between 1 and 30', () => {
    expect(create(hook({ timeoutSeconds: 31 }))).toEqual(['webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds']);
    expect(create(hook({ timeoutSeconds: 0 }))).toEqual(['webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds']);
    expect(create(hook({ timeoutSeconds: -1 }))).toEqual(['webhooks[0].timeoutSeconds: Invalid value: -1: the timeout value must be between 1 and 30 seconds']);
    expect(create(hook({ timeoutSeconds: 1 }), hook({ name: 'b.k8s.io', timeoutSeconds: 30 }))).toEqual([]);
  });
});

describe('webhook configurations: selectors', () => {
  it('validates namespaceSelector and objectSelector as label selectors', () => {
    expect(
      create(
        hook({
          namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In' }] },
          objectSelector: { matchLabels: { 'bad key!': 'x' }, matchExpressions: [{ key: 'a', operator: 'Near', values: ['b'] }] },
        }),
      ),
    ).toEqual([
      "webhooks[0].namespaceSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "webhooks[0].objectSelector.matchLabels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'webhooks[0].objectSelector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
    ]);
  });

  it('tolerates invalid label values in selectors on update when the stored webhooks had invalid selectors', () => {
    const sel = { matchExpressions: [{ key: 'a', operator: 'In', values: ['not a label value!'] }] };
    const bad = config(hook({ objectSelector: sel }));
    expect(create(hook({ objectSelector: sel }))).toHaveLength(1);
    expect(updateErrors(VWC, bad, bad)).toEqual([]);
    expect(updateErrors(VWC, bad, config(hook()))).toHaveLength(1);
  });
});

describe('webhook configurations: rules', () => {
  it('requires operations, API groups, versions and resources', () => {
    expect(create(hook({ rules: [{}, { operations: [], apiGroups: [], apiVersions: [''], resources: [''] }] }))).toEqual([
      'webhooks[0].rules[0].operations: Required value',
      'webhooks[0].rules[0].apiGroups: Required value',
      'webhooks[0].rules[0].apiVersions: Required value',
      'webhooks[0].rules[0].resources: Required value',
      'webhooks[0].rules[1].operations: Required value',
      'webhooks[0].rules[1].apiGroups: Required value',
      'webhooks[0].rules[1].apiVersions[0]: Required value',
      'webhooks[0].rules[1].resources[0]: Required value',
    ]);
    // The core group is "".
    expect(create(rule({ apiGroups: [''] }))).toEqual([]);
  });

  it('accepts only known operations, with * alone', () => {
    expect(create(rule({ operations: ['CREATE', ''] }))).toEqual([
      'webhooks[0].rules[0].operations[1]: Unsupported value: "": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
    ]);
    expect(create(rule({ operations: ['PATCH'] }))).toEqual(['webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"']);
    expect(create(rule({ operations: ['CREATE', '*'] }))).toEqual([
      'webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{"CREATE", "*"}: if \'*\' is present, must not specify other operations',
    ]);
    expect(create(rule({ operations: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] }))).toEqual([]);
  });

  it('allows * only alone in apiGroups and apiVersions', () => {
    expect(create(rule({ apiGroups: ['*', 'apps'], apiVersions: ['v1', '*'] }))).toEqual([
      'webhooks[0].rules[0].apiGroups: Invalid value: []string{"*", "apps"}: if \'*\' is present, must not specify other API groups',
      'webhooks[0].rules[0].apiVersions: Invalid value: []string{"v1", "*"}: if \'*\' is present, must not specify other API versions',
    ]);
  });

  it('applies the wildcard rules for resources and subresources', () => {
    expect(create(rule({ resources: ['*', 'a/b', 'a/*', '*/b'] }))).toEqual([]);
    expect(create(rule({ resources: ['a/*', 'a'] }))).toEqual([]);
    expect(create(rule({ resources: ['*', 'a'] }))).toEqual([
      'webhooks[0].rules[0].resources: Invalid value: []string{"*", "a"}: if \'*\' is present, must not specify other resources without subresources',
    ]);
    expect(create(rule({ resources: ['a/*', 'a/x'] }))).toEqual(['webhooks[0].rules[0].resources[1]: Invalid value: "a/x": if \'a/*\' is present, must not specify a/x']);
    expect(create(rule({ resources: ['*/a', 'x/a'] }))).toEqual(['webhooks[0].rules[0].resources[1]: Invalid value: "x/a": if \'*/a\' is present, must not specify x/a']);
    expect(create(rule({ resources: ['*/*', 'a'] }))).toEqual([
      'webhooks[0].rules[0].resources: Invalid value: []string{"*/*", "a"}: if \'*/*\' is present, must not specify other resources',
    ]);
    // Upstream only looks at the last plain resource when checking '*' (it assigns instead of accumulating).
    expect(create(rule({ resources: ['*', 'a', '*'] }))).toEqual([]);
  });

  it('checks the scope', () => {
    expect(create(rule({ scope: 'Global' }))).toEqual(['webhooks[0].rules[0].scope: Unsupported value: "Global": supported values: "*", "Cluster", "Namespaced"']);
    expect(create(rule({ scope: 'Namespaced' }))).toEqual([]);
  });
});

describe('webhook configurations: clientConfig', () => {
  it('requires exactly one of url and service', () => {
    expect(create(hook({ clientConfig: {} }))).toEqual(['webhooks[0].clientConfig: Required value: exactly one of url or service is required']);
    expect(create(hook({ clientConfig: undefined }))).toEqual(['webhooks[0].clientConfig: Required value: exactly one of url or service is required']);
    expect(create(hook({ clientConfig: { url: 'example.com/k8s/webhook', service: { namespace: 'ns', name: 'n' } } }))).toEqual([
      'webhooks[0].clientConfig: Required value: exactly one of url or service is required',
    ]);
  });

  it('requires an https URL with a host and no user info, fragment or query', () => {
    const url = (u: string) => create(hook({ clientConfig: { url: u } }));
    expect(url('')).toEqual([
      `webhooks[0].clientConfig.url: Invalid value: "": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
      'webhooks[0].clientConfig.url: Invalid value: "": host must be specified; desired format: https://host[/path]',
    ]);
    expect(url('http://example.com')).toEqual([`webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`]);
    expect(url('https:///fancy/webhook')).toEqual(['webhooks[0].clientConfig.url: Invalid value: "": host must be specified; desired format: https://host[/path]']);
    expect(url('https://example.com/#bookmark')).toEqual(['webhooks[0].clientConfig.url: Invalid value: "bookmark": fragments are not permitted in the URL']);
    expect(url('https://example.com?arg=value')).toEqual(['webhooks[0].clientConfig.url: Invalid value: "arg=value": query parameters are not permitted in the URL']);
    expect(url('https://harry.potter@example.com/')).toEqual(['webhooks[0].clientConfig.url: Invalid value: "harry.potter": user information is not permitted in the URL']);
    expect(url('arg#backwards=thisis?html.index/port:host//:https')).toEqual([
      `webhooks[0].clientConfig.url: Invalid value: "": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
      'webhooks[0].clientConfig.url: Invalid value: "": host must be specified; desired format: https://host[/path]',
      'webhooks[0].clientConfig.url: Invalid value: "backwards=thisis?html.index/port:host//:https": fragments are not permitted in the URL',
    ]);
    expect(url('https://example.com:8x/')).toEqual([
      'webhooks[0].clientConfig.url: Required value: url must be a valid URL: parse "https://example.com:8x/": invalid port ":8x" after host; desired format: https://host[/path]',
    ]);
    expect(url('https://hooks.example.com:8443/validate')).toEqual([]);
  });

  it('validates the service reference as upstream does, argument swap included', () => {
    expect(create(svc({ path: 'foo/' }))).toEqual(['webhooks[0].clientConfig.service.path: Invalid value: "foo/": must start with a \'/\'']);
    expect(create(svc({ path: '/' }), hook({ name: 'b.k8s.io', clientConfig: { service: { namespace: 'ns', name: 'n', path: '/foo' } } }))).toEqual([]);
    expect(create(svc({ path: '//' }))).toEqual(['webhooks[0].clientConfig.service.path: Invalid value: "//": segment[0] may not be empty']);
    expect(create(svc({ path: '/foo//bar/' }))).toEqual(['webhooks[0].clientConfig.service.path: Invalid value: "/foo//bar/": segment[1] may not be empty']);
    expect(create(svc({ path: '/foo/bar//' }))).toEqual(['webhooks[0].clientConfig.service.path: Invalid value: "/foo/bar//": segment[2] may not be empty']);
    expect(create(svc({ path: '/apis/foo.bar/v1alpha1/--bad' }))[0]).toMatch(
      /^webhooks\[0\]\.clientConfig\.service\.path: Invalid value: "\/apis\/foo\.bar\/v1alpha1\/--bad": segment\[3\]: a lowercase RFC 1123 subdomain/,
    );
    expect(create(svc({ port: 0 }))).toEqual(['webhooks[0].clientConfig.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive']);
    expect(create(svc({ port: 65536 }))).toEqual(['webhooks[0].clientConfig.service.port: Invalid value: 65536: port is not valid: must be between 1 and 65535, inclusive']);
    // Upstream passes (name, namespace) where (namespace, name) is declared: each is reported at the other's path.
    expect(create(svc({ namespace: '' }))).toEqual(['webhooks[0].clientConfig.service.name: Required value: service name is required']);
    expect(create(svc({ name: undefined }))).toEqual(['webhooks[0].clientConfig.service.namespace: Required value: service namespace is required']);
  });
});

describe('webhook configurations: matchConditions (no CEL in lite)', () => {
  const cond = (name: string, expression = 'true') => ({ name, expression });
  const unsupported = `webhooks[0].matchConditions: Forbidden: ${MATCH_CONDITIONS_UNSUPPORTED}`;

  it('refuses any match condition, saying why', () => {
    expect(create(hook({ matchConditions: [cond('exclude-leases')] }))).toEqual([unsupported]);
    expect(createErrors(MWC, config(hook({ matchConditions: [cond('exclude-leases')] })))).toEqual([unsupported]);
    expect(MATCH_CONDITIONS_UNSUPPORTED).toMatch(/does not evaluate CEL/);
    expect(create(hook({ matchConditions: [] }))).toEqual([]);
  });

  it('still reports names, expressions, duplicates and the 64-item limit as upstream does', () => {
    expect(create(hook({ matchConditions: [{ expression: 'true' }, cond('-hello'), cond('ok', '  '), cond('ok')] }))).toEqual([
      unsupported,
      'webhooks[0].matchConditions[0].name: Required value',
      "webhooks[0].matchConditions[1].name: Invalid value: \"-hello\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'webhooks[0].matchConditions[2].expression: Required value',
      'webhooks[0].matchConditions[3].name: Duplicate value: "ok"',
    ]);
    const many = Array.from({ length: 65 }, (_, i) => cond(`c${i}`));
    expect(create(hook({ matchConditions: many }))).toEqual(['webhooks[0].matchConditions: Too many: 65: must have at most 64 items', unsupported]);
  });

  it('leaves unchanged match conditions alone on update, as upstream skips them', () => {
    const stored = config(hook({ matchConditions: [cond('a')] }));
    expect(updateErrors(VWC, config(hook({ matchConditions: [cond('a')], timeoutSeconds: 5 })), stored)).toEqual([]);
    expect(updateErrors(VWC, config(hook({ matchConditions: [cond('b')] })), stored)).toEqual([unsupported]);
  });
});
