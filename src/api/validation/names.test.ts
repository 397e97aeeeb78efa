import { describe, expect, it } from 'vitest';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameProblems,
  validateCIDR,
  validateDomainPrefixedPath,
  validateFullyQualifiedDomainName,
  validateIP,
  validateIPv4,
  validateIPv6,
} from './names.js';
import { cidrContainsIP, isLoopback, parseCIDR, parseIP } from './ip.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('DNS names', () => {
  it('accepts valid subdomains and reports the upstream message for invalid ones', () => {
    expect(isDNS1123Subdomain('web.example.com')).toEqual([]);
    expect(isDNS1123Subdomain('Web')).toEqual([SUBDOMAIN_MSG]);
    expect(isDNS1123Subdomain('a'.repeat(254))).toEqual(['must be no more than 253 characters']);
  });

  it('distinguishes dotted names from other label violations', () => {
    expect(isDNS1123Label('my-name')).toEqual([]);
    expect(isDNS1123Label('my.name')).toEqual(['must not contain dots']);
    // The double space after "'my-name'," is upstream's (RegexError appends "', " then " or ").
    expect(isDNS1123Label('-x')).toEqual([LABEL_MSG]);
    expect(isDNS1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });

  it('requires DNS-1035 labels to start with a letter', () => {
    expect(isDNS1035Label('web')).toEqual([]);
    expect(isDNS1035Label('1web')).toEqual([
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it('checks wildcard subdomains', () => {
    expect(isWildcardDNS1123Subdomain('*.example.com')).toEqual([]);
    expect(isWildcardDNS1123Subdomain('foo.*.com')).toHaveLength(1);
  });

  it('masks a trailing dash for generateName prefixes', () => {
    expect(nameProblems('subdomain', 'web-', true)).toEqual([]);
    expect(nameProblems('subdomain', 'web-', false)).toEqual([SUBDOMAIN_MSG]);
    expect(nameProblems('path-segment', 'a/b', false)).toEqual(["may not contain '/'"]);
    expect(nameProblems('path-segment', '..', false)).toEqual(["may not be '..'"]);
  });
});

describe('qualified names and label values', () => {
  it('validates prefix and name parts', () => {
    expect(isQualifiedName('app.kubernetes.io/name')).toEqual([]);
    expect(isQualifiedName('/name')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('a/b/c')).toEqual([
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
    expect(isQualifiedName('-bad')[0]).toMatch(/^name part must consist of alphanumeric characters/);
    expect(isQualifiedName('x'.repeat(64))[0]).toBe('name part must be no more than 63 characters');
  });

  it('allows empty label values and limits them to 63 characters', () => {
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('v1.2_3')).toEqual([]);
    expect(isValidLabelValue('x'.repeat(64))).toEqual(['must be no more than 63 characters']);
    expect(isValidLabelValue('a b')).toHaveLength(1);
  });
});

describe('ports, percents, env vars, keys, paths', () => {
  it('checks IANA service names', () => {
    expect(isValidPortName('http')).toEqual([]);
    expect(isValidPortName('8080')).toEqual(['must contain at least one letter (a-z)']);
    expect(isValidPortName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(isValidPortName('http-metrics-port')).toEqual(['must be no more than 15 characters']);
    expect(isValidPortName('Http')).toEqual(['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']);
  });

  it('checks port numbers and percents', () => {
    expect(isValidPortNum(80)).toEqual([]);
    expect(isValidPortNum(0)).toEqual(['must be between 1 and 65535, inclusive']);
    expect(isValidPercent('25%')).toEqual([]);
    expect(isValidPercent('25')).toHaveLength(1);
  });

  it('checks environment variable names, strict and relaxed', () => {
    expect(isEnvVarName('MY_VAR')).toEqual([]);
    expect(isEnvVarName('1VAR')).toHaveLength(1);
    expect(isRelaxedEnvVarName('1 VAR')).toEqual([]);
    expect(isRelaxedEnvVarName('A=B')).toEqual(["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
  });

  it('checks config map keys and path segments', () => {
    expect(isConfigMapKey('app.properties')).toEqual([]);
    expect(isConfigMapKey('..x')).toEqual(["must not start with '..'"]);
    expect(isConfigMapKey('a/b')).toHaveLength(1);
    expect(isValidPathSegmentName('a%b')).toEqual(["may not contain '%'"]);
  });

  it('checks domain-prefixed paths and FQDNs', () => {
    expect(validateDomainPrefixedPath('f', 'acme.io/foo')).toEqual([]);
    expect(validateDomainPrefixedPath('f', 'foo')[0]?.detail).toBe('must be a domain-prefixed path (such as "acme.io/foo")');
    expect(validateFullyQualifiedDomainName('f', 'example.com.')).toEqual([]);
    expect(validateFullyQualifiedDomainName('f', 'localhost')[0]?.detail).toBe('should be a domain with at least two segments separated by dots');
  });
});

describe('IP addresses and CIDRs', () => {
  it('parses IPv4 (leading zeros allowed, as Go sloppy parsing) and IPv6', () => {
    expect(validateIP('f', '10.0.0.1')).toEqual([]);
    expect(validateIP('f', '010.000.000.001')).toEqual([]);
    expect(validateIP('f', '2001:db8::1')).toEqual([]);
    expect(validateIP('f', '::ffff:1.2.3.4')).toEqual([]);
    expect(validateIP('f', 'fe80::1%eth0')[0]?.detail).toBe('must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
    expect(validateIP('f', '256.1.1.1')).toHaveLength(1);
    expect(validateIP('f', '1:2:3:4:5:6:7:8:9')).toHaveLength(1);
  });

  it('tells the families apart, treating IPv4-mapped IPv6 as IPv4', () => {
    expect(validateIPv4('f', '1.2.3.4')).toEqual([]);
    expect(validateIPv4('f', '::1')[0]?.detail).toBe('must be a valid IPv4 address');
    expect(validateIPv6('f', '::1')).toEqual([]);
    expect(validateIPv6('f', '::ffff:1.2.3.4')[0]?.detail).toBe('must be a valid IPv6 address');
  });

  it('parses CIDRs and containment', () => {
    expect(validateCIDR('f', '10.0.0.0/8')).toEqual([]);
    expect(validateCIDR('f', '10.0.0.0/33')[0]?.detail).toBe('must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)');
    const outer = parseCIDR('10.0.0.0/8');
    const inner = parseIP('10.1.2.3');
    const other = parseIP('11.0.0.1');
    expect(outer && inner && cidrContainsIP(outer, inner)).toBe(true);
    expect(outer && other && cidrContainsIP(outer, other)).toBe(false);
    const lo = parseIP('127.0.0.1');
    expect(lo && isLoopback(lo)).toBe(true);
  });
});
