/** DefaultBinder: binds through the pods/binding subresource (a Binding naming the node). */
import { ApiError } from '../../api/errors.js';
import { resources } from '../../client/client.js';
import type { FrameworkHandle, SchedulerPlugin } from '../framework/interfaces.js';
import { Status } from '../framework/status.js';
import { PluginName } from './names.js';

export function defaultBinderPlugin(handle: FrameworkHandle): SchedulerPlugin {
  return {
    name: PluginName.DefaultBinder,
    async bind(_state, pod, nodeName) {
      try {
        const binding = {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
          target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
        };
        await handle.client.createSubresource(resources.pods, pod.namespace, pod.name, 'binding', binding, { fieldManager: handle.fieldManager });
        return null;
      } catch (e) {
        return Status.error(e instanceof ApiError || e instanceof Error ? e.message : String(e));
      }
    },
  };
}
