import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKubeconfig, writeKubeconfig } from './write-kubeconfig.js';
import { writeSecureFile } from './write-secure-file.js';

const CA = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lite-kubeconfig-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('renderKubeconfig', () => {
  it('embeds the CA and client credentials under the name "default"', () => {
    const doc = parse(renderKubeconfig({ server: 'https://127.0.0.1:6443', caPem: CA, clientCertPem: CERT, clientKeyPem: KEY })) as unknown;
    expect(doc).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'default', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from(CA).toString('base64') } }],
      contexts: [{ name: 'default', context: { cluster: 'default', user: 'default' } }],
      'current-context': 'default',
      preferences: {},
      users: [{ name: 'default', user: { 'client-certificate-data': Buffer.from(CERT).toString('base64'), 'client-key-data': Buffer.from(KEY).toString('base64') } }],
    });
  });

  it('supports tokens and other names, and refuses half a client credential', () => {
    const doc = parse(renderKubeconfig({ server: 'https://lite:6443', caPem: CA, token: 't0k', name: 'lite' })) as { users: unknown; 'current-context': string };
    expect(doc.users).toEqual([{ name: 'lite', user: { token: 't0k' } }]);
    expect(doc['current-context']).toBe('lite');
    expect(() => renderKubeconfig({ server: 'https://x', caPem: CA, clientCertPem: CERT })).toThrow('go together');
  });
});

describe('writeKubeconfig and writeSecureFile', () => {
  it('writes 0600 files, replacing an existing file atomically and leaving no temporary files', () => {
    const path = join(dir, 'nested', 'kubeconfig.yaml');
    writeKubeconfig(path, { server: 'https://127.0.0.1:6443', caPem: CA, token: 'a' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    const loose = join(dir, 'loose');
    writeFileSync(loose, 'old', { mode: 0o666 });
    writeSecureFile(loose, 'new', 0o600);
    expect(readFileSync(loose, 'utf8')).toBe('new');
    expect(statSync(loose).mode & 0o777).toBe(0o600);
    writeSecureFile(loose, Uint8Array.of(1, 2, 3), 0o644);
    expect([...readFileSync(loose)]).toEqual([1, 2, 3]);
    expect(statSync(loose).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(readdirSync(dir).sort()).toEqual(['loose', 'nested']);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['kubeconfig.yaml']);
  });
});
