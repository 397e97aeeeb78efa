/**
 * ImageLocality: prefer nodes that already have the pod's images, weighted by image size and
 * by how many nodes have the image (so one node holding everything does not attract all pods).
 */
import { isJsonObject } from '../../api/object.js';
import { MAX_NODE_SCORE, type FrameworkHandle, type SchedulerPlugin } from '../framework/interfaces.js';
import { Status } from '../framework/status.js';
import { PluginName } from './names.js';

const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;
const PRE_SCORE_KEY = 'PreScore' + PluginName.ImageLocality;

/** normalizedImageName: an image without tag or digest means `:latest`. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

function calculatePriority(sum: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  const s = Math.min(Math.max(sum, MIN_THRESHOLD), maxThreshold);
  return Math.trunc((MAX_NODE_SCORE * (s - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

export function imageLocalityPlugin(handle: FrameworkHandle): SchedulerPlugin {
  return {
    name: PluginName.ImageLocality,
    preScore(state, pod) {
      const spec = isJsonObject(pod.pod.spec) ? pod.pod.spec : {};
      const images: string[] = [];
      for (const k of ['initContainers', 'containers']) {
        const list = spec[k];
        if (Array.isArray(list)) for (const c of list) if (isJsonObject(c) && typeof c.image === 'string') images.push(normalizedImageName(c.image));
      }
      // Without any node reporting one of the images every node scores 0: nothing to do.
      if (!images.some((i) => handle.cluster.imageNodeCount(i) > 0)) return Status.skip();
      state.write(PRE_SCORE_KEY, images);
      return null;
    },
    score(state, _pod, node) {
      const images = state.read<string[]>(PRE_SCORE_KEY) ?? [];
      const total = handle.cluster.nodes().length;
      let sum = 0;
      for (const img of images) {
        const on = node.images.get(img);
        if (on && total > 0) sum += Math.trunc(on.size * (handle.cluster.imageNodeCount(img) / total));
      }
      return calculatePriority(sum, images.length);
    },
  };
}
