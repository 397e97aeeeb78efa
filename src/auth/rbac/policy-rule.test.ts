import { describe, expect, it } from 'vitest';
import { describeRule, ruleAllows, uncoveredRules } from './policy-rule.js';

describe('ruleAllows', () => {
  it('matches verbs, groups, resources, subresources and names', () => {
    const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] };
    expect(ruleAllows({ verb: 'get', group: '', resource: 'pods', name: 'p' }, rule)).toBe(true);
    expect(ruleAllows({ verb: 'get', group: '', resource: 'pods', subresource: 'log', name: 'p' }, rule)).toBe(true);
    expect(ruleAllows({ verb: 'create', group: '', resource: 'pods', subresource: 'exec', name: 'p' }, rule)).toBe(false);
    expect(ruleAllows({ verb: 'delete', group: '', resource: 'pods' }, rule)).toBe(false);
    expect(ruleAllows({ verb: 'get', group: 'apps', resource: 'pods' }, rule)).toBe(false);
    expect(ruleAllows({ verb: 'get', group: 'apps', resource: 'deployments', subresource: 'scale' }, { verbs: ['*'], apiGroups: ['*'], resources: ['*/scale'] })).toBe(true);
    const named = { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] };
    expect(ruleAllows({ verb: 'get', group: '', resource: 'configmaps', name: 'a' }, named)).toBe(true);
    expect(ruleAllows({ verb: 'get', group: '', resource: 'configmaps', name: 'b' }, named)).toBe(false);
    expect(ruleAllows({ verb: 'list', group: '', resource: 'configmaps' }, named)).toBe(false);
  });

  it('matches non-resource URLs exactly or by a trailing *', () => {
    const rule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    expect(ruleAllows({ verb: 'get', path: '/healthz' }, rule)).toBe(true);
    expect(ruleAllows({ verb: 'get', path: '/apis/apps/v1' }, rule)).toBe(true);
    expect(ruleAllows({ verb: 'get', path: '/metrics' }, rule)).toBe(false);
    expect(ruleAllows({ verb: 'post', path: '/healthz' }, rule)).toBe(false);
    expect(ruleAllows({ verb: 'get', group: '', resource: 'pods' }, rule)).toBe(false);
  });
});

describe('uncoveredRules', () => {
  it('finds the parts of requested rules the owner does not hold', () => {
    const owner = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }, { verbs: ['*'], apiGroups: ['apps'], resources: ['deployments/*'] }];
    expect(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['x'] }])).toEqual([]);
    expect(uncoveredRules(owner, [{ verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] }])).toEqual([]);
    expect(uncoveredRules(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }])).toEqual([{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
    expect(uncoveredRules([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }])).toHaveLength(1);
    expect(uncoveredRules([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }])).toHaveLength(1);
  });

  it('prints rules in upstream CompactString form', () => {
    expect(describeRule({ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] })).toBe('{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}');
    expect(describeRule({ verbs: ['*'], nonResourceURLs: ['*'] })).toBe('{NonResourceURLs:["*"], Verbs:["*"]}');
  });
});
