import { describe, expect, it } from 'vitest';
import { compileJsonPath, relaxedJsonPathExpression } from './json-path.js';
import { JsonPathError } from './parser.js';

const run = (template: string, data: unknown, allowMissingKeys = false) => compileJsonPath(template, { allowMissingKeys }).execute(data);

const nodes = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: { capacity: { cpu: '4' }, ready: true, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2', labels: { 'kubernetes.io/hostname': '127.0.0.2' } },
      status: {
        capacity: { cpu: '8' },
        ready: false,
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

describe('JSONPath templates (client-go semantics)', () => {
  it.each([
    ['range item', '{range .items[*]}{.metadata.name}, {end}{.kind}', '127.0.0.1, 127.0.0.2, List'],
    ['range with quoted tab', '{range .items[*]}{.metadata.name}{"\\t"}{end}', '127.0.0.1\t127.0.0.2\t'],
    ['nested wildcard arrays', '{.items[*].status.addresses[*].address}', '127.0.0.1 127.0.0.2 127.0.0.3'],
    ['double range', '{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}', '127.0.0.1, 127.0.0.2, 127.0.0.3, '],
    ['union of dict keys', "{.items[*]['metadata.name', 'status.capacity']}", '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'],
    ['maps print as JSON inside text', '{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}', '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '],
    ['string filter', '{.users[?(@.name=="e2e")].user.password}', 'secret'],
    ['escaped dots in a key', '{.items[0].metadata.labels.kubernetes\\.io/hostname}', '127.0.0.1'],
    ['filter on escaped key', '{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', 'None'],
    ['bool filter with recursive descent', '{.items[?(@..ready==true)].metadata.name}', '127.0.0.1'],
    ['recursive field', '{..name}', '127.0.0.1 127.0.0.2 myself e2e'],
    ['plain text', 'hello jsonpath', 'hello jsonpath'],
    ['quoted brace', '{"{"}', '{'],
  ])('%s', (_name, template, expected) => {
    expect(run(template, nodes)).toBe(expected);
  });

  it('handles slices, negative indexes, steps and unions', () => {
    const data = { a: [0, 1, 2, 3, 4, 5] };
    expect(run('{.a[0]}', data)).toBe('0');
    expect(run('{.a[-1]}', data)).toBe('5');
    expect(run('{.a[-2:]}', data)).toBe('4 5');
    expect(run('{.a[0:-1]}', data)).toBe('0 1 2 3 4');
    expect(run('{.a[:4:2]}', data)).toBe('0 2');
    expect(run('{.a[1::2]}', data)).toBe('1 3 5');
    expect(run('{.a[0:0]}', data)).toBe('');
    expect(run('{.a[7:7]}', data)).toBe('');
    expect(run('{.a[1,3,4]}', data)).toBe('1 3 4');
    expect(run('{.a[*]}', data)).toBe('0 1 2 3 4 5');
    expect(run('{.a}', data)).toBe('[0,1,2,3,4,5]');
    expect(() => run('{.a[-7]}', data)).toThrow('array index out of bounds: index -1, length 6');
    expect(() => run('{.a[3:1]}', data)).toThrow('starting index 3 is greater than ending index 1');
    expect(() => run('{.a[0:6:0]}', data)).toThrow('step must be > 0');
    expect(() => run('{.a[9]}', data)).toThrow('array index out of bounds: index 9, length 6');
  });

  it('filters with comparison operators and existence tests', () => {
    expect(run('{[?(@<5)]}', [2, 6, 3, 7])).toBe('2 3');
    expect(run('{[?(@>=6)]}', [2, 6, 3, 7])).toBe('6 7');
    expect(run('{[?(@!=3)]}', [2, 6, 3, 7])).toBe('2 6 7');
    const points = [
      { id: 'i1', x: 4 },
      { id: 'i2', x: -2, z: 1 },
      { id: 'i5', x: 0, z: 1 },
      { id: 'i7', x: null, y: 4 },
    ];
    expect(run('{[?(@.z)].id}', points)).toBe('i2 i5');
    expect(run("{[0]['id']}", points)).toBe('i1');
    expect(run("{[-1]['x']}", points)).toBe('null');
    expect(() => run('{[?(@.x<1.5)]}', points)).toThrow('incompatible types for comparison');
    expect(() => run('{[?(@.x<>1)]}', points)).toThrow('unrecognized filter operator <>');
  });

  it('reads CRD printer-column style condition lookups', () => {
    const obj = {
      status: {
        conditions: [
          { type: 'Synced', status: 'True' },
          { type: 'Ready', status: 'False', reason: 'Waiting' },
        ],
      },
    };
    expect(run('{.status.conditions[?(@.type=="Ready")].status}', obj)).toBe('False');
    expect(run("{.status.conditions[?(@.type=='Ready')].reason}", obj)).toBe('Waiting');
  });

  it('errors on missing keys unless told to allow them', () => {
    const data = { items: [{ metadata: { name: 'a', annotations: { color: 'blue' } } }, { metadata: { name: 'b' } }] };
    expect(() => run('{.hello}', data)).toThrow('hello is not found');
    expect(run('{.hello}', data, true)).toBe('');
    expect(run('before-{.hello}after', data, true)).toBe('before-after');
    const filter = '{.items[?(@.metadata.annotations.color=="blue")].metadata.name}';
    expect(run(filter, data, true)).toBe('a');
    expect(() => run(filter, data, false)).toThrow('annotations is not found');
  });

  it('walks empty and nested ranges like upstream', () => {
    expect(run('{range .items[*]}{.metadata.name}{end}', { items: [] }, true)).toBe('');
    const pods = {
      items: [
        { metadata: { name: 'pod1' }, spec: { containers: [{ name: 'foo' }, { name: 'bar' }] } },
        { metadata: { name: 'pod2' }, spec: { containers: [{ name: 'baz' }] } },
      ],
    };
    expect(run('{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}', pods)).toBe('pod1:foo,bar,+pod2:baz,+');
    expect(run('{range .items[*]}{.metadata.name}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\n"}{end}', pods)).toBe(
      'pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n',
    );
    expect(() => run('{range .items[*]}{@}{end}{end}', pods)).toThrow('not in range, nothing to end');
  });

  it('prints scalars the way Go does', () => {
    const data = { f: 2.5, big: 1234567.5, small: 0.00001, i: 42, t: true, n: null, s: 'x<y', m: { b: 1, a: '<&>' } };
    expect(run('{.f} {.big} {.small} {.i} {.t} {.n}', data)).toBe('2.5 1.2345675e+06 1e-05 42 true null');
    expect(run('{.m}', data)).toBe('{"a":"\\u003c\\u0026\\u003e","b":1}');
    expect(run('{.s}', data)).toBe('x<y');
  });

  it('reports upstream parse errors', () => {
    const err = (t: string) => {
      try {
        compileJsonPath(t);
      } catch (e) {
        expect(e).toBeInstanceOf(JsonPathError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err('{.hello')).toBe('unclosed action');
    expect(err('{*}')).toBe("unrecognized character in action: U+002A '*'");
    expect(err('{+12.3.0}')).toBe('cannot parse number +12.3.0');
    expect(err('{[1}')).toBe('unterminated array');
    expect(err('{[?(.price]}')).toBe('unterminated filter');
    expect(err('{........}')).toBe('invalid multiple recursive descent');
    expect(err('{.a[x]}')).toBe('invalid array index x');
    // '=' does not end a field name, so the first complaint is about '&'.
    expect(err('{.a=="x" && .b=="y"}')).toBe("unrecognized character in action: U+0026 '&'");
    expect(err('{[?(@.a=="x" && @.b=="y")]}')).toBe("unrecognized character in action: U+0026 '&'");
    expect(() => compileJsonPath('{hello}').execute({})).toThrow('unrecognized identifier hello');
  });

  it('keeps parentheses and escaped quotes inside filter strings', () => {
    const data = [{ os: '()' }, { os: '("")' }, { os: 'Linux' }];
    expect(run('{[?(@.os == "()")].os}', data)).toBe('()');
    expect(run('{[?(@.os == "(\\"\\")")].os}', data)).toBe('("")');
    expect(run("{[?(@.os == 'Linux')].os}", data)).toBe('Linux');
  });

  it('returns grouped and flattened results', () => {
    const p = compileJsonPath('{.a[*]}-{.b}');
    expect(p.findResults({ a: [1, 2], b: 'x' })).toEqual([[1, 2], ['-'], ['x']]);
    expect(p.evaluate({ a: [1, 2], b: 'x' })).toEqual([1, 2, '-', 'x']);
  });
});

describe('relaxedJsonPathExpression', () => {
  it.each([
    ['a.b', '{.a.b}'],
    ['.a.b', '{.a.b}'],
    ['{a.b}', '{.a.b}'],
    ['{.a.b}', '{.a.b}'],
    ['', ''],
  ])('%s → %s', (input, out) => {
    expect(relaxedJsonPathExpression(input)).toBe(out);
  });

  it('rejects nested braces', () => {
    expect(() => relaxedJsonPathExpression('{.a}{.b}')).toThrow(JsonPathError);
  });
});

describe('the paths CRD printer columns and selectable fields use', () => {
  const doc = {
    spec: { 'a.b': 1, list: [1, 2, 3], items: [{ name: 'x', n: 1 }, { name: 'y', n: 5 }] },
    status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False' }] },
  };

  it.each([
    ['.spec.list[0]', [1]],
    ['.spec.list[-1]', [3]],
    ['.spec.list[0:2]', [1, 2]],
    ['.spec.list[*]', [1, 2, 3]],
    // client-go reads ['a.b'] as .a.b (two fields); a key containing a dot is written a\.b.
    ["{.spec['a.b']}", []],
    ['.spec.a\\.b', [1]],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    ['.status.conditions[?(@.type!="Ready")].type', ['Synced']],
    ['.spec.items[?(@.n > 2)].name', ['y']],
    ['.spec.items[?(@.name)].n', [1, 5]],
    ['..name', ['x', 'y']],
    ['.spec.missing.deeper', []],
  ])('%s', (path, expected) => {
    expect(compileJsonPath(relaxedJsonPathExpression(path), { allowMissingKeys: true }).evaluate(doc)).toEqual(expected);
  });
});
