/**
 * The node's InternalIP when --node-ip is not given (k3s: the address of the interface with the
 * default route): the local address the kernel picks to reach the server, unless that is a
 * loopback address (server on 127.0.0.1), then the first non-internal IPv4 of the host.
 */
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';

export function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') out.push(a.address);
  return out;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/** The source address toward `host` (no packet is sent: a UDP connect only asks for a route). */
function routeSource(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const done = (ip: string | undefined) => {
      socket.close();
      resolve(ip);
    };
    socket.once('error', () => done(undefined));
    try {
      socket.connect(port, host, () => {
        try {
          done(socket.address().address);
        } catch {
          done(undefined);
        }
      });
    } catch {
      done(undefined);
    }
  });
}

export async function detectNodeIp(serverUrl?: string): Promise<string> {
  if (serverUrl) {
    const u = new URL(serverUrl);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const ip = await routeSource(host, Number(u.port) || 443);
    if (ip && !isLoopback(ip)) return ip;
  }
  return hostAddresses()[0] ?? '127.0.0.1';
}
