/**
 * How port-forward reaches a port inside a pod's network namespace. The Docker runtime's pods
 * sit on a bridge the host routes to, so the kubelet dials the sandbox IP; host-network pods
 * share the host's namespace, so it dials 127.0.0.1. Errors read like Go's dialer's, because
 * kubectl prints them (`an error occurred forwarding 8080 -> 80: error forwarding port 80 to
 * pod …: dial tcp 172.17.0.3:80: connect: connection refused`).
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { Clock } from '../../util/clock.js';
import type { StreamingPod } from './pod-lookup.js';

/** Opens a TCP connection to `port` in the pod's network namespace. */
export type PodDialer = (pod: StreamingPod, port: number, signal: AbortSignal) => Promise<Duplex>;

const GO_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ECONNRESET: 'read: connection reset by peer',
  ETIMEDOUT: 'i/o timeout',
};

/** Dials host:port, failing like Go's net.Dial (`dial tcp H:P: connect: connection refused`). */
export function dialTcp(host: string, port: number, signal: AbortSignal, clock: Clock, timeoutMs = 10_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const target = `${host}:${port}`;
    if (signal.aborted) return reject(new Error(`dial tcp ${target}: operation was canceled`));
    const socket = connect({ host, port, noDelay: true });
    const cancelTimer = clock.setTimer(timeoutMs, () => fail(new Error(`dial tcp ${target}: i/o timeout`)));
    const onAbort = () => fail(new Error(`dial tcp ${target}: operation was canceled`));
    signal.addEventListener('abort', onAbort, { once: true });
    function cleanup() {
      cancelTimer();
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('connect', onConnect);
    }
    function fail(err: Error) {
      cleanup();
      socket.destroy();
      reject(err);
    }
    function onError(err: NodeJS.ErrnoException) {
      fail(new Error(`dial tcp ${target}: ${(err.code && GO_ERRORS[err.code]) ?? err.message}`));
    }
    function onConnect() {
      cleanup();
      resolve(socket);
    }
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}

/** The default dialer: the sandbox's IP from the runtime, or the host's loopback for host-network pods. */
export function runtimePodDialer(runtime: ContainerRuntime, clock: Clock): PodDialer {
  return async (pod, port, signal) => {
    if (pod.hostNetwork) return dialTcp('127.0.0.1', port, signal, clock);
    if (!pod.sandboxId) throw new Error('the pod has no sandbox (its network namespace does not exist yet)');
    const status = await runtime.podSandboxStatus(pod.sandboxId);
    if (status.state !== 'ready') throw new Error('the pod sandbox is not ready');
    return dialTcp(status.ip ?? '127.0.0.1', port, signal, clock);
  };
}
