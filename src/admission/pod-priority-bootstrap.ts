/**
 * The built-in PriorityClasses (system-node-critical, system-cluster-critical), created at
 * start-up as kube-apiserver's scheduling post-start hook does. Idempotent: classes that exist
 * are left alone.
 */
import { ApiError } from '../api/errors.js';
import type { Client } from '../client/client.js';
import { priorityClassesResource, SYSTEM_PRIORITY_CLASSES } from './priority.js';

export async function ensureSystemPriorityClasses(client: Client): Promise<void> {
  for (const c of SYSTEM_PRIORITY_CLASSES) {
    try {
      await client.get(priorityClassesResource, undefined, c.name);
      continue;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
    try {
      await client.create(priorityClassesResource, undefined, {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: c.name },
        value: c.value,
        description: c.description,
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }
}
