import { stringify } from 'yaml';
import { SECRET_FILE_MODE, writeSecureFile } from './write-secure-file.js';

export interface KubeconfigOptions {
  /** e.g. `https://127.0.0.1:6443`. */
  readonly server: string;
  /** The CA that signed the server's certificate (PEM). */
  readonly caPem: string;
  /** Client certificate credentials (PEM); give these, a token, or both. */
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  /** Bearer token credential. */
  readonly token?: string;
  /** Cluster, user and context name. Default `default` (as k3s writes it). */
  readonly name?: string;
}

/**
 * The kubeconfig document (YAML) for one cluster, user and context, with the certificates embedded
 * as `*-data` fields so the file is self-contained.
 */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const name = options.name ?? 'default';
  if ((options.clientCertPem === undefined) !== (options.clientKeyPem === undefined)) {
    throw new Error('kubeconfig: clientCertPem and clientKeyPem go together');
  }
  const user: Record<string, string> = {};
  if (options.clientCertPem !== undefined && options.clientKeyPem !== undefined) {
    user['client-certificate-data'] = b64(options.clientCertPem);
    user['client-key-data'] = b64(options.clientKeyPem);
  }
  if (options.token !== undefined) user.token = options.token;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: options.server, 'certificate-authority-data': b64(options.caPem) } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
    users: [{ name, user }],
  };
  return stringify(doc, { lineWidth: 0 });
}

/** Writes the kubeconfig to `path` atomically with mode 0600 (it holds credentials). */
export function writeKubeconfig(path: string, options: KubeconfigOptions): void {
  writeSecureFile(path, renderKubeconfig(options), SECRET_FILE_MODE);
}

function b64(pem: string): string {
  return Buffer.from(pem, 'utf8').toString('base64');
}
