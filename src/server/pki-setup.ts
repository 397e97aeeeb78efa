/** The server's certificates, admin credentials and kubeconfig writer (see src/pki). */
import { ensureServerPki } from '../pki/ensure-server-pki.js';
import { caCertHash, type CertificateAndKey } from '../pki/issue-certificate.js';
import { renderKubeconfig } from '../pki/write-kubeconfig.js';
import { writeSecureFile } from '../pki/write-secure-file.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

export interface ClusterPki {
  readonly caCertPem: string;
  /** Hex SHA-256 of the CA certificate (DER): the pin in join tokens. */
  readonly caHash: string;
  /** The client CA with its key, to issue node certificates. */
  readonly clientCa: CertificateAndKey;
  /** The server CA with its key (kubelet serving certificates from CSRs). */
  readonly serverCa: CertificateAndKey;
  readonly servingCertPem: string;
  readonly servingKeyPem: string;
  readonly clientCaPem: string;
  readonly adminToken: string;
  /** The front proxy's CA (extension API servers trust it for the X-Remote-* headers). */
  readonly requestHeaderCaPem: string;
  /** The client certificate the API server presents to APIService backends. */
  readonly proxyClient: { readonly certPem: string; readonly keyPem: string };
  /** Writes the admin kubeconfig (client certificate credentials) for `url`. */
  writeKubeconfig(path: string, url: string, mode: number): void;
}

export async function ensureClusterPki(config: {
  dir: string;
  hostnames: readonly string[];
  ips: readonly string[];
  serviceIp: string;
  clock: Clock;
  logger: Logger;
}): Promise<ClusterPki> {
  const pki = await ensureServerPki({ dir: config.dir, hostnames: config.hostnames, ips: config.ips, serviceIp: config.serviceIp, clock: config.clock, logger: config.logger });
  if (pki.generated.length) config.logger.info({ generated: pki.generated }, 'certificates and credentials created');
  return {
    caCertPem: pki.caCertPem,
    caHash: caCertHash(pki.caCertPem),
    clientCa: pki.clientCa,
    serverCa: pki.serverCa,
    requestHeaderCaPem: pki.requestHeaderCaPem,
    proxyClient: pki.proxyClient,
    servingCertPem: pki.serving.certPem,
    servingKeyPem: pki.serving.keyPem,
    clientCaPem: pki.clientCaPem,
    adminToken: pki.adminToken,
    writeKubeconfig(path, url, mode) {
      writeSecureFile(path, renderKubeconfig({ server: url, caPem: pki.caCertPem, clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey }), mode);
    },
  };
}
