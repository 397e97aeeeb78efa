/**
 * How probes and httpGet hooks reach a pod: HTTP(S) GETs and TCP connects from the kubelet's host
 * (pod IPs are routable from the node), with Go-style error texts so probe failures read as
 * upstream's (`Get "http://10.0.0.5:8080/": dial tcp 10.0.0.5:8080: connect: connection refused`).
 * Tests substitute a network over simulated pods.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly location?: string;
}

export interface ProbeNetwork {
  /** One GET (no redirects followed); rejects with a Go-style message. */
  httpGet(url: URL, headers: readonly (readonly [string, string])[], timeoutMs: number): Promise<HttpResult>;
  /** Opens and closes a TCP connection; rejects with a Go-style message. */
  tcpConnect(host: string, port: number, timeoutMs: number): Promise<void>;
}

/** The body of a probe answer is read up to 10 KiB (upstream maxRespBodyLength). */
const MAX_BODY = 10 * 1024;

function hostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's net error text for a dial failure. */
export function dialErrorText(host: string, port: number | string, e: NodeJS.ErrnoException): string {
  const where = `dial tcp ${hostPort(host, port)}`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `${where}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `${where}: connect: no route to host`;
    case 'ENETUNREACH':
      return `${where}: connect: network is unreachable`;
    case 'ETIMEDOUT':
      return `${where}: i/o timeout`;
    case 'ECONNRESET':
      return `read tcp ${hostPort(host, port)}: read: connection reset by peer`;
    default:
      return `${where}: ${e.message}`;
  }
}

export const hostNetwork: ProbeNetwork = {
  httpGet(url, headers, timeoutMs) {
    return new Promise((resolve, reject) => {
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const urlText = url.toString();
      let connected = false;
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
        {
          method: 'GET',
          host,
          port,
          path: `${url.pathname}${url.search}`,
          headers: Object.fromEntries(headers.map(([k, v]) => [k, v])),
          // Probes skip TLS verification (upstream InsecureSkipVerify).
          ...(url.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < MAX_BODY) chunks.push(c.subarray(0, MAX_BODY - size));
            size += c.length;
          });
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}) });
          });
          res.on('error', (e) => {
            clearTimeout(timer);
            reject(new Error(`Get ${JSON.stringify(urlText)}: ${e.message}`));
          });
        },
      );
      req.on('socket', (s) => s.on('connect', () => (connected = true)));
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(connected ? `Get ${JSON.stringify(urlText)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)` : `Get ${JSON.stringify(urlText)}: dial tcp ${hostPort(host, port)}: i/o timeout (Client.Timeout exceeded while awaiting headers)`));
      }, timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(`Get ${JSON.stringify(urlText)}: ${dialErrorText(host, port, e)}`));
      });
      req.end();
    });
  },
  tcpConnect(host, port, timeoutMs) {
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`dial tcp ${hostPort(host, port)}: i/o timeout`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.destroy();
        resolve();
      });
      sock.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(dialErrorText(host, port, e)));
      });
    });
  },
};

/** grpc.health.v1 statuses. */
const GRPC_SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/**
 * A gRPC health check (grpc.health.v1.Health/Check over plaintext HTTP/2), as upstream's grpc
 * prober: resolves with the serving status name, rejects with upstream's failure texts.
 */
export async function grpcHealthCheck(host: string, port: number, service: string, timeoutMs: number): Promise<string> {
  const { connect: connectH2 } = await import('node:http2');
  const addr = hostPort(host, port);
  const svc = Buffer.from(service, 'utf8');
  const message = svc.length ? Buffer.concat([Buffer.from([0x0a, svc.length]), svc]) : Buffer.alloc(0);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return new Promise((resolve, reject) => {
    const seconds = `${timeoutMs / 1000}s`;
    const session = connectH2(`http://${addr}`);
    let connected = false;
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(connected ? `timeout: health rpc did not complete within ${seconds}` : `timeout: failed to connect service ${JSON.stringify(addr)} within ${seconds}: context deadline exceeded`));
    }, timeoutMs);
    const fail = (text: string) => {
      clearTimeout(timer);
      session.destroy();
      reject(new Error(text));
    };
    session.on('error', (e: NodeJS.ErrnoException) => fail(`timeout: failed to connect service ${JSON.stringify(addr)} within ${seconds}: ${dialErrorText(host, port, e)}`));
    session.on('connect', () => (connected = true));
    const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
    });
    req.on('trailers', (t) => {
      if (t['grpc-status'] !== undefined) grpcStatus = String(t['grpc-status']);
      if (t['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(t['grpc-message']));
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (e) => fail(`error: health rpc probe failed: ${e.message}`));
    req.on('end', () => {
      clearTimeout(timer);
      session.close();
      if (grpcStatus === '12') return reject(new Error(`error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${grpcMessage}`));
      if (grpcStatus !== undefined && grpcStatus !== '0') return reject(new Error(`error: health rpc probe failed: rpc error: code = ${grpcStatus} desc = ${grpcMessage}`));
      const body = Buffer.concat(chunks);
      let status = 0;
      if (body.length > 5) {
        const msg = body.subarray(5);
        if (msg[0] === 0x08) status = msg[1] ?? 0;
      }
      resolve(GRPC_SERVING_STATUS[status] ?? 'UNKNOWN');
    });
    req.end(frame);
  });
}
