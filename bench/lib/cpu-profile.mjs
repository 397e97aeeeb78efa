/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per area
 * (lite's dist/<dir>, a node_modules package, node's internals by module, GC, native code),
 * optionally restricted to a window of the profile's timeline.
 */
import { readFileSync } from 'node:fs';

/**
 * @param file path of the .cpuprofile
 * @param window optional { fromMs, toMs } relative to the profile's start
 * @param repoRoot path prefix stripped from file URLs
 */
export function summarizeCpuProfile(file, { window, repoRoot = '', top = 25 } = {}) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  let t = 0;
  let totalUs = 0;
  let idleUs = 0;
  const samples = prof.samples;
  const deltas = prof.timeDeltas;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i];
    // A sample's weight is the gap to the next one (the last gets the mean).
    const w = i + 1 < deltas.length ? deltas[i + 1] : (prof.endTime - prof.startTime) / samples.length;
    const ms = t / 1000;
    if (window && (ms < window.fromMs || ms > window.toMs)) continue;
    const node = byId.get(samples[i]);
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idleUs += w;
      continue;
    }
    totalUs += w;
    selfUs.set(node, (selfUs.get(node) ?? 0) + w);
  }
  // Merge nodes of the same function (they differ by call path).
  const fns = new Map();
  const areas = new Map();
  for (const [node, us] of selfUs) {
    const cf = node.callFrame;
    const file = shortUrl(cf.url, repoRoot);
    const key = `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
    const f = fns.get(key) ?? { function: cf.functionName || '(anonymous)', location: cf.url ? `${file}:${cf.lineNumber + 1}` : '(native)', us: 0 };
    f.us += us;
    fns.set(key, f);
    const area = areaOf(cf);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const pct = (us) => Math.round((1000 * us) / totalUs) / 10;
  return {
    busyMs: Math.round(totalUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    topFunctions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ function: f.function, location: f.location, selfMs: Math.round(f.us / 1000), selfPct: pct(f.us) })),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([area, us]) => ({ area, selfMs: Math.round(us / 1000), selfPct: pct(us) })),
  };
}

function shortUrl(url, root) {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  if (root && u.startsWith(root)) u = u.slice(root.length).replace(/^\//, '');
  return u;
}

function areaOf(cf) {
  const url = cf.url;
  const name = cf.functionName;
  if (!url) {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(program)') return '(program: V8/native, unattributed)';
    if (name.startsWith('(')) return name;
    return 'native/builtins (JSON, crypto, sqlite bindings, …)';
  }
  if (url.startsWith('node:')) {
    const m = /^node:(?:internal\/)?([^/]+)(?:\/([^/]+))?/.exec(url);
    const mod = m ? m[1] : url;
    return `node:${mod}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm:${nm[1]}`;
  const dist = /\/dist\/([^/]+)\//.exec(url);
  if (dist) return `lite:${dist[1]}`;
  return url.replace(/^file:\/\//, '');
}
