/**
 * lite's scheduler (kube-scheduler's default profile). The composition root needs only:
 *
 *   const scheduler = new Scheduler(ctx, { leaderElection: true });
 *   void scheduler.run(signal);
 *
 * with a ControllerContext whose informer factory is (or will be) started; `stats()` exposes
 * counters for benchmarks. Plugins and the framework are exported for custom profiles and tests.
 */
export { Scheduler, DEFAULT_SCHEDULER_NAME, ERR_NO_NODES_AVAILABLE, type SchedulerOptions, type SchedulerStats } from './scheduler.js';
export { Framework, type PluginFactory, type ProfileConfig } from './framework/framework.js';
export type { SchedulerPlugin, FrameworkHandle, ClusterEventInterest } from './framework/interfaces.js';
export { Status, Code } from './framework/status.js';
export { defaultProfile, DEFAULT_SCORE_WEIGHTS, type DefaultProfileOptions } from './plugins/default-profile.js';
export { PluginName } from './plugins/names.js';
export type { QueueCounts } from './queue/scheduling-queue.js';
