import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demuxFrames, FrameDemuxer, hijackedSession, rawLines } from './docker-streams.js';

const frame = (type: number, text: string) => {
  const payload = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
};

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('docker stream framing', () => {
  it('demultiplexes frames split anywhere', () => {
    const got: [number, string][] = [];
    const d = new FrameDemuxer((s, p) => got.push([s, p.toString()]));
    const all = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, '')]);
    for (let i = 0; i < all.length; i += 3) d.push(all.subarray(i, i + 3));
    expect(got).toEqual([
      [1, 'out\n'],
      [2, 'err\n'],
      [1, ''],
    ]);
    expect(d.pending).toBe(0);
  });

  it('reads bodies as frames or raw lines', async () => {
    const frames = await collect(demuxFrames(Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n')])));
    expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
      [1, 'a\n'],
      [2, 'b\n'],
    ]);
    const s = new PassThrough();
    s.end(Buffer.from('one\ntw'));
    const lines = await collect(rawLines(s));
    expect(lines.map(String)).toEqual(['one\n', 'tw']);
  });

  it('wraps a hijacked connection: demuxed outputs, half-closed stdin, exit code', async () => {
    const sock = new PassThrough();
    const written: string[] = [];
    const fake = Object.assign(sock, {}) as unknown as import('node:stream').Duplex;
    const origWrite = sock.write.bind(sock);
    sock.write = ((chunk: Buffer, cb?: () => void) => {
      written.push(chunk.toString());
      cb?.();
      return true;
    }) as typeof sock.write;
    void origWrite;
    const session = hijackedSession(fake, { stdin: true, stdout: true, stderr: true, tty: false, resize: async () => undefined, exitCode: async () => 3 });
    const out: string[] = [];
    const err: string[] = [];
    session.stdout!.on('data', (c: Buffer) => out.push(c.toString()));
    session.stderr!.on('data', (c: Buffer) => err.push(c.toString()));
    session.stdin!.write('input');
    sock.emit('data', frame(1, 'o'));
    sock.emit('data', frame(2, 'e'));
    sock.emit('end');
    expect(await session.exited).toBe(3);
    expect(out.join('')).toBe('o');
    expect(err.join('')).toBe('e');
    expect(written).toEqual(['input']);
  });
});
