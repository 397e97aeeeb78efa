/**
 * Create-if-missing for objects the server seeds (bootstrap objects, the aggregator's trust
 * ConfigMap and Role): reads first, so a start with everything in place writes nothing, and takes
 * a concurrent creation (409) as success. Resolves with the object as stored.
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { Client, ResourceRef } from './client.js';

export async function ensureObject(client: Client, ref: ResourceRef, namespace: string | undefined, obj: KubeObject): Promise<KubeObject> {
  const name = obj.metadata.name ?? '';
  try {
    return await client.get(ref, namespace, name);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
  try {
    return await client.create(ref, namespace, obj);
  } catch (e) {
    if (e instanceof ApiError && e.code === 409) return client.get(ref, namespace, name);
    throw e;
  }
}
