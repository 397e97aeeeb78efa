import { ApiError } from '../api/errors.js';
import type { ResourceDef } from '../api/resource.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

/** The namespaces lite (like kube-apiserver) never lets anyone delete. */
export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

export interface NamespaceLookup {
  /** The namespace's phase, or undefined if it does not exist. */
  phase(name: string): Promise<'Active' | 'Terminating' | undefined>;
}

/**
 * upstream NamespaceLifecycle: objects can only be created in namespaces that exist and are not
 * being deleted; the system namespaces cannot be deleted.
 */
export class NamespaceLifecyclePlugin implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';
  readonly #namespaces: NamespaceLookup;

  constructor(namespaces: NamespaceLookup) {
    this.#namespaces = namespaces;
  }

  handles(def: ResourceDef): boolean {
    return def.namespaced || (def.group === '' && def.kind === 'Namespace');
  }

  async admit(req: AdmissionRequest): Promise<void> {
    const { def, object } = req;
    if (!def.namespaced) {
      if (req.operation === 'delete' && IMMORTAL_NAMESPACES.includes(object.metadata.name ?? '')) {
        throw ApiError.forbidden({ group: '', resource: 'namespaces' }, object.metadata.name ?? '', 'this namespace may not be deleted');
      }
      return;
    }
    if (req.operation !== 'create') return;
    const ns = object.metadata.namespace ?? '';
    const phase = await this.#namespaces.phase(ns);
    if (phase === undefined) throw ApiError.notFound({ group: '', resource: 'namespaces' }, ns);
    if (phase === 'Terminating') {
      const err = ApiError.forbidden({ group: def.group, resource: def.plural }, object.metadata.name ?? object.metadata.generateName ?? '', `unable to create new content in namespace ${ns} because it is being terminated`);
      // Upstream marks this refusal with a NamespaceTerminating cause, which controllers test for.
      if (err.details) (err.details.causes ??= []).push({ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' });
      throw err;
    }
  }
}
