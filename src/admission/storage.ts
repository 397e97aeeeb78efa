/**
 * Storage admission (upstream plugin/pkg/admission/storage):
 *  - DefaultStorageClass: a claim created without a class (no spec.storageClassName, no beta
 *    annotation) gets the default StorageClass's name; `storageClassName: ""` means "no class"
 *    and is left alone; without a default class nothing changes (the PV controller assigns one
 *    retroactively when a default appears).
 *  - StorageObjectInUseProtection: every new claim gets `kubernetes.io/pvc-protection`, every new
 *    volume `kubernetes.io/pv-protection` (removed by the protection controllers once unused).
 */
import { isJsonObject, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { Client } from '../client/client.js';
import { claimHasNoClass, defaultStorageClass, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, storageClassesResource } from '../controllers/persistentvolume/volume-util.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

const isClaim = (def: ResourceDef) => def.group === '' && def.kind === 'PersistentVolumeClaim';
const isVolume = (def: ResourceDef) => def.group === '' && def.kind === 'PersistentVolume';

export interface StorageClassSource {
  /** Every StorageClass (there are few; read at each claim creation). */
  list(): Promise<readonly KubeObject[]>;
}

export function clientStorageClasses(client: Client): StorageClassSource {
  return { list: async () => (await client.list(storageClassesResource, undefined)).items };
}

export class DefaultStorageClassPlugin implements AdmissionPlugin {
  readonly name = 'DefaultStorageClass';
  readonly #classes: StorageClassSource;

  constructor(classes: StorageClassSource) {
    this.#classes = classes;
  }

  handles(def: ResourceDef): boolean {
    return isClaim(def);
  }

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'create' || !claimHasNoClass(req.object)) return;
    const def = defaultStorageClass(await this.#classes.list());
    if (!def) return;
    const spec = isJsonObject(req.object.spec) ? req.object.spec : (req.object.spec = {});
    spec.storageClassName = def.metadata.name ?? '';
  }
}

export class StorageObjectInUseProtectionPlugin implements AdmissionPlugin {
  readonly name = 'StorageObjectInUseProtection';

  handles(def: ResourceDef): boolean {
    return isClaim(def) || isVolume(def);
  }

  admit(req: AdmissionRequest): void {
    if (req.operation !== 'create') return;
    const finalizer = isClaim(req.def) ? PVC_PROTECTION_FINALIZER : PV_PROTECTION_FINALIZER;
    const finalizers = req.object.metadata.finalizers ?? [];
    if (!finalizers.includes(finalizer)) req.object.metadata.finalizers = [...finalizers, finalizer];
  }
}
