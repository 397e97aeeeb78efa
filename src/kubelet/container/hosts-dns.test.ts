import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/object.js';
import { hostNetworkHostsFile, managedHostsFile, parseResolvConf, podDns, podHostname, sandboxHostname } from './hosts-dns.js';

function pod(spec: Record<string, unknown>, name = 'web-0', namespace = 'shop'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } } as KubeObject;
}

const node = parseResolvConf('# comment\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp.example example\noptions rotate timeout:2\n');

describe('pod hostname and /etc/hosts', () => {
  it('uses spec.hostname and the subdomain as upstream GeneratePodHostNameAndDomain', () => {
    expect(podHostname(pod({}), 'cluster.local')).toEqual({ hostname: 'web-0', domain: '' });
    const h = podHostname(pod({ hostname: 'db', subdomain: 'headless' }), 'cluster.local');
    expect(h).toEqual({ hostname: 'db', domain: 'headless.shop.svc.cluster.local' });
    expect(sandboxHostname(pod({ hostname: 'db', subdomain: 'headless', setHostnameAsFQDN: true }), h)).toBe('db.headless.shop.svc.cluster.local');
    expect(sandboxHostname(pod({ hostname: 'db', subdomain: 'headless' }), h)).toBe('db');
  });

  it('truncates long names to 63 characters without a trailing dash', () => {
    const long = `${'a'.repeat(62)}-bbbb`;
    expect(podHostname(pod({}, long), 'cluster.local').hostname).toBe('a'.repeat(62));
  });

  it('writes the kubelet-managed hosts file with the pod IP line and host aliases', () => {
    const p = pod({ hostname: 'db', subdomain: 'headless', hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }] });
    const text = managedHostsFile(p, ['10.42.0.7'], podHostname(p, 'cluster.local'));
    expect(text).toBe(
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n' +
        '10.42.0.7\tdb.headless.shop.svc.cluster.local\tdb\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n',
    );
    expect(hostNetworkHostsFile(pod({}), '127.0.0.1 localhost\n')).toBe('# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n');
  });
});

describe('pod DNS (upstream GetPodDNS)', () => {
  it('parses the node resolv.conf', () => {
    expect(node).toEqual({ servers: ['10.0.0.2', '10.0.0.3'], searches: ['corp.example', 'example'], options: ['rotate', 'timeout:2'] });
  });

  it('ClusterFirst uses the cluster DNS with the namespace search path and ndots:5', () => {
    const d = podDns(pod({}), { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', node });
    expect(d).toEqual({
      dns: { servers: ['10.43.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'example'], options: ['ndots:5'] },
      missingClusterDns: false,
    });
  });

  it('ClusterFirst without a cluster DNS falls back to the node (MissingClusterDNS)', () => {
    expect(podDns(pod({}), { clusterDns: [], clusterDomain: 'cluster.local', node })).toEqual({ dns: undefined, missingClusterDns: true });
  });

  it('host-network pods with ClusterFirst use the node; ClusterFirstWithHostNet uses the cluster DNS', () => {
    expect(podDns(pod({ hostNetwork: true }), { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', node }).dns).toBeUndefined();
    expect(podDns(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', node }).dns?.servers).toEqual(['10.43.0.10']);
  });

  it('Default uses the node, None only dnsConfig; dnsConfig options merge by name', () => {
    expect(podDns(pod({ dnsPolicy: 'Default' }), { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', node }).dns).toBeUndefined();
    const none = podDns(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', node });
    expect(none.dns).toEqual({ servers: ['1.1.1.1'], searches: ['a.example'], options: ['ndots:2', 'edns0'] });
    const merged = podDns(pod({ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } }), { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', node });
    expect(merged.dns?.options).toEqual(['ndots:1']);
  });
});
