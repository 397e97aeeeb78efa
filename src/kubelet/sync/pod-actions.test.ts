import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../api/object.js';
import type { ContainerState } from '../../runtime/container-runtime.js';
import type { RuntimeContainer, RuntimePod, RuntimeSandbox } from '../runtime-pod.js';
import { containerHash } from '../container/container-config.js';
import { computePodActions, podSandboxChanged } from './pod-actions.js';

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

describe('computePodActions: ephemeral containers', () => {
  const app = { name: 'app', image: 'busybox' };
  const rc = (name: string, state: ContainerState, container: JsonObject = app): RuntimeContainer => ({
    id: `id-${name}`,
    name,
    state,
    createdAt: 1,
    startedAt: 1,
    finishedAt: state === 'exited' ? 2 : undefined,
    exitCode: state === 'exited' ? 1 : undefined,
    reason: undefined,
    message: undefined,
    image: 'busybox',
    imageRef: 'sha256:1',
    sandboxId: 'sb1',
    hash: containerHash(container),
    restartCount: 0,
    annotations: {},
  });
  const noProbes = { result: () => undefined };
  const spec = { restartPolicy: 'Always', containers: [app], ephemeralContainers: [{ name: 'd1', image: 'busybox' }, { name: 'd2', image: 'busybox' }] };

  it('starts those the runtime has no container of, and never restarts an exited one', () => {
    const actions = computePodActions(spec, { ...pod({}), containers: [rc('app', 'running'), rc('d1', 'exited', { name: 'd1' })] }, noProbes);
    expect(actions.ephemeralContainersToStart).toEqual([1]);
    expect(actions.containersToStart).toEqual([]);
    expect(actions.killPod).toBe(false);
    expect(actions.containersToKill.size).toBe(0);
  });

  it('starts them before initialisation completes, not while a sandbox is being (re)created', () => {
    const withInit = { ...spec, initContainers: [{ name: 'init', image: 'busybox', command: ['sleep', '10'] }] };
    const initializing = computePodActions(withInit, { ...pod({}), containers: [rc('init', 'running', withInit.initContainers[0])] }, noProbes);
    expect(initializing.ephemeralContainersToStart).toEqual([0, 1]);
    expect(initializing.containersToStart).toEqual([]);
    const fresh = computePodActions(spec, { ...pod({}), sandboxes: [] }, noProbes);
    expect(fresh.createSandbox).toBe(true);
    expect(fresh.ephemeralContainersToStart).toEqual([]);
  });

  it('keep no pod alive: a finished restartPolicy Never pod is killed though a debugger runs', () => {
    const never = { ...spec, restartPolicy: 'Never' };
    const actions = computePodActions(never, { ...pod({}), containers: [rc('app', 'exited'), rc('d1', 'running', { name: 'd1' }), rc('d2', 'exited', { name: 'd2' })] }, noProbes);
    expect(actions.killPod).toBe(true);
  });
});
