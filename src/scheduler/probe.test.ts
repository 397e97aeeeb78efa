import { it } from 'vitest';
import { startTestApi } from '../controllers/testing/test-api.js';
import { resources } from '../client/client.js';
it('probe', async () => {
  const api = await startTestApi();
  await api.client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  try {
    const r = await api.client.create({ group: '', version: 'v1', resource: 'bindings' }, 'default', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } } as never);
    console.log('created', JSON.stringify(r));
  } catch (e) { console.log('err', e); }
  console.log(JSON.stringify(await api.client.get(resources.pods, 'default', 'p')));
  try {
  const r2 = await api.client.patch(resources.pods, 'default', 'p', 'merge', { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'x' }] } }, { subresource: 'status' });
  console.log(JSON.stringify(r2.status));
  } catch (e) { console.log('err2', e); }
  await api.stop();
});
