/**
 * A tiny image archive in `docker save` format (manifest.json, image config, one layer), made in
 * memory: what the conformance suite imports into every runtime. It holds one file, /hello.txt.
 */
import { createHash } from 'node:crypto';
import { createTar } from '../tar.js';

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

export function syntheticImageArchive(tag: string, content = 'hello from an imported image\n'): Buffer {
  const layer = createTar([{ name: 'hello.txt', data: content }]);
  const diffId = `sha256:${sha256(layer)}`;
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2025-01-01T00:00:00Z',
    config: { Cmd: ['/hello.txt'], Labels: { 'io.lite.test': 'import' } },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: '2025-01-01T00:00:00Z', created_by: 'lite syntheticImageArchive' }],
  });
  const configHash = sha256(config);
  const layerDir = sha256(layer);
  const manifest = JSON.stringify([{ Config: `${configHash}.json`, RepoTags: [tag], Layers: [`${layerDir}/layer.tar`] }]);
  return createTar([
    { name: `${layerDir}`, type: 'dir' },
    { name: `${layerDir}/VERSION`, data: '1.0' },
    { name: `${layerDir}/layer.tar`, data: layer },
    { name: `${configHash}.json`, data: config },
    { name: 'manifest.json', data: manifest },
  ]);
}
