/** Latency summaries: nearest-rank percentiles over milliseconds, rounded for the report. */

export function summarize(samples) {
  const n = samples.length;
  if (n === 0) return { count: 0 };
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of s) sum += v;
  const pct = (p) => s[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  return {
    count: n,
    mean: round(sum / n),
    min: round(s[0]),
    p50: round(pct(50)),
    p90: round(pct(90)),
    p99: round(pct(99)),
    max: round(s[n - 1]),
  };
}

export function median(values) {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function round(v, digits = 3) {
  if (v === undefined || v === null || !Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return round(a / b, 3);
}
