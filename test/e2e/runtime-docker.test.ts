/**
 * The ContainerRuntime conformance suite against the real Docker engine (DockerRuntime).
 *
 * Needs a running Docker engine and Debian's busybox-static (/bin/busybox) for the test images
 * (src/runtime/testing/test-images.ts); fails with a message saying so otherwise. Every object is
 * labelled with a node name unique to this run, and everything with that label is removed at the
 * end, also after failures.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '../../src/runtime/container-runtime.js';
import { createDockerApi, type DockerApi } from '../../src/runtime/docker/docker-api.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { describeRuntimeConformance, removeDir } from '../../src/runtime/testing/runtime-conformance.js';
import { ensureTestImages } from '../../src/runtime/testing/test-images.js';

/** Removes every container labelled with one of the node names, and the run's imported images. */
async function cleanupNodes(docker: DockerApi, nodes: string[]): Promise<void> {
  for (const node of nodes) {
    const leftovers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABELS.node}=${node}`] }) });
    await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
    const images = await docker.listImages();
    for (const image of images) {
      for (const tag of image.RepoTags ?? []) {
        if (tag.includes(node)) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      }
    }
  }
}

describeRuntimeConformance('docker', async () => {
  const docker = createDockerApi();
  const images = await ensureTestImages({ docker });
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const nodeName = `conformance-${run}`;
  const otherName = `conformance-other-${run}`;
  const hostDir = await mkdtemp(join(tmpdir(), 'lite-runtime-docker-'));
  return {
    runtime: new DockerRuntime({ nodeName, docker }),
    otherNode: new DockerRuntime({ nodeName: otherName, docker }),
    nodeName,
    images,
    hostDir,
    async cleanup() {
      await cleanupNodes(docker, [nodeName, otherName]);
      await removeDir(hostDir);
    },
  };
});
