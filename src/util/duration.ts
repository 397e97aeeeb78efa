/** Go-style durations as k3s flags take them: 500ms, 30s, 5m, 1h, 1h30m. */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * units[m[2]];
    consumed = m.index + m[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}
