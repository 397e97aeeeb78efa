/**
 * HTTPS to a backend the API server reaches through its proxy dialer (admission webhooks and
 * APIServices behind a Service), and Go's wording for socket failures, so that messages read as
 * upstream's (`dial tcp 10.42.0.5:443: connect: connection refused`).
 */
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** Go's wording for the usual socket failures. */
export function describeDialFailure(e: unknown, address: string): string {
  const err = e as NodeJS.ErrnoException & { reason?: string };
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${address}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${address.replace(/:\d+$/, '')}: no such host`;
    case 'EHOSTUNREACH':
      return `dial tcp ${address}: connect: no route to host`;
    case 'ECONNRESET':
      return `read tcp ${address}: read: connection reset by peer`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is not valid for ${address.replace(/:\d+$/, '')}`;
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    default:
      return err.message || String(e);
  }
}

/**
 * Keep-alive HTTPS connections to a Service: each new connection is opened by `dial` (to one of
 * the Service's ready endpoints, through the API server's proxy dialer) and then wrapped in TLS
 * with `tlsOptions` (CA bundle, server name, client certificate).
 */
export class DialledHttpsAgent extends https.Agent {
  readonly #dial: () => Promise<Duplex>;
  readonly #tls: tls.ConnectionOptions;

  constructor(dial: () => Promise<Duplex>, tlsOptions: tls.ConnectionOptions, maxSockets: number) {
    super({ keepAlive: true, maxSockets });
    this.#dial = dial;
    this.#tls = tlsOptions;
  }

  override createConnection(_options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const fail = (e: unknown) => callback?.(e instanceof Error ? e : new Error(String(e)), undefined as unknown as Duplex);
    this.#dial().then((raw) => {
      try {
        callback?.(null, tls.connect({ ...this.#tls, socket: raw }));
      } catch (e) {
        // An unusable CA bundle, say: the request fails, the process does not.
        raw.destroy();
        fail(e);
      }
    }, fail);
    return undefined;
  }
}


/** TLS over an already connected stream; resolves once the handshake is done (the stream is destroyed on failure). */
export function tlsHandshake(socket: Duplex, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    let secure: tls.TLSSocket;
    try {
      secure = tls.connect({ ...options, socket });
    } catch (e) {
      // An unusable CA bundle, say.
      socket.destroy();
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    const fail = (err: Error) => {
      socket.destroy();
      secure.destroy();
      reject(err);
    };
    secure.once('secureConnect', () => {
      secure.off('error', fail);
      resolve(secure);
    });
    secure.once('error', fail);
  });
}
