/**
 * Go's `time.Duration.String()` format, which is how metav1.Duration appears in JSON
 * ("1h0m0s", "1m30s", "1.5s", "250ms", "1.5µs", "10ns", "0s").
 *
 * Rules (from Go's time package): below one second the largest fitting unit among ns, µs and ms
 * is used with a trimmed decimal fraction; from one second on the form is `[<h>h][<m>m]<s>[.<frac>]s`,
 * where minutes are printed (even when zero) whenever hours are, and the seconds fraction has
 * trailing zeros trimmed.
 */
export function formatGoDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const negative = nanoseconds < 0n;
  const u = negative ? -nanoseconds : nanoseconds;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1_000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${withFraction(u, 3)}µs`;
    else out = `${withFraction(u, 6)}ms`;
  } else {
    const totalSeconds = u / 1_000_000_000n;
    const fraction = fractionDigits(u % 1_000_000_000n, 9);
    out = `${totalSeconds % 60n}${fraction}s`;
    if (totalSeconds >= 60n) {
      const totalMinutes = totalSeconds / 60n;
      out = `${totalMinutes % 60n}m${out}`;
      if (totalMinutes >= 60n) out = `${totalMinutes / 60n}h${out}`;
    }
  }
  return negative ? `-${out}` : out;
}

/** `v / 10^precision` followed by its trimmed decimal fraction. */
function withFraction(v: bigint, precision: number): string {
  const scale = 10n ** BigInt(precision);
  return `${v / scale}${fractionDigits(v % scale, precision)}`;
}

function fractionDigits(remainder: bigint, precision: number): string {
  if (remainder === 0n) return '';
  return `.${remainder.toString().padStart(precision, '0').replace(/0+$/, '')}`;
}
