/**
 * The sandbox ("pause") image, built locally: lite never needs a registry to run a pod.
 *
 * What runs as PID 1 of every sandbox must (like upstream's pause.c) sleep forever, exit 0 at once
 * on SIGTERM/SIGINT — a PID 1 without handlers ignores them, and `docker stop` would wait for its
 * timeout and SIGKILL — and reap zombies when the pod shares its PID namespace.
 *
 * Choice: on x86_64 the binary is a 258-byte static ELF generated below from the machine code of the
 * assembly in PAUSE_X86_64_ASM (assembled once with GNU as; no relocations: every address is
 * RIP-relative). It needs nothing on the host — no gcc, no libc.a, no busybox — so an agent on a
 * fresh machine with only Docker builds it in milliseconds, and the bytes (hence the content
 * hash and the image) are the same everywhere. It reaps zombies by setting SIGCHLD to SIG_IGN with
 * SA_NOCLDWAIT (the kernel then reaps). On other architectures it falls back to a static busybox
 * (Debian's busybox-static at /bin/busybox) running
 * `trap "exit 0" TERM INT; while :; do sleep 3600 & wait; done`, and fails with a message naming the
 * package when there is none.
 */
import { arch } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { TarEntry } from '../tar.js';
import { buildImageIfChanged, type BuildResult } from './image-build.js';
import type { DockerApi } from './docker-api.js';

/** The tag lite runs sandboxes with (3.10 after the upstream pause release it imitates). */
export const PAUSE_IMAGE = 'lite/pause:3.10';

/** The source of PAUSE_X86_64_CODE (GNU as, Intel syntax), kept for review and reassembly. */
export const PAUSE_X86_64_ASM = `
_start:                          # struct kernel_sigaction on the stack: handler, flags, restorer, mask
    sub  rsp, 32
    lea  rax, [rip + on_signal]
    mov  [rsp], rax
    mov  eax, 0x04000000         # SA_RESTORER (x86_64 refuses to deliver a handled signal without one)
    mov  [rsp + 8], rax
    lea  rax, [rip + restorer]
    mov  [rsp + 16], rax
    xor  eax, eax
    mov  [rsp + 24], rax
    mov  edi, 15                 # SIGTERM
    call sigaction
    mov  edi, 2                  # SIGINT
    call sigaction
    mov  qword ptr [rsp], 1      # SIG_IGN
    mov  eax, 0x04000002         # SA_RESTORER | SA_NOCLDWAIT: the kernel reaps zombies
    mov  [rsp + 8], rax
    mov  edi, 17                 # SIGCHLD
    call sigaction
1:  mov  eax, 34                 # pause()
    syscall
    jmp  1b
sigaction:                       # rt_sigaction(edi, rsp+8, NULL, 8)
    mov  eax, 13
    lea  rsi, [rsp + 8]
    xor  edx, edx
    mov  r10d, 8
    syscall
    ret
on_signal:
    mov  eax, 231                # exit_group(0)
    xor  edi, edi
    syscall
restorer:
    mov  eax, 15                 # rt_sigreturn
    syscall
`;

const PAUSE_X86_64_CODE =
  '4883ec20488d056f00000048890424b8000000044889442408488d0563000000488944241031c04889442418bf0f000000e82f000000' +
  'bf02000000e82500000048c7042401000000b8020000044889442408bf11000000e809000000b8220000000f05ebf7b80d000000488d' +
  '74240831d241ba080000000f05c3b8e700000031ff0f05b80f0000000f05';

/** A static ELF64 executable for x86_64: header, one PT_LOAD program header, then the code. */
export function pauseElfX86_64(): Buffer {
  const code = Buffer.from(PAUSE_X86_64_CODE, 'hex');
  const base = 0x400000n;
  const headerSize = 64 + 56;
  const total = headerSize + code.length;
  const elf = Buffer.alloc(total);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELF, 64-bit, little-endian, version 1, SysV
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(0x3e, 18); // EM_X86_64
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(base + BigInt(headerSize), 24); // e_entry
  elf.writeBigUInt64LE(64n, 32); // e_phoff
  elf.writeBigUInt64LE(0n, 40); // e_shoff
  elf.writeUInt32LE(0, 48);
  elf.writeUInt16LE(64, 52); // e_ehsize
  elf.writeUInt16LE(56, 54); // e_phentsize
  elf.writeUInt16LE(1, 56); // e_phnum
  const ph = 64;
  elf.writeUInt32LE(1, ph); // PT_LOAD
  elf.writeUInt32LE(5, ph + 4); // R+X
  elf.writeBigUInt64LE(0n, ph + 8); // p_offset
  elf.writeBigUInt64LE(base, ph + 16); // p_vaddr
  elf.writeBigUInt64LE(base, ph + 24); // p_paddr
  elf.writeBigUInt64LE(BigInt(total), ph + 32); // p_filesz
  elf.writeBigUInt64LE(BigInt(total), ph + 40); // p_memsz
  elf.writeBigUInt64LE(0x1000n, ph + 48); // p_align
  code.copy(elf, headerSize);
  return elf;
}

export interface PauseImageOptions {
  /** Default PAUSE_IMAGE. */
  readonly tag?: string;
  /** Default: `elf` on x86_64, else `busybox`. */
  readonly variant?: 'elf' | 'busybox';
  /** For the busybox variant (default /bin/busybox). */
  readonly busyboxPath?: string;
}

/** The build context of the pause image (exported for tests). */
export async function pauseImageContext(options: PauseImageOptions = {}): Promise<TarEntry[]> {
  const variant = options.variant ?? (arch() === 'x64' ? 'elf' : 'busybox');
  const labels = 'LABEL io.lite.role="pause"';
  if (variant === 'elf') {
    return [
      { name: 'Dockerfile', data: `FROM scratch\nCOPY pause /pause\n${labels}\nENTRYPOINT ["/pause"]\n` },
      { name: 'pause', data: pauseElfX86_64(), mode: 0o755 },
    ];
  }
  const path = options.busyboxPath ?? '/bin/busybox';
  let busybox: Buffer;
  try {
    busybox = await readFile(path);
  } catch {
    throw new Error(`building the pause image on ${arch()} needs a static busybox at ${path}: install it with \`apt-get install -y busybox-static\``);
  }
  const script = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait; done';
  return [
    {
      name: 'Dockerfile',
      data: `FROM scratch\nCOPY busybox /bin/busybox\n${labels}\nENTRYPOINT ["/bin/busybox", "sh", "-c", ${JSON.stringify(script)}]\n`,
    },
    { name: 'busybox', data: busybox, mode: 0o755 },
  ];
}

/** Builds the pause image unless an up-to-date one is there (checked by content hash). */
export async function ensurePauseImage(docker: DockerApi, options: PauseImageOptions = {}): Promise<BuildResult> {
  return buildImageIfChanged(docker, options.tag ?? PAUSE_IMAGE, await pauseImageContext(options));
}
