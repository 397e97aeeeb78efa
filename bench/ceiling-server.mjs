/**
 * The ceiling: the least an HTTPS server in Node can do per request. Same TLS set-up as lite's
 * listener (lite's own serving certificate and key — ECDSA P-256 —, client certificates requested
 * and verified against lite's client CA but not required, same keep-alive timeouts). It reads the
 * request body and answers 201 with a small JSON body at once. Prints "ceiling listening on PORT".
 *
 * Env: CEILING_CERT, CEILING_KEY, CEILING_CLIENT_CA (PEM file paths).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const server = createServer(
  {
    cert: readFileSync(process.env.CEILING_CERT),
    key: readFileSync(process.env.CEILING_KEY),
    ca: readFileSync(process.env.CEILING_CLIENT_CA),
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  },
  (req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      const body = req.method === 'POST' ? CREATED : OK;
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  },
);
const CREATED = Buffer.from('{"kind":"Status","apiVersion":"v1","status":"Success","code":201}');
const OK = Buffer.from('{"status":"ok"}');
server.keepAliveTimeout = 65_000;
server.headersTimeout = 70_000;
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ceiling listening on ${server.address().port}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
