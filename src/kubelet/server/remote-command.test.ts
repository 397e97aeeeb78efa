import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ContainerRuntime, StreamSession } from '../../runtime/container-runtime.js';
import type { KubeletStreamServer } from '../../tunnel/kubelet-connection.js';
import { RESIZE, serveRemoteCommand, STDIN } from './remote-command.js';

describe('serveRemoteCommand', () => {
  it('applies resizes one after another, in the order sent (kubectl attach sends w+1×h+1, then w×h)', async () => {
    const applied: string[] = [];
    let finish!: (code: number) => void;
    const stdout = new PassThrough();
    const session: StreamSession = {
      stdin: new PassThrough(),
      stdout,
      stderr: undefined,
      // The first resize takes longer than the second: unordered calls would end at 101×31.
      resize: async (w, h) => {
        await new Promise((r) => setTimeout(r, w === 101 ? 30 : 1));
        applied.push(`${w}x${h}`);
      },
      exited: new Promise<number>((r) => (finish = r)),
      close: () => undefined,
    };
    const runtime = { attach: async () => session } as unknown as ContainerRuntime;
    const frame = (channel: number, text: string) => new Uint8Array(Buffer.concat([Buffer.from([channel]), Buffer.from(text)]));
    const messages = [frame(RESIZE, '{"Width":101,"Height":31}'), frame(RESIZE, '{"Width":100,"Height":30}'), frame(STDIN, 'x')];
    const controller = new AbortController();
    const stream: KubeletStreamServer = {
      request: {} as KubeletStreamServer['request'],
      respond: () => undefined,
      data: (async function* () {
        for (const m of messages) yield m;
        await new Promise((r) => setTimeout(r, 60));
        stdout.end();
        finish(0);
      })(),
      send: () => true,
      writable: async () => undefined,
      end: () => undefined,
      signal: controller.signal,
    };
    await serveRemoteCommand(stream, { kind: 'attach', containerId: 'c1', command: [], options: { stdin: true, stdout: true, stderr: false, tty: true }, protocol: 'v5.channel.k8s.io' }, { runtime, logger: pino({ level: 'silent' }) });
    expect(applied).toEqual(['101x31', '100x30']);
  });
});
