/**
 * `lite kubeconfig create USER [--group G]…`: a kubeconfig for a person or a tool, with a client
 * certificate (CN = user, O = groups) signed by this server's client CA, as `k0s kubeconfig
 * create` does. What the user may then do is up to RBAC: bind a role to the user or a group
 * (`kubectl create rolebinding … --user USER`). Runs on the server host (it reads the CA key in
 * the data dir); writes the kubeconfig to stdout or to --output with mode 0600.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { serverPkiFiles } from '../pki/ensure-server-pki.js';
import { issueClientCertificate } from '../pki/issue-certificate.js';
import { renderKubeconfig, writeKubeconfig } from '../pki/write-kubeconfig.js';
import { serverPaths } from '../server/data-dir.js';
import { systemClock } from '../util/clock.js';

export interface CreateKubeconfigOptions {
  readonly dataDir: string;
  readonly user: string;
  readonly groups: readonly string[];
  readonly days: number;
  /** Default: the server URL of the admin kubeconfig in the data dir. */
  readonly server?: string;
  readonly output?: string;
}

export async function createUserKubeconfig(o: CreateKubeconfigOptions): Promise<number> {
  const fail = (message: string, code = 1) => {
    process.stderr.write(`lite kubeconfig create: ${message}\n`);
    return code;
  };
  if (o.user.trim() === '' || o.user !== o.user.trim()) return fail('the user name must not be empty or start or end with spaces', 2);
  if (o.user.startsWith('system:')) return fail(`"${o.user}" is a reserved name (system:…); pick a name for a person or a tool`, 2);
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 3650) return fail(`--days must be a whole number from 1 to 3650, got ${o.days}`, 2);
  const files = serverPkiFiles(serverPaths(o.dataDir).tls);
  let caPem: string;
  let ca: { certPem: string; keyPem: string };
  try {
    caPem = readFileSync(files.serverCaCert, 'utf8');
    ca = { certPem: readFileSync(files.clientCaCert, 'utf8'), keyPem: readFileSync(files.clientCaKey, 'utf8') };
  } catch (e) {
    return fail(`cannot read the cluster's certificate authorities in ${serverPaths(o.dataDir).tls}: ${(e as Error).message} (start "lite server --data-dir ${o.dataDir}" once, and run this as the user who runs it)`);
  }
  let server = o.server;
  if (!server) {
    try {
      const admin = parse(readFileSync(join(o.dataDir, 'kubeconfig.yaml'), 'utf8')) as { clusters?: { cluster?: { server?: string } }[] };
      server = admin.clusters?.[0]?.cluster?.server;
    } catch {
      server = undefined;
    }
    if (!server) return fail(`no server URL: the data dir has no admin kubeconfig to take it from; give --server https://HOST:PORT`);
  }
  const cert = await issueClientCertificate({ ca, commonName: o.user, organizations: o.groups, ttlDays: o.days, clock: systemClock });
  const kubeconfig = { server, caPem, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem, name: `${o.user}@lite` };
  if (o.output) {
    writeKubeconfig(o.output, kubeconfig);
    process.stderr.write(`wrote ${o.output} for user "${o.user}"${o.groups.length ? ` in groups ${o.groups.join(', ')}` : ''}, valid ${o.days} days; grant access with: kubectl create rolebinding NAME --clusterrole=view --user=${o.user} -n NAMESPACE\n`);
  } else {
    process.stdout.write(renderKubeconfig(kubeconfig));
  }
  return 0;
}
