/**
 * Making sure a container's image is present, as upstream's imageManager.EnsureImageExists
 * (pkg/kubelet/images/image_manager.go, 1.32):
 *  - imagePullPolicy Always pulls, IfNotPresent pulls when missing, Never fails with
 *    ErrImageNeverPull (`Container image "x" is not present with pull policy of Never`);
 *  - events Pulling (`Pulling image "x"`), Pulled (`Successfully pulled image "x" in 1.2s (1.3s
 *    including waiting). Image size: N bytes.` / `Container image "x" already present on
 *    machine`), Failed (`Failed to pull image "x": <runtime message>`), BackOff
 *    (`Back-off pulling image "x"`);
 *  - a failed pull puts the (pod, image) pair into back-off (10 s doubling to 5 min): until it
 *    ends the container waits with ImagePullBackOff, after it the next sync pulls again;
 *  - pulls are serialized (serializeImagePulls, the kubelet default): "including waiting" counts
 *    the time queued behind other pulls.
 */
import type { Logger } from 'pino';
import { formatGoDuration } from '../../api/go/go-time.js';
import { defaultPullPolicy, parseImageReference } from '../../api/defaults/image.js';
import { RuntimeError, type ContainerRuntime, type PullProgress } from '../../runtime/container-runtime.js';
import type { Clock } from '../../util/clock.js';
import { Backoff } from '../sync/backoff.js';

export type EventSink = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

export type EnsureImageResult = { readonly ok: true; readonly image: string } | { readonly ok: false; readonly reason: string; readonly message: string };

export interface ImageManagerConfig {
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Back-off of failed pulls (default 10 s doubling to 300 s). */
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

/** The image with `:latest` added when it has neither tag nor digest (applyDefaultImageTag). */
export function withDefaultTag(image: string): string {
  const ref = parseImageReference(image);
  if (!ref || ref.digest || image.endsWith(`:${ref.tag}`)) return image;
  return `${image}:${ref.tag}`;
}

function ms(d: number): string {
  return formatGoDuration(BigInt(Math.max(0, Math.floor(d))) * 1_000_000n);
}

export class ImageManager {
  readonly #c: ImageManagerConfig;
  readonly #backoff: Backoff;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(config: ImageManagerConfig) {
    this.#c = config;
    this.#backoff = new Backoff(config.clock, config.backoffInitialMs ?? 10_000, config.backoffMaxMs ?? 300_000);
  }

  /** When the pod's image back-off ends (to look again then), if it is in back-off. */
  backoffEndsAt(podUid: string, image: string): number | undefined {
    const key = `${podUid}_${image}`;
    return this.#backoff.isInBackOffSinceUpdate(key) ? this.#backoff.endsAt(key) : undefined;
  }

  forgetPod(podUid: string): void {
    this.#backoff.deletePrefix(`${podUid}_`);
  }

  async ensureImage(podUid: string, image: string, pullPolicy: string, events: EventSink, signal?: AbortSignal): Promise<EnsureImageResult> {
    const { runtime, clock } = this.#c;
    if (!parseImageReference(image)) {
      const message = `Failed to apply default image tag ${JSON.stringify(image)}: couldn't parse image name ${JSON.stringify(image)}: invalid reference format`;
      events('Warning', 'InspectFailed', message);
      return { ok: false, reason: 'InvalidImageName', message };
    }
    const tagged = withDefaultTag(image);
    const policy = pullPolicy || defaultPullPolicy(image);
    if (policy !== 'Always') {
      let present: boolean;
      try {
        present = (await runtime.imageStatus(tagged)) !== undefined;
      } catch (e) {
        const message = `Failed to inspect image "": ${(e as Error).message}`;
        events('Warning', 'InspectFailed', message);
        return { ok: false, reason: 'ImageInspectError', message };
      }
      if (present) {
        events('Normal', 'Pulled', `Container image ${JSON.stringify(image)} already present on machine`);
        return { ok: true, image: tagged };
      }
      if (policy === 'Never') {
        const message = `Container image ${JSON.stringify(image)} is not present with pull policy of Never`;
        events('Warning', 'ErrImageNeverPull', message);
        return { ok: false, reason: 'ErrImageNeverPull', message };
      }
    }
    const key = `${podUid}_${image}`;
    if (this.#backoff.isInBackOffSinceUpdate(key)) {
      const message = `Back-off pulling image ${JSON.stringify(image)}`;
      events('Normal', 'BackOff', message);
      return { ok: false, reason: 'ImagePullBackOff', message };
    }
    events('Normal', 'Pulling', `Pulling image ${JSON.stringify(image)}`);
    const queued = clock.now();
    const pull = this.#queue.then(async () => {
      const started = clock.now();
      // Progress in the log, at most every 10 s per pull (upstream's image pull progress reporting).
      let lastReport = -Infinity;
      const onProgress = (p: PullProgress) => {
        const now = clock.now();
        if (now - lastReport < 10_000) return;
        lastReport = now;
        this.#c.logger.info({ image: tagged, status: p.status, ...(p.total ? { current: p.current, total: p.total } : {}) }, 'pulling image');
      };
      const info = await runtime.pullImage(tagged, { onProgress, ...(signal ? { signal } : {}) });
      return { info, pullMs: clock.now() - started };
    });
    this.#queue = pull.catch(() => undefined);
    try {
      const { info, pullMs } = await pull;
      events('Normal', 'Pulled', `Successfully pulled image ${JSON.stringify(image)} in ${ms(pullMs)} (${ms(clock.now() - queued)} including waiting). Image size: ${info.sizeBytes} bytes.`);
      this.#backoff.gc();
      return { ok: true, image: tagged };
    } catch (e) {
      const message = e instanceof RuntimeError || e instanceof Error ? e.message : String(e);
      events('Warning', 'Failed', `Failed to pull image ${JSON.stringify(image)}: ${message}`);
      this.#backoff.next(key);
      this.#c.logger.debug({ image, err: message }, 'image pull failed');
      return { ok: false, reason: 'ErrImagePull', message };
    }
  }
}
