/**
 * Test images for the whole project, built locally (no registry) from Debian's busybox-static.
 *
 * Tags (stable; rebuilt only when their content changes — `io.lite.content-hash` label):
 *
 *  - `lite-test/busybox:1` (TEST_IMAGES.busybox): FROM scratch, /bin/busybox with every applet
 *    linked in /bin (sh, httpd, nc, wget, sleep, cat, echo, env, id, kill, ps, …), /etc/passwd and
 *    /etc/group (root, nobody), /tmp (1777), /root. No ENTRYPOINT; CMD ["sh"]. Examples:
 *    `httpd -f -p 8080 -h /www` (tiny HTTP server, foreground), `nc -l -p 9000`,
 *    `wget -qO- http://localhost:8080/`, `sleep 3600`.
 *  - `lite-test/entrypoint:1` (TEST_IMAGES.entrypoint): the same files with
 *    ENTRYPOINT ["/bin/echo", "entrypoint"] and CMD ["from-cmd"], for command/args semantics
 *    (runs print `entrypoint from-cmd` by default).
 *
 * `ensureTestImages()` checks that Docker answers and that a static busybox exists, and fails with
 * a message saying what to do; it installs nothing.
 */
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TarEntry } from '../tar.js';
import { buildImageIfChanged } from '../docker/image-build.js';
import { createDockerApi, DEFAULT_DOCKER_SOCKET, dockerErrorMessage, type DockerApi } from '../docker/docker-api.js';

export const TEST_IMAGES = {
  busybox: 'lite-test/busybox:1',
  entrypoint: 'lite-test/entrypoint:1',
} as const;

/** What `lite-test/entrypoint:1` runs by default. */
export const ENTRYPOINT_IMAGE_CONFIG = { entrypoint: ['/bin/echo', 'entrypoint'], cmd: ['from-cmd'] } as const;

export interface TestImagesOptions {
  readonly docker?: DockerApi;
  readonly socketPath?: string;
  /** Default /bin/busybox (Debian package busybox-static). */
  readonly busyboxPath?: string;
}

const INSTALL_HINT = 'install it with `apt-get install -y busybox-static` (Debian/Ubuntu)';

/** True when an ELF file has no PT_INTERP program header (statically linked). */
function isStaticElf(bin: Buffer): boolean {
  if (bin.length < 64 || bin.readUInt32BE(0) !== 0x7f454c46 || bin[4] !== 2 || bin[5] !== 1) return false;
  const phoff = Number(bin.readBigUInt64LE(32));
  const phentsize = bin.readUInt16LE(54);
  const phnum = bin.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > bin.length) return false;
    if (bin.readUInt32LE(off) === 3) return false; // PT_INTERP
  }
  return true;
}

async function busyboxRootfs(busyboxPath: string): Promise<TarEntry[]> {
  let bin: Buffer;
  try {
    bin = await readFile(busyboxPath);
  } catch {
    throw new Error(`test images need a static busybox at ${busyboxPath}, which is missing: ${INSTALL_HINT}`);
  }
  if (!isStaticElf(bin)) throw new Error(`${busyboxPath} is not a statically linked 64-bit ELF (the dynamic busybox cannot run FROM scratch): ${INSTALL_HINT}`);
  let list: string;
  try {
    list = (await promisify(execFile)(busyboxPath, ['--list'])).stdout;
  } catch (err) {
    throw new Error(`running ${busyboxPath} --list failed: ${(err as Error).message}`, { cause: err });
  }
  const applets = [...new Set(list.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'busybox' && !s.includes('/')))].sort();
  return [
    { name: 'rootfs', type: 'dir' },
    { name: 'rootfs/bin', type: 'dir' },
    { name: 'rootfs/bin/busybox', data: bin, mode: 0o755 },
    ...applets.map((a): TarEntry => ({ name: `rootfs/bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'rootfs/etc', type: 'dir' },
    { name: 'rootfs/etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { name: 'rootfs/etc/group', data: 'root:x:0:\nnogroup:x:65534:\n' },
    { name: 'rootfs/tmp', type: 'dir', mode: 0o1777 },
    { name: 'rootfs/root', type: 'dir', mode: 0o700 },
    { name: 'rootfs/www', type: 'dir' },
    { name: 'rootfs/www/index.html', data: 'lite-test busybox\n' },
  ];
}

/** Builds (if missing or changed) every test image; returns their tags. */
export async function ensureTestImages(options: TestImagesOptions = {}): Promise<typeof TEST_IMAGES> {
  const socketPath = options.socketPath ?? DEFAULT_DOCKER_SOCKET;
  const docker = options.docker ?? createDockerApi(socketPath);
  try {
    await docker.version();
  } catch (err) {
    throw new Error(`test images need a Docker engine at ${socketPath}: ${dockerErrorMessage(err)} (start it, e.g. \`dockerd >/var/log/dockerd.log 2>&1 &\`)`, {
      cause: err,
    });
  }
  const rootfs = await busyboxRootfs(options.busyboxPath ?? '/bin/busybox');
  const base = await buildImageIfChanged(docker, TEST_IMAGES.busybox, [
    { name: 'Dockerfile', data: 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' },
    ...rootfs,
  ]);
  const { entrypoint, cmd } = ENTRYPOINT_IMAGE_CONFIG;
  await buildImageIfChanged(docker, TEST_IMAGES.entrypoint, [
    {
      name: 'Dockerfile',
      // The base's id is part of the context, so a rebuilt base rebuilds this one.
      data: `FROM ${TEST_IMAGES.busybox}\nLABEL io.lite.base="${base.id}"\nENTRYPOINT ${JSON.stringify(entrypoint)}\nCMD ${JSON.stringify(cmd)}\n`,
    },
  ]);
  return TEST_IMAGES;
}
