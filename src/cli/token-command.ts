/**
 * `lite token`: prints the server's join token; `lite token create [--ttl]`: creates an expiring
 * one through the API (with the admin kubeconfig in the data dir).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caCertHash } from '../pki/issue-certificate.js';
import { JoinTokens } from '../server/join/join-token.js';
import { serverPaths } from '../server/data-dir.js';
import { systemClock } from '../util/clock.js';
import { parseDuration } from '../util/duration.js';
import { clientFromKubeconfig } from './admin-client.js';

export function printServerToken(dataDir: string): number {
  const file = serverPaths(dataDir).token;
  if (!existsSync(file)) {
    process.stderr.write(`lite token: no token in ${file}: start "lite server --data-dir ${dataDir}" once to create it\n`);
    return 1;
  }
  process.stdout.write(readFileSync(file, 'utf8'));
  return 0;
}

export async function createToken(dataDir: string, ttl: string, description: string | undefined): Promise<number> {
  const ttlMs = ttl === '0' || ttl === '0s' ? 0 : parseDuration(ttl);
  if (ttlMs === undefined) {
    process.stderr.write(`lite token create: --ttl must be a duration such as 30m, 24h or 0 (never expires), got ${JSON.stringify(ttl)}\n`);
    return 2;
  }
  const { client, caPem } = clientFromKubeconfig(join(dataDir, 'kubeconfig.yaml'), 'lite-token');
  try {
    const tokens = new JoinTokens({ client, clock: systemClock, tokenFile: serverPaths(dataDir).token, caHash: caCertHash(caPem) });
    const created = await tokens.create({ ttlMs, description });
    process.stdout.write(`${created.token}\n`);
    if (created.expiration) process.stderr.write(`expires ${created.expiration}\n`);
    return 0;
  } finally {
    client.close();
  }
}
