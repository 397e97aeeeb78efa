import { describe, expect, it } from 'vitest';
import { compileGoRegExp } from './go-regexp.js';
import { isEnforcedFormat, matchesFormat } from './string-formats.js';

describe('compileGoRegExp', () => {
  const matches = (p: string, s: string): boolean => {
    const r = compileGoRegExp(p);
    if (!r.regexp) throw new Error(r.error);
    return r.regexp.test(s);
  };

  it('translates RE2 syntax', () => {
    expect(matches('(?i)^abc$', 'ABC')).toBe(true);
    expect(matches('^(?P<word>[[:alpha:]]+)\\z', 'Hello')).toBe(true);
    expect(matches('^[[:digit:]]+$', '12a')).toBe(false);
    expect(matches('^\\pL+$', 'héllo')).toBe(true);
    expect(matches('^\\p{Greek}+$', 'αβγ')).toBe(true);
    expect(matches('^a\\-b\\_c$', 'a-b_c')).toBe(true);
    expect(matches('^\\Qa.b\\E$', 'a.b')).toBe(true);
    expect(matches('^\\Qa.b\\E$', 'axb')).toBe(false);
    expect(matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', 'my-name')).toBe(true);
    expect(matches('^/path/{x}$', '/path/{x}')).toBe(true);
  });

  it("rejects what Go's regexp package rejects, with its message", () => {
    expect(compileGoRegExp('(?=a)').error).toBe('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    expect(compileGoRegExp('(a)\\1').error).toBe('error parsing regexp: invalid escape sequence: `\\1`');
    expect(compileGoRegExp('[abc').error).toBe('error parsing regexp: missing closing ]: `[abc`');
    expect(compileGoRegExp('(abc').error).toBe('error parsing regexp: missing closing ): `(abc`');
    expect(compileGoRegExp('*a').error).toBe('error parsing regexp: missing argument to repetition operator: `*`');
    expect(compileGoRegExp('a{1001}').error).toBe('error parsing regexp: invalid repeat count: `{1001}`');
  });
});

describe('string formats', () => {
  it('enforces only the formats upstream keeps', () => {
    expect(isEnforcedFormat('date-time')).toBe(true);
    expect(isEnforcedFormat('int32')).toBe(false);
    expect(isEnforcedFormat('int-or-string')).toBe(false);
  });

  it.each([
    ['date', '2024-02-29', true],
    ['date', '2023-02-29', false],
    ['date-time', '2024-05-01T10:00:00Z', true],
    ['date-time', '2024-05-01T10:00:00.123+02:00', true],
    ['date-time', '2024-05-01 10:00:00', false],
    ['email', 'a.b@example.com', true],
    ['email', 'Ops <ops@example.com>', true],
    ['email', 'nope', false],
    ['hostname', 'my-host.example.com', true],
    ['hostname', '-bad-', false],
    ['ipv4', '10.0.0.1', true],
    ['ipv4', '10.0.0.256', false],
    ['ipv4', '::1', false],
    ['ipv6', '::1', true],
    ['ipv6', '10.0.0.1', false],
    ['cidr', '10.0.0.0/8', true],
    ['cidr', 'fd00::/64', true],
    ['cidr', '10.0.0.0/33', false],
    ['mac', '00:1a:2b:3c:4d:5e', true],
    ['mac', '001a.2b3c.4d5e', true],
    ['mac', '00:1a:2b', false],
    ['uuid', '123e4567-e89b-12d3-a456-426614174000', true],
    ['uuid', '123E4567E89B12D3A456426614174000', true],
    ['uuid', 'not-a-uuid', false],
    ['uuid4', '123e4567-e89b-42d3-a456-426614174000', true],
    ['uuid4', '123e4567-e89b-12d3-a456-426614174000', false],
    ['uri', 'https://example.com/x?y=1', true],
    ['uri', '/relative/path', true],
    ['uri', 'relative', false],
    ['byte', 'aGVsbG8=', true],
    ['byte', 'hello!', false],
    ['duration', '1h30m', true],
    ['duration', '3 days', true],
    ['duration', 'soon', false],
    ['isbn', '0-306-40615-2', true],
    ['isbn', '978-0-306-40615-7', true],
    ['isbn', '0-306-40615-3', false],
    ['creditcard', '4111 1111 1111 1111', true],
    ['creditcard', '4111 1111 1111 1112', false],
    ['ssn', '123-45-6789', true],
    ['hexcolor', '#a1b2c3', true],
    ['rgbcolor', 'rgb(255, 0, 10)', true],
    ['rgbcolor', 'rgb(256,0,0)', false],
    ['bsonobjectid', '507f1f77bcf86cd799439011', true],
    ['password', 'anything', true],
  ])('%s %j → %s', (format, value, ok) => {
    expect(matchesFormat(format, value)).toBe(ok);
  });
});
