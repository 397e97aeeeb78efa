import { describe, expect, it } from 'vitest';
import { goUserinfoString, parseGoURL, type GoURL } from './go-url.js';

function ok(raw: string): GoURL {
  const r = parseGoURL(raw);
  if (!r.ok) throw new Error(`unexpected error for ${raw}: ${r.error}`);
  return r.url;
}

function err(raw: string): string {
  const r = parseGoURL(raw);
  if (r.ok) throw new Error(`expected an error for ${raw}`);
  return r.error;
}

// Expected values are what Go 1.23's url.Parse returns for the same input.
describe('parseGoURL (Go net/url.Parse)', () => {
  it('splits an absolute URL', () => {
    expect(ok('HTTPS://user:p%40ss@Example.com:8443/a%20b?x=1&y#frag%21')).toEqual({
      scheme: 'https',
      opaque: '',
      user: { username: 'user', password: 'p@ss' },
      host: 'Example.com:8443',
      path: '/a b',
      rawQuery: 'x=1&y',
      fragment: 'frag!',
    });
    expect(ok('https://[::1]:443/x').host).toBe('[::1]:443');
  });

  it('has no scheme or host for relative references', () => {
    expect(ok('example.com/k8s/webhook')).toMatchObject({ scheme: '', host: '', path: 'example.com/k8s/webhook' });
    expect(ok('')).toMatchObject({ scheme: '', host: '', path: '' });
    expect(ok('//example.com/x')).toMatchObject({ scheme: '', host: 'example.com', path: '/x' });
    expect(ok('arg#backwards=thisis?html.index/port:host//:https')).toMatchObject({ scheme: '', host: '', path: 'arg', fragment: 'backwards=thisis?html.index/port:host//:https' });
  });

  it('keeps an empty host for https:///path and an opaque part for rootless paths', () => {
    expect(ok('https:///fancy/webhook')).toMatchObject({ scheme: 'https', host: '', path: '/fancy/webhook' });
    expect(ok('https:example.com')).toMatchObject({ scheme: 'https', host: '', opaque: 'example.com' });
    // A lone trailing '?' is ForceQuery: no raw query.
    expect(ok('https://example.com/?')).toMatchObject({ rawQuery: '', path: '/' });
  });

  it('reports the errors Go reports, quoting the URL without its fragment', () => {
    expect(err('://x')).toBe('parse "://x": missing protocol scheme');
    expect(err('1a:b')).toBe('parse "1a:b": first path segment in URL cannot contain colon');
    expect(err('https://example.com:80a/')).toBe('parse "https://example.com:80a/": invalid port ":80a" after host');
    expect(err('https://[::1/')).toBe('parse "https://[::1/": missing \']\' in host');
    expect(err('https://exa mple.com/')).toBe('parse "https://exa mple.com/": invalid character " " in host name');
    expect(err('https://example.com/%zz')).toBe('parse "https://example.com/%zz": invalid URL escape "%zz"');
    expect(err('https://ex%41mple.com/')).toBe('parse "https://ex%41mple.com/": invalid URL escape "%41"');
    expect(err('https://a b@example.com/')).toBe('parse "https://a b@example.com/": net/url: invalid userinfo');
    expect(err('https://example.com/\n')).toBe('parse "https://example.com/\\n": net/url: invalid control character in URL');
    // Fragment errors quote the whole input.
    expect(err('https://example.com/#%g')).toBe('parse "https://example.com/#%g": invalid URL escape "%g"');
  });

  it('prints user info as Userinfo.String() does', () => {
    expect(goUserinfoString(ok('https://harry.potter@example.com/').user ?? { username: '' })).toBe('harry.potter');
    expect(goUserinfoString({ username: 'a!b', password: 'c d' })).toBe('a%21b:c%20d');
  });
});
