/** `lite node forget NAME`: lets another machine join under a node name (removes identity and Node). */
import { join } from 'node:path';
import { NodeIdentities } from '../server/join/node-identity.js';
import { clientFromKubeconfig } from './admin-client.js';

export async function forgetNode(dataDir: string, name: string): Promise<number> {
  const { client } = clientFromKubeconfig(join(dataDir, 'kubeconfig.yaml'), 'lite-node');
  try {
    const res = await new NodeIdentities(client).forget(name);
    if (!res.identity && !res.node) {
      process.stderr.write(`lite node forget: no node named ${JSON.stringify(name)} is known\n`);
      return 1;
    }
    process.stdout.write(`node ${name} forgotten${res.node ? ' (Node object deleted)' : ''}: a machine may now join under this name\n`);
    return 0;
  } finally {
    client.close();
  }
}
