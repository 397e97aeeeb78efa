import { describe, expect, it } from 'vitest';
import { envName, serverFlags, withEnvDefaults } from './flags.js';

describe('flag environment mirrors', () => {
  it('names mirrors LITE_<FLAG>', () => {
    expect(envName('https-listen-port')).toBe('LITE_HTTPS_LISTEN_PORT');
  });

  it('takes defaults from known mirrors, typed, and ignores unknown LITE_* variables', () => {
    const flags = withEnvDefaults(serverFlags, { LITE_HTTPS_LISTEN_PORT: '7443', LITE_DISABLE_AGENT: 'true', LITE_TLS_SAN: 'a.example, 10.0.0.1', LITE_FOO: 'x' });
    expect(flags['https-listen-port'].default).toBe(7443);
    expect(flags['disable-agent'].default).toBe(true);
    expect(flags['tls-san'].default).toEqual(['a.example', '10.0.0.1']);
    expect(Object.keys(flags)).not.toContain('foo');
  });

  it('explains a mirror value of the wrong type', () => {
    expect(() => withEnvDefaults(serverFlags, { LITE_HTTPS_LISTEN_PORT: 'many' })).toThrow('LITE_HTTPS_LISTEN_PORT="many" is not a number');
  });
});
