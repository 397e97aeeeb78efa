/**
 * Static pods, as upstream's file config source and mirror pod client (pkg/kubelet/config/file.go,
 * common.go; pkg/kubelet/pod/mirror_client.go):
 *
 *  - every manifest in the static pod directory (YAML or JSON; a Pod or a PodList; dotfiles
 *    skipped) is a pod the kubelet runs without the API server; the directory is read again every
 *    20 s (upstream fileCheckFrequency);
 *  - a static pod is named `<name>-<node>`, lives in `default` unless its manifest says otherwise,
 *    is bound to this node, tolerates every NoExecute taint, and its UID is a hash of its manifest
 *    and the node name (so an edited manifest is a new pod), recorded in `kubernetes.io/config.hash`;
 *  - its mirror pod in the API carries `kubernetes.io/config.mirror: <hash>` and a controller
 *    reference to the Node; the kubelet creates it, recreates it when someone deletes it or it is
 *    from an older manifest, writes the static pod's status to it, and deletes it with the pod.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseAllDocuments } from 'yaml';
import { defaultPodSpec } from '../api/defaults/pod.js';
import { objsAt } from '../api/json-access.js';
import { deepCopy, isJsonObject, rfc3339, type JsonObject, type KubeObject } from '../api/object.js';

export const CONFIG_MIRROR = 'kubernetes.io/config.mirror';
export const CONFIG_HASH = 'kubernetes.io/config.hash';
export const CONFIG_SOURCE = 'kubernetes.io/config.source';
export const CONFIG_SEEN = 'kubernetes.io/config.seen';

/** upstream fileCheckFrequency. */
export const STATIC_POD_CHECK_MS = 20_000;

export function isMirrorPod(pod: KubeObject): boolean {
  return pod.metadata.annotations?.[CONFIG_MIRROR] !== undefined;
}

/** The pod the kubelet runs for one manifest (upstream applyDefaults for the file source). */
export function staticPodFromManifest(manifest: JsonObject, nodeName: string, now: number): KubeObject {
  const metaIn = isJsonObject(manifest.metadata) ? manifest.metadata : {};
  const spec = deepCopy(isJsonObject(manifest.spec) ? manifest.spec : {});
  defaultPodSpec(spec);
  spec.nodeName = nodeName;
  const tolerations = objsAt(spec, 'tolerations');
  spec.tolerations = [...tolerations, { operator: 'Exists', effect: 'NoExecute' }];
  const namespace = typeof metaIn.namespace === 'string' && metaIn.namespace ? metaIn.namespace : 'default';
  const name = `${typeof metaIn.name === 'string' ? metaIn.name : ''}-${nodeName.toLowerCase()}`;
  const labels = isJsonObject(metaIn.labels) ? (metaIn.labels as Record<string, string>) : {};
  const annotations = isJsonObject(metaIn.annotations) ? (metaIn.annotations as Record<string, string>) : {};
  const uid = createHash('md5')
    .update(JSON.stringify({ name, namespace, labels, annotations, spec }))
    .update(`host:${nodeName}`)
    .update('file')
    .digest('hex');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid,
      labels: { ...labels },
      annotations: { ...annotations, [CONFIG_HASH]: uid, [CONFIG_SOURCE]: 'file', [CONFIG_SEEN]: rfc3339(now) },
    },
    spec,
  };
}

/** Reads every manifest of the directory; files that do not parse are logged and skipped. */
export async function readStaticPods(dir: string, nodeName: string, now: number, log: Logger): Promise<KubeObject[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ dir, err: (e as Error).message }, 'reading the static pod directory failed');
    return [];
  }
  const out: KubeObject[] = [];
  for (const file of names) {
    const path = join(dir, file);
    try {
      const text = await readFile(path, 'utf8');
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length) throw new Error(doc.errors[0].message);
        const v: unknown = doc.toJSON();
        if (!isJsonObject(v)) continue;
        const pods = v.kind === 'PodList' ? objsAt(v, 'items') : [v];
        for (const p of pods) {
          if (p.kind !== undefined && p.kind !== 'Pod') throw new Error(`kind ${String(p.kind)} is not a Pod`);
          const meta = isJsonObject(p.metadata) ? p.metadata : {};
          if (typeof meta.name !== 'string' || meta.name === '') throw new Error('the pod has no metadata.name');
          out.push(staticPodFromManifest(p, nodeName, now));
        }
      }
    } catch (e) {
      log.warn({ file: path, err: (e as Error).message }, 'could not process a static pod manifest');
    }
  }
  return out;
}

/** The mirror pod to create for a static pod (upstream CreateMirrorPod). */
export function mirrorPodFor(staticPod: KubeObject, node: KubeObject | undefined): KubeObject {
  const { uid, ...meta } = staticPod.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...deepCopy(meta),
      annotations: { ...(staticPod.metadata.annotations ?? {}), [CONFIG_MIRROR]: uid ?? '' },
      ...(node?.metadata.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name ?? '', uid: node.metadata.uid, controller: true }] } : {}),
    },
    spec: deepCopy(staticPod.spec ?? {}),
  };
}
