import { describe, expect, it } from 'vitest';
import { createTar, readTar } from './tar.js';

describe('tar', () => {
  it('round-trips files and directories, long names included', () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(90)}`;
    const tar = createTar([
      { name: 'dir', type: 'dir' },
      { name: 'dir/a.txt', data: 'hello' },
      { name: 'link', type: 'symlink', linkname: 'dir/a.txt' },
      { name: long, data: Buffer.alloc(1000, 7) },
    ]);
    expect(tar.length % 512).toBe(0);
    const files = readTar(tar);
    expect(files.map((f) => [f.name, f.type, f.data.length])).toEqual([
      ['dir', 'dir', 0],
      ['dir/a.txt', 'file', 5],
      [long, 'file', 1000],
    ]);
  });

  it('is deterministic', () => {
    expect(createTar([{ name: 'x', data: 'y' }]).equals(createTar([{ name: 'x', data: 'y' }]))).toBe(true);
  });
});
