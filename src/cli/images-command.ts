/**
 * `lite images import FILE...`: loads `docker save` archives (.tar, .tar.gz) into the local Docker
 * engine, as `k3s ctr images import` loads them into containerd, so pods can run images without a
 * registry. Exit codes: 0 imported; 1 a file could not be imported; 3 Docker is unreachable.
 */
import { hostname } from 'node:os';
import { importImageArchive } from '../agent/images-dir.js';
import { createDockerApi, dockerErrorMessage } from '../runtime/docker/docker-api.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';

export async function importImages(files: readonly string[], dockerSocket: string): Promise<number> {
  const socket = dockerSocket.replace(/^unix:\/\//, '');
  const docker = createDockerApi(socket);
  try {
    await docker.version();
  } catch (e) {
    process.stderr.write(`lite images import: cannot reach Docker at ${socket}: ${dockerErrorMessage(e)} (start the Docker engine, or point --docker-socket at it)\n`);
    return 3;
  }
  // Importing touches no node's objects; the node name only labels what a runtime creates.
  const runtime = new DockerRuntime({ nodeName: hostname().toLowerCase() || 'lite', docker, socketPath: socket });
  let failed = 0;
  for (const file of files) {
    try {
      const images = await importImageArchive(runtime, file);
      process.stdout.write(images.length ? images.map((i) => `unpacked ${i} from ${file}\n`).join('') : `${file}: the archive held no images\n`);
      if (!images.length) failed++;
    } catch (e) {
      failed++;
      process.stderr.write(`lite images import: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}
