import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import {
  LabelSelector,
  formatLabelSelector,
  formatLabels,
  labelSelectorFromObject,
  labelSelectorFromSet,
  parseLabelSelector,
} from './label-selector.js';

function parseError(s: string): string {
  try {
    parseLabelSelector(s);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(400);
    expect((e as ApiError).reason).toBe('BadRequest');
    return (e as ApiError).message;
  }
  throw new Error(`"${s}" parsed without error`);
}

const QNAME_HINT =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_HINT =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('parseLabelSelector', () => {
  it.each(['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=', 'x= ', 'x=,z= ', 'x= ,z= ', '!x', 'x>1', 'x>1,z<5'])('round-trips %j', (s) => {
    expect(parseLabelSelector(s).toString()).toBe(s.replaceAll(' ', ''));
  });

  it('sorts requirements by key and set values', () => {
    expect(parseLabelSelector('x=a,a=x').toString()).toBe('a=x,x=a');
    expect(parseLabelSelector('env in (prod, dev),  tier notin (b,a) , app==web').toString()).toBe('app==web,env in (dev,prod),tier notin (a,b)');
    expect(parseLabelSelector('k in (b,a,b)').requirements[0].values).toEqual(['a', 'b']);
  });

  it.each([
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x==y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x', { x: 'z' }, true],
    ['!x', { y: 'z' }, true],
    ['x>1', { x: '2' }, true],
    ['x<1', { x: '0' }, true],
    ['x!=y', {}, true],
    ['x notin (a,b)', {}, true],
    ['x notin (a,b)', { x: 'c' }, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x=', { x: '' }, true],
    ['x=z', {}, false],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['x', { y: 'z' }, false],
    ['!x', { x: 'z' }, false],
    ['x>1', { x: '0' }, false],
    ['x<1', { x: '2' }, false],
    ['x>1', { x: 'abc' }, false],
    ['x in (a,b)', {}, false],
    ['x notin (a,b)', { x: 'a' }, false],
    ['x=', {}, false],
  ])('%j matches %j → %s', (sel, labels, want) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(want);
  });

  it('treats undefined labels as an empty set', () => {
    expect(parseLabelSelector('a!=b').matches(undefined)).toBe(true);
    expect(parseLabelSelector('a').matches(undefined)).toBe(false);
  });

  it('accepts keyword-looking keys and values and prefixed keys', () => {
    expect(parseLabelSelector('in=notin').matches({ in: 'notin' })).toBe(true);
    expect(parseLabelSelector('app.kubernetes.io/name=web').matches({ 'app.kubernetes.io/name': 'web' })).toBe(true);
    expect(parseLabelSelector('k in ()').requirements[0].values).toEqual(['']);
    expect(parseLabelSelector('k in (,a)').requirements[0].values).toEqual(['', 'a']);
  });

  it.each([
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['app=my app', "found 'app', expected: ',' or 'end of string'"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['! =a', "unable to parse requirement: found '=', expected: identifier"],
    ['x<a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['x=a/b', `unable to parse requirement: values[0][x]: Invalid value: "a/b": ${VALUE_HINT}`],
    ['-x=a', `unable to parse requirement: <nil>: Invalid value: "-x": name part ${QNAME_HINT}`],
    ['a/b/c', `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name ${QNAME_HINT} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
    [
      'x in (a/b,c/d)',
      `unable to parse requirement: [values[0][x]: Invalid value: "a/b": ${VALUE_HINT}, values[1][x]: Invalid value: "c/d": ${VALUE_HINT}]`,
    ],
    [`x=${'a'.repeat(64)}`, `unable to parse requirement: values[0][x]: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`],
  ])('rejects %j', (sel, message) => {
    expect(parseError(sel)).toBe(message);
  });

  it('pins exact matches for indexes', () => {
    const s = parseLabelSelector('app=web,tier in (fe),env in (a,b),!gone');
    expect(s.requiresExactMatch('app')).toBe('web');
    expect(s.requiresExactMatch('tier')).toBe('fe');
    expect(s.requiresExactMatch('env')).toBeUndefined();
    expect(s.requiresExactMatch('gone')).toBeUndefined();
  });
});

describe('labelSelectorFromObject', () => {
  it('nil selects nothing, empty selects everything', () => {
    expect(labelSelectorFromObject(null).matches({ a: 'b' })).toBe(false);
    expect(labelSelectorFromObject(undefined).isNothing()).toBe(true);
    expect(labelSelectorFromObject({}).matches({ a: 'b' })).toBe(true);
    expect(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).isEmpty()).toBe(true);
    expect(LabelSelector.nothing().toString()).toBe('');
  });

  it('converts matchLabels and every expression operator', () => {
    const s = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(s.toString()).toBe('app=web,env notin (dev),!legacy,team,tier in (be,fe)');
    expect(s.matches({ app: 'web', tier: 'fe', team: 'x' })).toBe(true);
    expect(s.matches({ app: 'web', tier: 'fe', team: 'x', env: 'dev' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'fe', team: 'x', legacy: '' })).toBe(false);
  });

  it('reports invalid selectors as upstream does', () => {
    const msg = (o: unknown) => {
      try {
        labelSelectorFromObject(o);
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(ApiError);
        return (e as Error).message;
      }
    };
    expect(msg({ matchExpressions: [{ key: 'a', operator: 'Foo' }] })).toBe('"Foo" is not a valid label selector operator');
    expect(msg({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toBe(
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    );
    expect(msg({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toBe(
      'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    );
    expect(msg({ matchLabels: { 'bad key': 'v' } })).toBe(`key: Invalid value: "bad key": name part ${QNAME_HINT}`);
  });

  it('formats like metav1.FormatLabelSelector and labels.FormatLabels', () => {
    expect(formatLabelSelector({ matchLabels: { b: '2', a: '1' } })).toBe('a=1,b=2');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(null)).toBe('<none>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] })).toBe('<error>');
    expect(formatLabels({ z: '1', a: '2' })).toBe('a=2,z=1');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels(undefined)).toBe('<none>');
    expect(labelSelectorFromSet({ run: 'x', app: 'y' }).toString()).toBe('app=y,run=x');
  });
});
