/**
 * Air-gapped images, as k3s does with `agent/images`: every `*.tar`, `*.tar.gz` or `*.tgz` (a
 * `docker save` archive; the engine reads compressed ones too) in the agent's images dir is loaded
 * into the container runtime when the agent starts, and `lite images import FILE` loads one file.
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ContainerRuntime } from '../runtime/container-runtime.js';

export const IMAGE_ARCHIVE = /\.(tar|tar\.gz|tgz)$/;

/** Loads one archive; returns the image names (or ids, for untagged images) it held. */
export async function importImageArchive(runtime: ContainerRuntime, file: string): Promise<string[]> {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  if (!statSync(file).isFile()) throw new Error(`${file} is not a file`);
  const stream = createReadStream(file);
  try {
    return await runtime.importImages(stream);
  } catch (e) {
    throw new Error(`${file}: not an image archive the engine accepts (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  } finally {
    stream.destroy();
  }
}

/** Loads every archive of `dir` (absent dir: nothing); a bad archive is logged and skipped. */
export async function importImagesDir(runtime: ContainerRuntime, dir: string, logger: Logger): Promise<{ file: string; images: string[] }[]> {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => IMAGE_ARCHIVE.test(f))
    .sort();
  const out: { file: string; images: string[] }[] = [];
  for (const f of files) {
    const path = join(dir, f);
    const started = Date.now();
    try {
      const images = await importImageArchive(runtime, path);
      logger.info({ file: path, images, ms: Date.now() - started }, 'imported images');
      out.push({ file: path, images });
    } catch (e) {
      logger.error({ file: path, err: e instanceof Error ? e.message : String(e) }, 'cannot import image archive; skipping it');
    }
  }
  return out;
}
