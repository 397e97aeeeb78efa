import { describe, expect, it } from 'vitest';
import { chooseKubeconfig, findKubectl, kubeconfigCandidates, namesKubeconfig, type Probe } from './kubectl-command.js';

describe('lite kubectl: which kubeconfig', () => {
  it('looks where a server on this host writes its admin kubeconfig', () => {
    expect(kubeconfigCandidates({}, true, '/root')).toEqual(['/var/lib/lite/kubeconfig.yaml']);
    expect(kubeconfigCandidates({}, false, '/home/ann')).toEqual(['/home/ann/.lite/kubeconfig.yaml', '/var/lib/lite/kubeconfig.yaml']);
    expect(kubeconfigCandidates({ LITE_DATA_DIR: '/srv/lite' }, false, '/home/ann')).toEqual(['/srv/lite/kubeconfig.yaml']);
    expect(kubeconfigCandidates({ LITE_WRITE_KUBECONFIG: '/etc/lite.yaml', LITE_DATA_DIR: '/srv/lite' }, true, '/root')).toEqual(['/etc/lite.yaml', '/srv/lite/kubeconfig.yaml']);
  });

  it('leaves KUBECONFIG and --kubeconfig alone, as k3s kubectl does', () => {
    expect(namesKubeconfig(['get', 'pods'], {})).toBe(false);
    expect(namesKubeconfig(['get', 'pods'], { KUBECONFIG: '/x' })).toBe(true);
    expect(namesKubeconfig(['--kubeconfig', '/x', 'get', 'pods'], {})).toBe(true);
    expect(namesKubeconfig(['get', 'pods', '--kubeconfig=/x'], {})).toBe(true);
  });

  it('takes the first readable one; says so when one exists but cannot be read', () => {
    const files: Record<string, ReturnType<Probe>> = { '/a': 'missing', '/b': 'unreadable', '/c': 'readable' };
    const probe: Probe = (p) => files[p] ?? 'missing';
    expect(chooseKubeconfig(['/a', '/b', '/c'], probe)).toEqual({ kubeconfig: '/c' });
    expect(chooseKubeconfig(['/a'], probe)).toEqual({});
    const denied = chooseKubeconfig(['/a', '/b'], probe);
    expect(denied.kubeconfig).toBeUndefined();
    expect(denied.warning).toBe('lite kubectl: cannot read /b; run as its owner (sudo), or start the server with --write-kubeconfig-mode 644 (or --write-kubeconfig to a file of yours)');
  });
});

describe('lite kubectl: which kubectl', () => {
  it('runs LITE_KUBECTL, else the first kubectl on PATH', () => {
    const present = new Set(['/opt/bin/kubectl', '/usr/bin/kubectl']);
    const isExecutable = (p: string) => present.has(p);
    expect(findKubectl({ PATH: '/nowhere::/opt/bin:/usr/bin' }, isExecutable)).toBe('/opt/bin/kubectl');
    expect(findKubectl({ PATH: '/usr/bin', LITE_KUBECTL: '/tools/kubectl-1.32' }, isExecutable)).toBe('/tools/kubectl-1.32');
    expect(findKubectl({ PATH: '/nowhere' }, isExecutable)).toBeUndefined();
    expect(findKubectl({}, isExecutable)).toBeUndefined();
  });
});
