/**
 * Turns the `--simulate-node-*` flags into the simulator's configuration, with messages that
 * name the flag and show the expected form.
 */
import { parseQuantity } from '../api/schema/quantity.js';
import type { SimulatedNodesConfig } from '../server/server.js';
import { MAX_SIM_NODES } from '../simulator/sim-node.js';
import { parseDuration } from '../util/duration.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
// Label keys and values as the API validates them (prefix/name, 63-character names).
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export class FlagError extends Error {}

/**
 * A duration flag of at least one second, in ms (`30s`, `1m`); a FlagError naming the flag and an
 * example otherwise.
 */
export function durationFlag(argv: Record<string, unknown>, name: string, fallback: string, example: string): number {
  const ms = parseDuration(String(argv[name] ?? fallback));
  if (ms === undefined || ms < 1000) throw new FlagError(`--${name} must be a duration of at least 1s, such as ${example}`);
  return ms;
}

export function simulatedNodesFromFlags(argv: Record<string, unknown>): SimulatedNodesConfig | undefined {
  const count = Number(argv['simulate-nodes'] ?? 0);
  if (!Number.isInteger(count) || count < 0 || count > MAX_SIM_NODES) {
    throw new FlagError(`--simulate-nodes must be a whole number from 0 to ${MAX_SIM_NODES}, got ${JSON.stringify(argv['simulate-nodes'])}`);
  }
  if (count === 0) return undefined;
  const prefix = String(argv['simulate-node-prefix'] ?? 'sim-node-');
  if (!/^[a-z0-9]([-a-z0-9.]*)?$/.test(prefix) || prefix.length > 50) {
    throw new FlagError(`--simulate-node-prefix must be lower-case letters, digits, '-' or '.', starting with a letter or digit, got ${JSON.stringify(prefix)}`);
  }
  return {
    count,
    namePrefix: prefix,
    ...(typeof argv['simulate-node-capacity'] === 'string' ? { capacity: parseCapacity(argv['simulate-node-capacity']) } : {}),
    labels: parseLabels(strings(argv['simulate-node-label'])),
    taints: strings(argv['simulate-node-taint']).map((t) => parseTaint(t)),
  };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

export function parseCapacity(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq <= 0 || !value) throw new FlagError(`--simulate-node-capacity: expected name=quantity (e.g. cpu=4,memory=16Gi,pods=110), got ${JSON.stringify(part)}`);
    try {
      parseQuantity(value);
    } catch {
      throw new FlagError(`--simulate-node-capacity: ${JSON.stringify(value)} is not a quantity for ${name} (e.g. 4, 500m, 16Gi)`);
    }
    out[name] = value;
  }
  if (Object.keys(out).length === 0) throw new FlagError('--simulate-node-capacity: give at least one name=quantity, e.g. cpu=4,memory=16Gi,pods=110');
  return out;
}

export function parseLabels(items: readonly string[], flag = '--simulate-node-label'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (eq < 0 || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw new FlagError(`${flag}: expected key=value with a valid label key and value (e.g. topology.kubernetes.io/zone=zone-a), got ${JSON.stringify(item)}`);
    }
    out[key] = value;
  }
  return out;
}

export function parseTaint(item: string, flag = '--simulate-node-taint'): { key: string; value?: string; effect: string } {
  const colon = item.lastIndexOf(':');
  const effect = colon < 0 ? '' : item.slice(colon + 1);
  const kv = colon < 0 ? item : item.slice(0, colon);
  const eq = kv.indexOf('=');
  const key = eq < 0 ? kv : kv.slice(0, eq);
  const value = eq < 0 ? undefined : kv.slice(eq + 1);
  if (!TAINT_EFFECTS.includes(effect) || !LABEL_KEY.test(key) || (value !== undefined && !LABEL_VALUE.test(value))) {
    throw new FlagError(`${flag}: expected key[=value]:Effect with Effect one of ${TAINT_EFFECTS.join(', ')} (e.g. dedicated=gpu:NoSchedule), got ${JSON.stringify(item)}`);
  }
  return value === undefined ? { key, effect } : { key, value, effect };
}
