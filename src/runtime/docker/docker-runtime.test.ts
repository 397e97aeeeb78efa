import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RuntimeError, RuntimeNotFoundError, type SandboxConfig } from '../container-runtime.js';
import type { DockerApi } from './docker-api.js';
import { DockerRuntime } from './docker-runtime.js';
import { PAUSE_IMAGE } from './pause-image.js';

const notFound = () => Object.assign(new Error('(HTTP code 404) no such image - No such image: x '), { statusCode: 404, json: { message: 'No such image: x' } });

/** Just enough of the Engine for runPodSandbox. */
function fakeEngine() {
  const images = new Map<string, { Id: string; Config: { Labels: Record<string, string> } }>();
  const calls: string[] = [];
  const docker = {
    getImage: (name: string) => ({
      inspect: async () => {
        const i = images.get(name);
        if (!i) throw notFound();
        return { ...i, RepoTags: [name], RepoDigests: [], Size: 1 };
      },
    }),
    buildImage: async (_ctx: NodeJS.ReadableStream, opts: { t: string; labels?: string }) => {
      calls.push(`build ${opts.t}`);
      await new Promise((r) => setTimeout(r, 10));
      images.set(opts.t, { Id: 'sha256:pause', Config: { Labels: JSON.parse(opts.labels ?? '{}') as Record<string, string> } });
      return Readable.from([Buffer.from('{"stream":"Successfully built"}\n')]);
    },
    createContainer: async (opts: { name: string; Image: string }) => {
      calls.push(`create ${opts.name} ${opts.Image}`);
      return { id: `id-${opts.name}` };
    },
    getContainer: (id: string) => ({
      start: async () => void calls.push(`start ${id}`),
      inspect: async () => {
        throw Object.assign(new Error('(HTTP code 404) no such container - No such container: x '), { statusCode: 404, json: { message: `No such container: ${id}` } });
      },
    }),
  };
  return { docker: docker as unknown as DockerApi, calls };
}

const sandbox = (name: string): SandboxConfig => ({ name, namespace: 'ns', uid: `u-${name}`, attempt: 0, hostname: name, labels: {}, hostNetwork: false, portMappings: [] });

describe('DockerRuntime (fake engine)', () => {
  it('builds the pause image once, on first use, when it is missing', async () => {
    const { docker, calls } = fakeEngine();
    const rt = new DockerRuntime({ nodeName: 'n', docker });
    await Promise.all([rt.runPodSandbox(sandbox('a')), rt.runPodSandbox(sandbox('b'))]);
    expect(calls.filter((c) => c.startsWith('build'))).toEqual([`build ${PAUSE_IMAGE}`]);
    expect(calls).toContain(`create k8s_POD_a_ns_u-a_0 ${PAUSE_IMAGE}`);
    expect(calls).toContain('start id-k8s_POD_b_ns_u-b_0');
  });

  it('maps a 404 of a container to RuntimeNotFoundError', async () => {
    const { docker } = fakeEngine();
    const rt = new DockerRuntime({ nodeName: 'n', docker });
    const err = await rt.containerStatus('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeNotFoundError);
    expect(err).toMatchObject({ what: 'container', id: 'nope' });
  });

  it('says so when the engine is not there', async () => {
    const rt = new DockerRuntime({ nodeName: 'n', socketPath: '/nonexistent/docker.sock' });
    const err = await rt.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as Error).message).toMatch(/^Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\/docker.sock/);
  });
});
