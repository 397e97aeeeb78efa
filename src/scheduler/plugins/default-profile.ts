/**
 * The default scheduling profile of kube-scheduler 1.32: plugin order (the order of every
 * extension point) and score weights. Of the volume plugins, lite has VolumeBinding (claims and
 * PersistentVolumes); VolumeRestrictions, the volume limits and VolumeZone are not part of it.
 */
import type { ProfileConfig } from '../framework/framework.js';
import { balancedAllocationPlugin } from './balanced-allocation.js';
import { defaultBinderPlugin } from './default-binder.js';
import { defaultPreemptionPlugin, type DefaultPreemptionOptions } from './default-preemption.js';
import { imageLocalityPlugin } from './image-locality.js';
import { interPodAffinityPlugin } from './inter-pod-affinity.js';
import { PluginName } from './names.js';
import { nodeAffinityPlugin } from './node-affinity.js';
import { nodeNamePlugin } from './node-name.js';
import { nodePortsPlugin } from './node-ports.js';
import { nodeResourcesFitPlugin, type NodeResourcesFitOptions } from './node-resources-fit.js';
import { nodeUnschedulablePlugin } from './node-unschedulable.js';
import { podTopologySpreadPlugin, type PodTopologySpreadOptions } from './pod-topology-spread.js';
import { schedulingGatesPlugin } from './scheduling-gates.js';
import { taintTolerationPlugin } from './taint-toleration.js';
import { volumeBindingPlugin, type VolumeBindingOptions } from './volume-binding.js';

export const DEFAULT_SCORE_WEIGHTS: Readonly<Record<string, number>> = {
  [PluginName.TaintToleration]: 3,
  [PluginName.NodeAffinity]: 2,
  [PluginName.NodeResourcesFit]: 1,
  [PluginName.PodTopologySpread]: 2,
  [PluginName.InterPodAffinity]: 2,
  [PluginName.NodeResourcesBalancedAllocation]: 1,
  [PluginName.ImageLocality]: 1,
};

export interface DefaultProfileOptions {
  readonly nodeResourcesFit?: NodeResourcesFitOptions;
  readonly preemption?: DefaultPreemptionOptions | false;
  /** Default constraints (default: kube-scheduler's System defaulting). */
  readonly podTopologySpread?: PodTopologySpreadOptions;
  readonly volumeBinding?: VolumeBindingOptions;
}

export function defaultProfile(options: DefaultProfileOptions = {}): ProfileConfig {
  const preemption = options.preemption;
  return {
    plugins: [
      () => schedulingGatesPlugin(),
      () => nodeUnschedulablePlugin(),
      () => nodeNamePlugin(),
      () => taintTolerationPlugin(),
      () => nodeAffinityPlugin(),
      () => nodePortsPlugin(),
      () => nodeResourcesFitPlugin(options.nodeResourcesFit),
      (h) => volumeBindingPlugin(h, options.volumeBinding),
      (h) => podTopologySpreadPlugin(h, options.podTopologySpread),
      (h) => interPodAffinityPlugin(h),
      ...(preemption === false ? [] : [(h: Parameters<typeof defaultPreemptionPlugin>[0]) => defaultPreemptionPlugin(h, preemption)]),
      () => balancedAllocationPlugin(),
      (h) => imageLocalityPlugin(h),
      (h) => defaultBinderPlugin(h),
    ],
    scoreWeights: DEFAULT_SCORE_WEIGHTS,
  };
}
