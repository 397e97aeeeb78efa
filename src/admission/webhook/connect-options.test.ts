import { describe, expect, it } from 'vitest';
import { connectOptions } from './connect-options.js';

const q = (s: string) => new URLSearchParams(s);

describe('connectOptions', () => {
  it('builds the connect options upstream sends to webhooks, leaving out what is unset', () => {
    expect(connectOptions('pods', 'exec', q('stdin=true&stdout=true&tty=false&container=app&command=sh&command=-c&command=id'), [])).toEqual({ kind: 'PodExecOptions', apiVersion: 'v1', stdin: true, stdout: true, container: 'app', command: ['sh', '-c', 'id'] });
    expect(connectOptions('pods', 'attach', q('stdout=1&stderr=true'), [])).toEqual({ kind: 'PodAttachOptions', apiVersion: 'v1', stdout: true, stderr: true });
    expect(connectOptions('pods', 'portforward', q('ports=8080,9090&ports=x'), [])).toEqual({ kind: 'PodPortForwardOptions', apiVersion: 'v1', ports: [8080, 9090] });
    expect(connectOptions('pods', 'proxy', q(''), ['healthz', 'deep'])).toEqual({ kind: 'PodProxyOptions', apiVersion: 'v1', path: '/healthz/deep' });
    expect(connectOptions('services', 'proxy', q(''), [])).toEqual({ kind: 'ServiceProxyOptions', apiVersion: 'v1' });
    expect(connectOptions('nodes', 'proxy', q(''), ['stats'])).toEqual({ kind: 'NodeProxyOptions', apiVersion: 'v1', path: '/stats' });
  });

  it('knows which subresources are CONNECT ones', () => {
    expect(connectOptions('pods', 'log', q(''), [])).toBeUndefined();
    expect(connectOptions('pods', 'binding', q(''), [])).toBeUndefined();
    expect(connectOptions('services', 'status', q(''), [])).toBeUndefined();
  });
});
