import { describe, expect, it } from 'vitest';
import type { RuntimePod, RuntimeSandbox } from '../runtime-pod.js';
import { podSandboxChanged } from './pod-actions.js';

function pod(sandbox: Partial<RuntimeSandbox>): RuntimePod {
  return {
    uid: 'u1',
    name: 'p',
    namespace: 'default',
    sandboxes: [{ id: 'sb1', ready: true, ip: '10.42.0.5', createdAt: 1, attempt: 0, netnsPath: undefined, annotations: {}, ...sandbox }],
    containers: [],
  };
}

describe('podSandboxChanged with a pod network', () => {
  it('keeps a sandbox whose address is in the pod CIDR', () => {
    expect(podSandboxChanged({}, pod({}), '10.42.0.0/24')).toEqual([false, 0, 'sb1']);
    expect(podSandboxChanged({}, pod({ ip: '172.17.0.3' }))).toEqual([false, 0, 'sb1']);
  });

  it("re-creates a sandbox from before the pod network (Docker's default bridge) or of another pod CIDR", () => {
    expect(podSandboxChanged({}, pod({ ip: '172.17.0.3' }), '10.42.0.0/24')).toEqual([true, 1, 'sb1']);
    expect(podSandboxChanged({}, pod({ ip: '10.42.1.7' }), '10.42.0.0/24')).toEqual([true, 1, 'sb1']);
  });

  it('leaves host-network sandboxes alone', () => {
    expect(podSandboxChanged({ hostNetwork: true }, pod({ ip: undefined, annotations: { 'io.lite.sandbox.hostNetwork': 'true' } }), '10.42.0.0/24')).toEqual([false, 0, 'sb1']);
  });
});
