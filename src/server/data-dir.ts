/** The layout of a server's data directory (k3s-like). */
import { join } from 'node:path';

export interface ServerPaths {
  readonly root: string;
  /** SQLite database of the default datastore. */
  readonly database: string;
  /** Certificates, keys and the admin token. */
  readonly tls: string;
  /** The server's join token (`lite token` prints it). */
  readonly token: string;
}

export function serverPaths(dataDir: string): ServerPaths {
  const server = join(dataDir, 'server');
  return {
    root: server,
    database: join(server, 'db', 'state.db'),
    tls: join(server, 'tls'),
    token: join(server, 'token'),
  };
}
