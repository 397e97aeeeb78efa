/**
 * The images e2e pods run, built locally (no registry): lite-test/busybox:1 (busybox with every
 * applet, /www/index.html) and lite-test/entrypoint:1; see src/runtime/testing/test-images.ts.
 * Built once per test process, only when missing or changed.
 */
import { ensureTestImages, TEST_IMAGES } from '../../../src/runtime/testing/test-images.js';

let built: Promise<typeof TEST_IMAGES> | undefined;

export function ensureE2eImages(): Promise<typeof TEST_IMAGES> {
  built ??= ensureTestImages();
  return built;
}

export { TEST_IMAGES };
