/**
 * Plain HTTP from the test process, for what pods and the ingress serve (no keep-alive, bounded).
 */
import { request } from 'node:http';

/** GET `path` from ip:port with a Host header; the status and the trimmed body. */
export function getWithHost(ip: string, port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString().trim() }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
