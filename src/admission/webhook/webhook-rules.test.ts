import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { namespaceSelectorMatches, objectSelectorMatches, rulesMatch, sortWebhooks, webhooksOf, type WebhookRequestAttributes } from './webhook-rules.js';

const config = (name: string, webhooks: Record<string, unknown>[]): KubeObject => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name }, webhooks });

const hook = (extra: Record<string, unknown> = {}) => ({
  name: 'check.example.com',
  clientConfig: { url: 'https://127.0.0.1:9443/check' },
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  ...extra,
});

const attrs = (extra: Partial<WebhookRequestAttributes> = {}): WebhookRequestAttributes => ({
  operation: 'CREATE',
  group: '',
  version: 'v1',
  resource: 'pods',
  subresource: '',
  namespace: 'default',
  namespaced: true,
  object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { app: 'web' } } },
  oldObject: undefined,
  ...extra,
});

const only = (extra: Record<string, unknown>) => webhooksOf('validating', config('c', [hook(extra)]))[0];

describe('webhooksOf', () => {
  it('reads the defaults the API server stored, and both client configs', () => {
    const [a, b] = webhooksOf('mutating', config('c', [hook(), hook({ name: 'b.example.com', clientConfig: { service: { namespace: 'ns', name: 'svc', path: '/m' } }, failurePolicy: 'Ignore', timeoutSeconds: 3, reinvocationPolicy: 'IfNeeded' })]));
    expect(a).toMatchObject({ kind: 'mutating', configuration: 'c', name: 'check.example.com', failurePolicy: 'Fail', matchPolicy: 'Equivalent', timeoutSeconds: 10, reinvocationPolicy: 'Never', clientConfig: { url: 'https://127.0.0.1:9443/check' } });
    expect(b).toMatchObject({ failurePolicy: 'Ignore', timeoutSeconds: 3, reinvocationPolicy: 'IfNeeded', clientConfig: { service: { namespace: 'ns', name: 'svc', path: '/m', port: 443 } } });
  });

  it('orders webhooks by configuration name, keeping each configuration’s order', () => {
    const all = [...webhooksOf('validating', config('zeta', [hook({ name: 'z1.x.io' }), hook({ name: 'z2.x.io' })])), ...webhooksOf('validating', config('alpha', [hook({ name: 'a1.x.io' })]))];
    expect(sortWebhooks(all).map((w) => w.name)).toEqual(['a1.x.io', 'z1.x.io', 'z2.x.io']);
  });
});

describe('rulesMatch', () => {
  const cases: [string, Record<string, unknown>, Partial<WebhookRequestAttributes>, boolean][] = [
    ['exact rule', {}, {}, true],
    ['other operation', {}, { operation: 'UPDATE' }, false],
    ['operation *', { operations: ['*'] }, { operation: 'DELETE' }, true],
    ['other group', {}, { group: 'apps' }, false],
    ['group *', { apiGroups: ['*'] }, { group: 'apps', resource: 'pods' }, true],
    ['other resource', {}, { resource: 'services' }, false],
    ['resource * without subresource', { resources: ['*'] }, { resource: 'services' }, true],
    ['resource * does not match a subresource', { resources: ['*'] }, { subresource: 'status' }, false],
    ['pods does not match pods/status', {}, { subresource: 'status' }, false],
    ['pods/status', { resources: ['pods/status'] }, { subresource: 'status' }, true],
    ['pods/* matches pods and its subresources', { resources: ['pods/*'] }, { subresource: 'status' }, true],
    ['pods/* matches pods itself', { resources: ['pods/*'] }, {}, true],
    ['*/status', { resources: ['*/status'] }, { resource: 'deployments', subresource: 'status', group: '' }, true],
    ['*/* matches everything', { resources: ['*/*'] }, { resource: 'deployments', subresource: 'scale' }, true],
    ['scope Cluster refuses namespaced', { scope: 'Cluster' }, {}, false],
    ['scope Namespaced', { scope: 'Namespaced' }, {}, true],
    ['namespaces are cluster-scoped', { resources: ['namespaces'], scope: 'Cluster' }, { resource: 'namespaces', namespaced: false, namespace: '' }, true],
  ];
  for (const [what, rule, request, expected] of cases) {
    it(what, () => {
      const w = only({ rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*', ...rule }] });
      expect(rulesMatch(w, attrs(request), ['v1'])).toBe(expected);
    });
  }

  it('matchPolicy Equivalent matches a rule for another served version; Exact does not', () => {
    const rule = { operations: ['CREATE'], apiGroups: ['autoscaling'], apiVersions: ['v1'], resources: ['horizontalpodautoscalers'] };
    const request = attrs({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' });
    expect(rulesMatch(only({ rules: [rule] }), request, ['v2', 'v1'])).toBe(true);
    expect(rulesMatch(only({ rules: [rule], matchPolicy: 'Exact' }), request, ['v2', 'v1'])).toBe(false);
  });
});

describe('selectors', () => {
  it('objectSelector matches the new or the old object', () => {
    const w = only({ objectSelector: { matchLabels: { app: 'db' } } });
    expect(objectSelectorMatches(w, attrs())).toBe(false);
    expect(objectSelectorMatches(w, attrs({ oldObject: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'db' } } } }))).toBe(true);
    expect(objectSelectorMatches(only({}), attrs())).toBe(true);
  });

  it('namespaceSelector reads the namespace’s labels; a Namespace is matched by its own; cluster-scoped objects always match', async () => {
    const w = only({ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } });
    const labels = async (name: string) => (name === 'prod-ns' ? { env: 'prod' } : name === 'dev-ns' ? { env: 'dev' } : undefined);
    expect(await namespaceSelectorMatches(w, attrs({ namespace: 'prod-ns' }), labels)).toBe(true);
    expect(await namespaceSelectorMatches(w, attrs({ namespace: 'dev-ns' }), labels)).toBe(false);
    expect(await namespaceSelectorMatches(w, attrs({ namespace: 'missing' }), labels)).toBe(false);
    const ns = (l: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: l } });
    expect(await namespaceSelectorMatches(w, attrs({ resource: 'namespaces', namespaced: false, namespace: '', object: ns({ env: 'prod' }) }), labels)).toBe(true);
    expect(await namespaceSelectorMatches(w, attrs({ resource: 'namespaces', namespaced: false, namespace: '', object: ns({}) }), labels)).toBe(false);
    expect(await namespaceSelectorMatches(w, attrs({ resource: 'nodes', namespaced: false, namespace: '' }), labels)).toBe(true);
  });
});
