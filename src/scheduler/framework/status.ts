/**
 * Plugin results, as kube-scheduler's framework.Status: a code and the reasons a plugin gives.
 * Success is represented by `null` on the hot paths (Filter runs thousands of times per pod), so
 * only failures allocate.
 */

export const Code = {
  Success: 0,
  /** An internal error: the pod is retried after backoff; reason SchedulerError. */
  Error: 1,
  /** The node does not fit now, but preemption (removing pods) might help. */
  Unschedulable: 2,
  /** The node does not fit and removing pods would not help: preemption skips it. */
  UnschedulableAndUnresolvable: 3,
  Wait: 4,
  /** The plugin has nothing to do for this pod: its Filter/Score are not called this cycle. */
  Skip: 5,
  Pending: 6,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export class Status {
  readonly code: Code;
  readonly reasons: readonly string[];
  /** The plugin that returned the status (set by the framework). */
  plugin: string;

  constructor(code: Code, reasons: readonly string[] = [], plugin = '') {
    this.code = code;
    this.reasons = reasons;
    this.plugin = plugin;
  }

  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }

  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }

  static error(message: string): Status {
    return new Status(Code.Error, [message]);
  }

  static skip(): Status {
    return new Status(Code.Skip);
  }

  /** The reasons joined as upstream's Status.Message(). */
  message(): string {
    return this.reasons.join(', ');
  }

  /** Unschedulable, UnschedulableAndUnresolvable or Pending: the pod was rejected, not failed. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending;
  }
}

export function isSuccess(s: Status | null | undefined): boolean {
  return s === null || s === undefined || s.code === Code.Success;
}
