import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentArgs } from './agent-command.js';
import { agentFlags, nodeFlags, withEnvDefaults } from './flags.js';
import { nodeFlagsFrom } from './node-flags.js';

describe('node flags', () => {
  it('defaults the node name to the host name and parses labels, taints, IP and socket', () => {
    expect(nodeFlagsFrom({})).toMatchObject({ nodeName: hostname().toLowerCase(), labels: {}, taints: [], dockerSocket: '/var/run/docker.sock' });
    expect(
      nodeFlagsFrom({ 'node-name': 'worker-1', 'node-label': ['zone=a'], 'node-taint': ['gpu=yes:NoSchedule'], 'node-ip': '10.0.0.7', 'docker-socket': 'unix:///run/docker.sock' }),
    ).toEqual({ nodeName: 'worker-1', labels: { zone: 'a' }, taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }], nodeIp: '10.0.0.7', dockerSocket: '/run/docker.sock' });
  });

  it('names the flag in its errors', () => {
    expect(() => nodeFlagsFrom({ 'node-name': 'Bad_Name' })).toThrow(/^--node-name "Bad_Name" is not a valid node name/);
    expect(() => nodeFlagsFrom({ 'node-label': ['novalue'] })).toThrow(/^--node-label: expected key=value/);
    expect(() => nodeFlagsFrom({ 'node-taint': ['x=y'] })).toThrow(/^--node-taint: expected key\[=value\]:Effect/);
    expect(() => nodeFlagsFrom({ 'node-ip': 'ten' })).toThrow('--node-ip must be an IP address, got "ten"');
  });
});

describe('lite agent flags', () => {
  it('mirror --server and --token as LITE_URL and LITE_TOKEN (k3s: K3S_URL, K3S_TOKEN)', () => {
    const flags = withEnvDefaults({ ...agentFlags, ...nodeFlags }, { LITE_URL: 'https://10.0.0.1:6443', LITE_TOKEN: 'K10abc::x:y', LITE_NODE_NAME: 'w1' });
    expect(flags.server.default).toBe('https://10.0.0.1:6443');
    expect(flags.token.default).toBe('K10abc::x:y');
    expect(flags['node-name'].default).toBe('w1');
    expect(agentFlags.server.describe).toContain('[env: LITE_URL]');
    expect('env' in flags.server).toBe(false);
  });

  it('needs a server and a token, from --token or --token-file', () => {
    expect(() => agentArgs({ token: 't' })).toThrow(/^--server \(or LITE_URL\) is required/);
    expect(() => agentArgs({ server: 'https://s:6443' })).toThrow(/^--token \(or LITE_TOKEN, or --token-file\) is required: print the join token on the server with "lite token"/);
    const dir = mkdtempSync(join(tmpdir(), 'lite-token-'));
    try {
      writeFileSync(join(dir, 'token'), 'K10ff::a:b\n');
      expect(agentArgs({ server: 'https://s:6443', 'token-file': join(dir, 'token'), 'node-name': 'n' })).toMatchObject({ token: 'K10ff::a:b' });
      expect(() => agentArgs({ server: 'https://s:6443', 'token-file': join(dir, 'missing') })).toThrow(/--token-file .*missing: no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node networking flags', () => {
  it('default to VXLAN, kube-proxy on, a 30 s resync and cluster.local', async () => {
    const { networkFlagsFrom } = await import('./node-flags.js');
    expect(networkFlagsFrom({}, '10.42.0.0/16')).toEqual({ network: { clusterCidr: '10.42.0.0/16', flannelBackend: 'vxlan', kubeProxy: true, resyncMs: 30_000 }, clusterDomain: 'cluster.local', cleanup: false });
    expect(
      networkFlagsFrom({ 'flannel-backend': 'host-gw', 'flannel-iface': 'eth1', 'disable-kube-proxy': true, 'proxy-sync-period': '5s', 'cluster-dns': '10.43.0.53', 'cluster-domain': 'example.local.', cleanup: true }, '10.50.0.0/16'),
    ).toEqual({ network: { clusterCidr: '10.50.0.0/16', flannelBackend: 'host-gw', flannelIface: 'eth1', kubeProxy: false, resyncMs: 5000 }, clusterDns: '10.43.0.53', clusterDomain: 'example.local', cleanup: true });
  });

  it('name the flag in their errors', async () => {
    const { networkFlagsFrom } = await import('./node-flags.js');
    expect(() => networkFlagsFrom({ 'flannel-backend': 'wireguard' }, '10.42.0.0/16')).toThrow('--flannel-backend must be vxlan, host-gw or none, got "wireguard"');
    expect(() => networkFlagsFrom({ 'proxy-sync-period': '10ms' }, '10.42.0.0/16')).toThrow('--proxy-sync-period must be a duration of at least 1s');
    expect(() => networkFlagsFrom({ 'cluster-dns': 'dns' }, '10.42.0.0/16')).toThrow('--cluster-dns must be an IPv4 address, got "dns"');
    expect(() => networkFlagsFrom({}, '10.42.0.0')).toThrow('--cluster-cidr');
  });
});
