/**
 * postStart and preStop handlers, as upstream's handlerRunner (pkg/kubelet/lifecycle/handlers.go):
 * exec in the container, httpGet against the pod, tcpSocket (deprecated, still run), and sleep
 * (PodLifecycleSleepAction, on in 1.32). Failures come back as upstream's texts; the caller
 * decides what they mean (a failed postStart kills the container, a failed preStop is only
 * reported).
 */
import { strAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import type { Clock } from '../../util/clock.js';
import { formatPod } from '../container/container-config.js';
import { runHandler, type ProbeTarget } from '../prober/probe.js';

export type HandlerOutcome = { readonly ok: true } | { readonly ok: false; readonly message: string };

export async function runLifecycleHandler(handler: JsonObject, pod: KubeObject, target: ProbeTarget, timeoutMs: number, clock: Clock, signal?: AbortSignal): Promise<HandlerOutcome> {
  const who = `Container ${JSON.stringify(strAt(target.container, 'name'))} in Pod ${JSON.stringify(formatPod(pod))}`;
  if (isJsonObject(handler.sleep)) {
    const seconds = typeof handler.sleep.seconds === 'number' ? handler.sleep.seconds : 0;
    await clock.sleep(Math.min(seconds * 1000, timeoutMs), signal).catch(() => undefined);
    return { ok: true };
  }
  const outcome = await runHandler(handler, target, timeoutMs);
  if (outcome.result === 'success' || outcome.result === 'warning') return { ok: true };
  if (isJsonObject(handler.exec)) {
    const command = Array.isArray(handler.exec.command) ? handler.exec.command.map(String) : [];
    const detail = outcome.result === 'error' ? outcome.error : `command '${command.join(' ')}' exited with a non-zero code`;
    const output = outcome.result === 'failure' ? outcome.output : '';
    return { ok: false, message: `Exec lifecycle hook ([${command.join(' ')}]) for ${who} failed - error: ${detail}, message: ${JSON.stringify(output)}` };
  }
  const kind = isJsonObject(handler.httpGet) ? 'HTTP' : isJsonObject(handler.tcpSocket) ? 'TCP' : 'Unknown';
  const detail = outcome.result === 'error' ? outcome.error : outcome.output;
  return { ok: false, message: `${kind} lifecycle hook for ${who} failed - error: ${detail}` };
}
