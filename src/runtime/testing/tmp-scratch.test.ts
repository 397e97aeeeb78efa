import { it } from 'vitest';
import { ensureTestImages } from './test-images.js';
import { ensurePauseImage } from '../docker/pause-image.js';
import { createDockerApi } from '../docker/docker-api.js';
it('builds', async () => {
  console.log(await ensureTestImages());
  console.log(await ensurePauseImage(createDockerApi()));
  console.log(await ensurePauseImage(createDockerApi(), { variant: 'busybox', tag: 'lite/pause-busybox:test' }));
}, 120000);
