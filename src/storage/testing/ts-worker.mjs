// Runs a TypeScript worker-thread entry of this repository from its sources (no build step).
// Node 20 cannot load .ts files, and the transpiling loaders of vitest and run-ts.mjs only serve
// their own thread, so a backend running from sources starts its worker with this file and passes
// the entry as workerData.tsEntry (a file URL); see src/storage/sqlite/writer-client.ts.
//
// The entry's module graph (relative imports; bare ones such as better-sqlite3 stay as they are)
// is transpiled with oxc (rolldown, which ships with vite) into
// node_modules/.cache/lite-ts-worker/<hash of the sources>/, mirroring the source tree so that
// relative and bare imports resolve as they would from the sources. A cache hit costs a few reads
// and a hash, so a worker starts almost as fast as from the build; a miss costs the transpiler's
// load (~150 ms). Directories are written under a temporary name and renamed, so concurrent test
// processes never see half a cache entry; entries unused for a day are removed on a miss.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';

const VERSION = '1';

const entry = workerData?.tsEntry;
if (typeof entry !== 'string') throw new Error('ts-worker.mjs: workerData.tsEntry (file URL of a .ts module) is required');

/** The .ts files reachable from `entryPath` through relative value imports. */
function collectGraph(entryPath) {
  const files = new Map();
  const visit = (file) => {
    if (files.has(file)) return;
    const source = readFileSync(file, 'utf8');
    files.set(file, source);
    // Static imports and re-exports; `import type` / `export type` carry no code.
    const re = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]/gm;
    for (const m of source.matchAll(re)) {
      const spec = m[1];
      const target = join(dirname(file), spec);
      const ts = target.replace(/\.js$/, '.ts');
      if (existsSync(ts)) visit(ts);
      else if (!existsSync(target)) throw new Error(`ts-worker.mjs: cannot resolve ${spec} from ${file}`);
    }
  };
  visit(entryPath);
  return files;
}

function commonDir(paths) {
  let dir = dirname(paths[0]);
  while (!paths.every((p) => p.startsWith(dir + sep))) dir = dirname(dir);
  return dir;
}

function cacheRoot(from) {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'lite-ts-worker');
    if (dirname(dir) === dir) throw new Error(`ts-worker.mjs: no node_modules above ${from}`);
  }
}

async function loadTranspiler() {
  try {
    const { transformSync } = await import('rolldown/experimental');
    return (file, source) => {
      const r = transformSync(file, source, { sourceType: 'module' });
      if (r.errors?.length) throw new Error(`ts-worker.mjs: cannot transpile ${file}: ${r.errors.map((e) => e.message).join('; ')}`);
      return r.code;
    };
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    const { transformWithOxc } = await import('vite');
    return async (file, source) => (await transformWithOxc(source, file)).code;
  }
}

const entryPath = fileURLToPath(entry);
const graph = collectGraph(entryPath);
const root = commonDir([...graph.keys()]);
const hash = createHash('sha256').update(VERSION);
for (const [file, source] of [...graph].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(`\0${relative(root, file)}\0${source}`);
const dir = join(cacheRoot(entryPath), hash.digest('hex').slice(0, 24));
const outFile = (file) => join(dir, relative(root, file).replace(/\.ts$/, '.js'));

if (existsSync(dir)) {
  // Mark it used (pruning goes by age).
  try {
    const now = new Date();
    utimesSync(dir, now, now);
  } catch {
    // Pruned meanwhile: the import below fails loudly; the next start rebuilds it.
  }
} else {
  const transpile = await loadTranspiler();
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    for (const [file, source] of graph) {
      const out = join(tmp, relative(root, file).replace(/\.ts$/, '.js'));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, await transpile(file, source));
    }
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process won the race with the same content: use its copy.
      if (!existsSync(dir)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  pruneCache(dirname(dir), Date.now() - 24 * 3600_000);
}

function pruneCache(root, before) {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    try {
      if (statSync(path).mtimeMs < before) rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone already (another process pruned it).
    }
  }
}

await import(pathToFileURL(outFile(entryPath)).href);
