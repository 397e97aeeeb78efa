/**
 * The load generator. It shares two cores with the servers it measures, so it stays lean: plain
 * `https.request` over keep-alive agents, bodies built from precomputed buffers, no per-request
 * parsing of responses it does not need.
 *
 * A "target" is { name, send(i) → Promise<ok:boolean> } where `i` is a request sequence number
 * the target turns into a unique object name, and `newClient()` gives each concurrent client
 * its own connection(s).
 */
import https from 'node:https';

/** A keep-alive agent holding TLS client credentials; one per simulated client. */
export function makeAgent(tls, maxSockets = 1) {
  return new https.Agent({
    keepAlive: true,
    keepAliveMsecs: 30_000,
    maxSockets,
    maxFreeSockets: maxSockets,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    // Same client behaviour against every server: no session cache games.
    maxCachedSessions: 0,
  });
}

/**
 * One HTTPS request; resolves { status, body? } (body only when `collect`), status -1 on a
 * transport error. Never rejects.
 */
export function request(agent, host, port, method, path, headers, body, collect = false, timeoutMs = 15_000) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (v) => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    const req = https.request({ agent, host, port, method, path, headers }, (res) => {
      const status = res.statusCode;
      if (collect) {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => finish({ status, body: Buffer.concat(chunks) }));
      } else {
        res.on('data', noop);
        res.on('end', () => finish({ status }));
      }
      res.on('error', (e) => finish({ status: -1, error: e.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (e) => finish({ status: -1, error: e.message }));
    req.end(body);
  });
}
function noop() {}

/**
 * Closed loop: `concurrency` clients, each sending its next request as soon as the previous one
 * answered. Warm-up first (not counted), then `durationMs` measured: throughput counts requests
 * completed inside the window, latency those started inside it.
 */
export async function closedLoop(target, { concurrency, warmupMs, durationMs, cpuPids = [], clients: given, seqStart = 0 }) {
  const clients = given ?? [];
  if (!given) for (let c = 0; c < concurrency; c++) clients.push(target.newClient());
  let seq = seqStart;
  let winStart = 0;
  let winEnd = Infinity;
  let completed = 0;
  let errors = 0;
  let firstError;
  const lat = [];
  let stop = false;
  const worker = async (client) => {
    while (!stop) {
      const t0 = performance.now();
      const r = await target.send(client, seq++);
      const t1 = performance.now();
      if (winStart !== 0 && t1 >= winStart && t1 <= winEnd) {
        if (r.ok) {
          completed++;
          if (t0 >= winStart) lat.push(t1 - t0);
        } else {
          errors++;
          firstError ??= r.error ?? `status ${r.status}`;
        }
      }
    }
  };
  const running = clients.map(worker);
  await sleep(warmupMs);
  const cpu0 = await cpuSnapshot(cpuPids);
  winStart = performance.now();
  await sleep(durationMs);
  winEnd = performance.now();
  const cpu1 = await cpuSnapshot(cpuPids);
  stop = true;
  await Promise.all(running);
  if (!given) for (const c of clients) target.closeClient?.(c);
  const seconds = (winEnd - winStart) / 1000;
  return {
    nextSeq: seq,
    concurrency,
    seconds: seconds,
    completed,
    errors,
    firstError,
    perSecond: completed / seconds,
    latencyMs: lat,
    cpu: cpuDelta(cpu0, cpu1, seconds),
  };
}

/**
 * Open loop at a fixed offered rate: request i is due at t0 + i/rate and is sent then whatever
 * happened to earlier ones; its latency runs from the scheduled time (so client-side queueing
 * and scheduling lag count against the server, as they would for a real caller).
 */
export async function openLoop(target, { ratePerSec, warmupMs, durationMs, maxInFlight = 256, cpuPids = [] }) {
  const client = target.newClient(64);
  const interval = 1000 / ratePerSec;
  const total = Math.round(((warmupMs + durationMs) / 1000) * ratePerSec);
  const warmCount = Math.round((warmupMs / 1000) * ratePerSec);
  const lat = [];
  const lag = [];
  const timeline = []; // [offset s from measurement start, latency ms, send lag ms]
  let errors = 0;
  let firstError;
  let dropped = 0;
  let inFlight = 0;
  let seqBase = 0;
  const pending = [];
  let cpu0;
  let cpu1Promise;
  const t0 = performance.now() + 20;
  let tMeasureStart = 0;
  let tLastSend = 0;
  await new Promise((resolveAll) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now + 0.25) {
        const i = next++;
        const due = t0 + i * interval;
        if (i === warmCount) {
          tMeasureStart = due;
          cpu0 = cpuSnapshotSync(cpuPids);
        }
        if (inFlight >= maxInFlight) {
          if (i >= warmCount) dropped++;
          continue;
        }
        inFlight++;
        const sentAt = performance.now();
        if (i >= warmCount) lag.push(sentAt - due);
        tLastSend = sentAt;
        pending.push(
          target.send(client, seqBase + i).then((r) => {
            inFlight--;
            const t1 = performance.now();
            if (i >= warmCount) {
              timeline.push([(i - warmCount) / ratePerSec, t1 - due, sentAt - due]);
              if (r.ok) lat.push(t1 - due);
              else {
                errors++;
                firstError ??= r.error ?? `status ${r.status}`;
              }
            }
          }),
        );
      }
      if (next < total) {
        setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
      } else {
        cpu1Promise = cpuSnapshot(cpuPids);
        resolveAll();
      }
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  const cpu1 = await cpu1Promise;
  await Promise.all(pending);
  target.closeClient?.(client);
  const seconds = (tLastSend - tMeasureStart) / 1000;
  const sent = total - warmCount - dropped;
  return {
    offeredPerSec: ratePerSec,
    seconds,
    sent,
    achievedPerSec: sent / seconds,
    errors,
    firstError,
    droppedAtClient: dropped,
    latencyMs: lat,
    sendLagMs: lag,
    timeline,
    cpu: cpuDelta(cpu0, cpu1, seconds),
  };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- CPU accounting: the servers' (from /proc) and the load generator's own ----

import { readFileSync } from 'node:fs';

function readProcCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/** All cores' busy time in seconds (from /proc/stat, USER_HZ = 100). */
function readMachineBusy() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …: busy = everything but idle and iowait.
    const busy = f[0] + f[1] + f[2] + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy / 100;
  } catch {
    return undefined;
  }
}

function cpuSnapshotSync(pids) {
  const u = process.cpuUsage();
  return { client: (u.user + u.system) / 1e6, servers: pids.map(readProcCpu), machine: readMachineBusy() };
}
async function cpuSnapshot(pids) {
  return cpuSnapshotSync(pids);
}

function cpuDelta(a, b, seconds) {
  if (!a || !b) return undefined;
  const server = a.servers.map((v, i) => (v === undefined || b.servers[i] === undefined ? undefined : (b.servers[i] - v) / seconds));
  const clientCores = (b.client - a.client) / seconds;
  const machineCores = a.machine === undefined || b.machine === undefined ? undefined : (b.machine - a.machine) / seconds;
  const ours = clientCores + server.reduce((x, v) => x + (v ?? 0), 0);
  // What other processes on the machine used meanwhile: a noise indicator for the phase.
  const otherCores = machineCores === undefined ? undefined : Math.max(0, machineCores - ours);
  return { clientCores, serverCores: server.length === 1 ? server[0] : server, machineCores, otherCores };
}
