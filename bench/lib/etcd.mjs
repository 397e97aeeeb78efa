/**
 * The etcd peer: a throwaway etcd 3.4 (Debian's etcd-server) on loopback with a temp data dir,
 * TLS with lite's own serving certificate and client CA (same key type, client certs required),
 * and a load target that puts the same bytes lite is sent.
 *
 * Client: etcd's gRPC API through the `etcd3` npm package when it can be loaded (from the project's
 * node_modules, or from the directory named by BENCH_ETCD3_DIR), else etcd's HTTP/JSON
 * gateway (`POST /v3/kv/put`, which etcd 3.4 serves on the client port) over keep-alive HTTPS.
 * The report says which one ran. The gateway is a gRPC proxy inside etcd, so it costs etcd extra
 * CPU per put: numbers from it flatter lite.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort, makeTempDir, spawnTracked } from './children.mjs';
import { makeAgent, request, sleep } from './http-load.mjs';

/** Finds `etcd`, installing Debian's etcd-server when allowed. Returns { path, version } or { error }. */
export function ensureEtcdBinary({ allowInstall }) {
  const find = () => {
    for (const p of ['/usr/bin/etcd', '/usr/local/bin/etcd']) if (existsSync(p)) return p;
    try {
      return execFileSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  let path = find();
  let installLog;
  if (!path && allowInstall) {
    try {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      process.stderr.write('bench: etcd not found; installing Debian etcd-server (apt-get)…\n');
      try {
        execFileSync('apt-get', ['install', '-y', '-q', 'etcd-server'], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      } catch {
        execFileSync('apt-get', ['update', '-q'], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
        execFileSync('apt-get', ['install', '-y', '-q', 'etcd-server'], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      }
    } catch (e) {
      installLog = String(e.stderr ?? e.message).slice(-500);
    }
    path = find();
  }
  if (!path) return { error: `etcd is not installed and could not be installed${allowInstall ? '' : ' (installation disabled)'}${installLog ? `: ${installLog}` : ''}` };
  let version;
  try {
    version = /etcd Version: (\S+)/.exec(execFileSync(path, ['--version'], { encoding: 'utf8' }))?.[1];
  } catch {
    /* reported as unknown */
  }
  return { path, version };
}

/**
 * etcd's own certificate: ECDSA P-256 like lite's, issued by lite's server CA (so clients trust it
 * as they trust lite), for 127.0.0.1, usable as server *and* client certificate — etcd's HTTP/JSON
 * gateway dials etcd's gRPC port with it, and client-cert-auth then checks it against the trusted
 * CAs (client CA + server CA). Needs the openssl CLI; without it, lite's serving certificate is
 * used (fine for gRPC, but the gateway then fails its own client-cert check).
 */
function etcdCertificate(dir, tlsFiles) {
  const key = join(dir, 'etcd.key');
  const csr = join(dir, 'etcd.csr');
  const cert = join(dir, 'etcd.crt');
  const ext = join(dir, 'etcd.ext');
  const bundle = join(dir, 'trusted-ca.crt');
  try {
    writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=critical,CA:FALSE\n');
    const run = (args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    run(['req', '-new', '-key', key, '-subj', '/CN=etcd-bench', '-out', csr]);
    run(['x509', '-req', '-in', csr, '-CA', tlsFiles.serverCa, '-CAkey', tlsFiles.serverCaKey, '-set_serial', String(Date.now()), '-days', '2', '-out', cert, '-extfile', ext]);
    writeFileSync(bundle, readFileSync(tlsFiles.clientCa, 'utf8') + readFileSync(tlsFiles.serverCa, 'utf8'));
    return { cert, key, trustedCa: bundle, note: 'own ECDSA P-256 certificate from lite\'s server CA (server+client usage, so the JSON gateway can dial gRPC)' };
  } catch (e) {
    return { cert: tlsFiles.cert, key: tlsFiles.key, trustedCa: tlsFiles.clientCa, note: `lite's serving certificate (openssl failed: ${String(e.stderr ?? e.message).slice(0, 200)})` };
  }
}

/** Starts etcd with TLS from `tlsFiles` (lite's; see liteTlsFiles). Resolves when /health says true. */
export async function startEtcd(binary, tlsFiles, clientTls) {
  const dir = makeTempDir('lite-bench-etcd-');
  const certs = etcdCertificate(dir, tlsFiles);
  const clientPort = await freePort();
  const peerPort = await freePort();
  const clientUrl = `https://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'bench',
    '--data-dir', join(dir, 'data'),
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `bench=${peerUrl}`,
    '--initial-cluster-state', 'new',
    '--cert-file', certs.cert,
    '--key-file', certs.key,
    '--trusted-ca-file', certs.trustedCa,
    '--client-cert-auth',
    '--logger', 'zap',
    '--log-outputs', 'stderr',
    '--log-level', 'warn',
    '--listen-metrics-urls', `http://127.0.0.1:${await freePort()}`,
  ];
  const t0 = performance.now();
  const handle = spawnTracked(binary, args, { name: 'etcd' });
  const agent = makeAgent(clientTls, 1);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (handle.exited) throw new Error(`etcd exited (code ${handle.exitCode}) during start:\n${handle.stderrTail.slice(-2000)}`);
    const r = await request(agent, '127.0.0.1', clientPort, 'GET', '/health', {}, undefined, true, 1000);
    if (r.status === 200 && /"health":\s*"true"/.test(r.body.toString())) break;
    if (Date.now() > deadline) throw new Error(`etcd not healthy within 15 s (last: ${r.status} ${r.error ?? r.body?.toString()})`);
    await sleep(20);
  }
  agent.destroy();
  return { handle, port: clientPort, url: clientUrl, dir, startMs: performance.now() - t0, certNote: certs.note };
}

/** Loads the etcd3 package if it is to be had; undefined otherwise (with the reason). */
export async function loadEtcd3() {
  const tries = [];
  try {
    return { mod: await import('etcd3'), from: 'project node_modules' };
  } catch (e) {
    tries.push(`project: ${e.code ?? e.message}`);
  }
  const dir = process.env.BENCH_ETCD3_DIR;
  if (dir) {
    try {
      const req = createRequire(join(dir, 'package.json'));
      return { mod: req('etcd3'), from: dir };
    } catch (e) {
      tries.push(`${dir}: ${e.code ?? e.message}`);
    }
  }
  return { mod: undefined, reason: tries.join('; ') };
}

/**
 * A load target putting `valueFor(i)`'s bytes under `/registry/configmaps/<ns>/<name i>`.
 * mode 'grpc': one etcd3 client (its own HTTP/2 connection) per simulated client.
 * mode 'gateway': one keep-alive HTTPS agent per simulated client, JSON put.
 */
export function etcdTarget({ mode, etcd3, port, tls, keyFor, valueFor }) {
  if (mode === 'grpc') {
    const { Etcd3 } = etcd3;
    return {
      name: 'etcd',
      newClient() {
        return new Etcd3({
          hosts: `https://127.0.0.1:${port}`,
          credentials: { rootCertificate: Buffer.from(tls.ca), privateKey: Buffer.from(tls.key), certChain: Buffer.from(tls.cert) },
          // A channel of its own per client (grpc-js shares subchannels between equal channels otherwise).
          grpcOptions: { 'grpc.use_local_subchannel_pool': 1 },
        });
      },
      async send(client, i) {
        try {
          await client.kv.put({ key: keyFor(i), value: valueFor(i) });
          return { ok: true };
        } catch (e) {
          return { ok: false, error: e.message };
        }
      },
      closeClient(client) {
        client.close();
      },
    };
  }
  const headers = (len) => ({ 'content-type': 'application/json', 'content-length': len });
  return {
    name: 'etcd',
    newClient(maxSockets = 1) {
      return makeAgent(tls, maxSockets);
    },
    async send(agent, i) {
      const body = Buffer.from(`{"key":"${keyFor(i).toString('base64')}","value":"${valueFor(i).toString('base64')}"}`);
      const r = await request(agent, '127.0.0.1', port, 'POST', '/v3/kv/put', headers(body.length), body);
      return { ok: r.status === 200, status: r.status, error: r.error };
    },
    closeClient(agent) {
      agent.destroy();
    },
  };
}
