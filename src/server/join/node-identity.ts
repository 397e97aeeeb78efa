/**
 * Node identity: each agent keeps a random node password in its data dir; the server remembers
 * a hash of it per node name (Secret `kube-system/<node>.node-password.lite`, as k3s does with
 * `.node-password.k3s`). A second machine joining under a taken name is refused with a message
 * that says how to fix it; `lite node forget NAME` removes the record.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../api/errors.js';
import { isJsonObject } from '../../api/object.js';
import type { Client } from '../../client/client.js';

const secrets = { group: '', version: 'v1', resource: 'secrets' } as const;

export function nodePasswordSecretName(node: string): string {
  return `${node}.node-password.lite`;
}

function hash(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

export class NodeIdentities {
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  /** Records the node's password on first join; afterwards the same password must be presented. */
  async verifyOrRecord(node: string, password: string): Promise<'recorded' | 'verified'> {
    const name = nodePasswordSecretName(node);
    try {
      const s = await this.#client.get(secrets, 'kube-system', name);
      const stored = isJsonObject(s.data) && typeof s.data.hash === 'string' ? Buffer.from(s.data.hash, 'base64').toString('utf8') : '';
      const given = hash(password);
      if (stored.length === given.length && timingSafeEqual(Buffer.from(stored), Buffer.from(given))) return 'verified';
      throw new ApiError(
        409,
        'Conflict',
        `node name "${node}" is already taken by another machine (its node password does not match). If this is the same machine re-installed, run "lite node forget ${node}" on the server; otherwise start this agent with a unique --node-name.`,
        { name: node, kind: 'nodes' },
      );
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
    await this.#client.create(
      secrets,
      'kube-system',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'kube-system', labels: { 'lite.dev/node-password': 'true' } }, type: 'lite.dev/node-password', data: { hash: Buffer.from(hash(password)).toString('base64') } },
      { fieldManager: 'lite-join' },
    );
    return 'recorded';
  }

  /** Forgets a node's identity (and its Node object), so a new machine may take the name. */
  async forget(node: string): Promise<{ identity: boolean; node: boolean }> {
    const gone = async (f: () => Promise<unknown>) => {
      try {
        await f();
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return false;
        throw e;
      }
    };
    const identity = await gone(() => this.#client.delete(secrets, 'kube-system', nodePasswordSecretName(node)));
    const removedNode = await gone(() => this.#client.delete({ group: '', version: 'v1', resource: 'nodes' }, undefined, node));
    return { identity, node: removedNode };
  }
}
