/**
 * Every process the benchmark starts goes through here, so all of them are stopped at the end,
 * on failure, on Ctrl-C and on an uncaught error (SIGTERM, then SIGKILL after a grace period;
 * a synchronous SIGKILL from the 'exit' hook as a last resort). Temp dirs are removed likewise.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set();
const tempDirs = new Set();

export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir) {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Spawns a tracked child. `stdout`/`stderr` lines can be observed with onStdoutLine; stderr is
 * kept (last 64 KB) for error reports.
 */
export function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const handle = {
    child,
    pid: child.pid,
    name: options.name ?? command,
    stderrTail: '',
    stdoutTail: '',
    exited: false,
    exitCode: undefined,
    exitSignal: undefined,
    lineListeners: [],
    exitPromise: undefined,
  };
  handle.exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      handle.exited = true;
      handle.exitCode = code;
      handle.exitSignal = signal;
      live.delete(handle);
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      handle.stderrTail += `\nspawn error: ${err.message}`;
      if (!handle.exited) {
        handle.exited = true;
        live.delete(handle);
        resolve({ code: -1, signal: null, error: err });
      }
    });
  });
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    handle.stdoutTail = (handle.stdoutTail + d).slice(-16384);
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      for (const l of handle.lineListeners) l(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    handle.stderrTail = (handle.stderrTail + d).slice(-65536);
  });
  if (child.pid !== undefined) live.add(handle);
  return handle;
}

/** Resolves with the first stdout line matching `re` (its match), or rejects on exit/timeout. */
export function waitForLine(handle, re, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${handle.name}: no line matching ${re} within ${timeoutMs} ms`)), timeoutMs);
    const listener = (line) => {
      const m = re.exec(line);
      if (m) done(undefined, m);
    };
    const done = (err, m) => {
      clearTimeout(timer);
      const i = handle.lineListeners.indexOf(listener);
      if (i >= 0) handle.lineListeners.splice(i, 1);
      if (err) reject(err);
      else resolve(m);
    };
    handle.lineListeners.push(listener);
    handle.exitPromise.then(({ code, signal }) => done(new Error(`${handle.name} exited (code ${code}, signal ${signal}) before it was ready:\n${handle.stderrTail.slice(-2000)}`)));
  });
}

/** SIGTERM, then SIGKILL after graceMs. Resolves with the exit info and how long stopping took. */
export async function stopTracked(handle, graceMs = 5000) {
  if (handle.exited) return { code: handle.exitCode, signal: handle.exitSignal, stopMs: 0 };
  const t0 = performance.now();
  try {
    process.kill(handle.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  let timer;
  const killed = new Promise((resolve) => {
    timer = setTimeout(() => {
      try {
        process.kill(handle.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      resolve('killed');
    }, graceMs);
  });
  const how = await Promise.race([handle.exitPromise.then(() => 'exited'), killed]);
  clearTimeout(timer);
  const exit = await handle.exitPromise;
  return { ...exit, stopMs: performance.now() - t0, forced: how === 'killed' };
}

export async function stopAll() {
  await Promise.allSettled([...live].map((h) => stopTracked(h)));
  for (const d of [...tempDirs]) removeTempDir(d);
}

function killAllSync() {
  for (const h of live) {
    try {
      process.kill(h.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const d of tempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
}

let hooksInstalled = false;
export function installCleanupHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping the servers it started\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
