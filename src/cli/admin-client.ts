/** An HTTP client with the admin credentials of a kubeconfig (for CLI commands talking to a server). */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { HttpClient } from '../client/http-client.js';

interface Kubeconfig {
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
  users?: { name: string; user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string } }[];
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  'current-context'?: string;
}

export function clientFromKubeconfig(path: string, userAgent: string): { client: HttpClient; server: string; caPem: string } {
  let kc: Kubeconfig;
  try {
    kc = parse(readFileSync(path, 'utf8')) as Kubeconfig;
  } catch (e) {
    throw new Error(`cannot read the kubeconfig ${path}: ${(e as Error).message} (is the server initialised? see --data-dir)`);
  }
  const ctx = kc.contexts?.find((c) => c.name === kc['current-context']) ?? kc.contexts?.[0];
  const cluster = kc.clusters?.find((c) => c.name === ctx?.context.cluster) ?? kc.clusters?.[0];
  const user = kc.users?.find((u) => u.name === ctx?.context.user) ?? kc.users?.[0];
  if (!cluster?.cluster['certificate-authority-data']) throw new Error(`the kubeconfig ${path} has no cluster with certificate-authority-data`);
  const b64 = (s?: string) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  const caPem = b64(cluster.cluster['certificate-authority-data']) ?? '';
  const client = new HttpClient({
    server: cluster.cluster.server,
    caPem,
    certPem: b64(user?.user['client-certificate-data']),
    keyPem: b64(user?.user['client-key-data']),
    token: user?.user.token,
    userAgent,
  });
  return { client, server: cluster.cluster.server, caPem };
}
