import { describe, expect, it } from 'vitest';
import { directConnection, type KubeletStreamServer } from './kubelet-connection.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

describe('directConnection', () => {
  it('carries a request, its answer and messages both ways', async () => {
    const seen: string[] = [];
    const conn = directConnection({
      handle(s: KubeletStreamServer) {
        s.respond({ status: 101, headers: {}, protocol: 'v5.channel.k8s.io' });
        void (async () => {
          for await (const m of s.data) {
            seen.push(text(m));
            s.send(Buffer.from(`echo ${text(m)}`));
          }
          s.end();
        })();
      },
    });
    const stream = conn.open({ method: 'GET', path: '/exec/ns/p/c', query: 'command=sh', headers: {}, websocket: { protocols: ['v5.channel.k8s.io'] } });
    expect(await stream.head).toMatchObject({ status: 101, protocol: 'v5.channel.k8s.io' });
    stream.send(Buffer.from('a'));
    stream.send(Buffer.from('b'));
    stream.end();
    const got: string[] = [];
    for await (const m of stream.data) got.push(text(m));
    expect(seen).toEqual(['a', 'b']);
    expect(got).toEqual(['echo a', 'echo b']);
  });

  it('close() aborts the kubelet side and fails a pending answer', async () => {
    let signal: AbortSignal | undefined;
    const conn = directConnection({ handle: (s) => (signal = s.signal) });
    const stream = conn.open({ method: 'GET', path: '/containerLogs/ns/p/c', query: '', headers: {} });
    stream.close('client went away');
    await expect(stream.head).rejects.toThrow('client went away');
    expect(signal?.aborted).toBe(true);
  });

  it('end() without respond() answers 200', async () => {
    const conn = directConnection({
      handle: (s) => {
        s.send(Buffer.from('line\n'));
        s.end();
      },
    });
    const stream = conn.open({ method: 'GET', path: '/containerLogs/ns/p/c', query: '', headers: {} });
    expect((await stream.head).status).toBe(200);
    const chunks: string[] = [];
    for await (const c of stream.data) chunks.push(text(c));
    expect(chunks).toEqual(['line\n']);
  });
});
