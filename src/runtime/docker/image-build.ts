/**
 * Builds small images from contexts made in memory, through the Engine's classic builder
 * (POST /build without BuildKit: `FROM scratch` pulls nothing, so no registry is needed).
 *
 * Idempotent by content: the image carries `io.lite.content-hash` = sha256 of the context; a build
 * is skipped when an image with the tag and that hash exists.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createTar, type TarEntry } from '../tar.js';
import { dockerErrorMessage, dockerStatusCode, readJsonStream, type DockerApi } from './docker-api.js';

export const CONTENT_HASH_LABEL = 'io.lite.content-hash';

export interface BuildResult {
  readonly tag: string;
  readonly id: string;
  /** False when an up-to-date image was already there. */
  readonly built: boolean;
}

/** The content hash of a context (the label value compared on later calls). */
export function contextHash(entries: readonly TarEntry[]): string {
  return createHash('sha256').update(createTar(entries)).digest('hex');
}

export async function buildImageIfChanged(docker: DockerApi, tag: string, entries: readonly TarEntry[], labels: Record<string, string> = {}): Promise<BuildResult> {
  const hash = contextHash(entries);
  try {
    const current = await docker.getImage(tag).inspect();
    if (current.Config?.Labels?.[CONTENT_HASH_LABEL] === hash) return { tag, id: current.Id, built: false };
  } catch (err) {
    if (dockerStatusCode(err) !== 404) throw new Error(`inspecting image ${tag}: ${dockerErrorMessage(err)}`, { cause: err });
  }
  const tar = createTar(entries);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(Readable.from([tar]), {
      t: tag,
      labels: JSON.stringify({ ...labels, [CONTENT_HASH_LABEL]: hash }),
      rm: true,
      forcerm: true,
      pull: false,
    });
    await readJsonStream(stream);
  } catch (err) {
    throw new Error(`building image ${tag}: ${dockerErrorMessage(err)}`, { cause: err });
  }
  const built = await docker.getImage(tag).inspect();
  return { tag, id: built.Id, built: true };
}
