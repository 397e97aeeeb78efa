/**
 * A container's environment, as upstream's makeEnvironmentVariables (pkg/kubelet/kubelet_pods.go):
 *  1. service links: `<SVC>_SERVICE_HOST`, `_SERVICE_PORT`, Docker link variables — for the
 *     `kubernetes` service of the default namespace always, and for the pod's namespace when
 *     enableServiceLinks is not false (envvars.FromServices);
 *  2. envFrom (configMapRef / secretRef, with prefix; missing optional sources skipped);
 *  3. env in order: `value` with `$(VAR)` expansion over what is defined so far and the service
 *     variables; `valueFrom` fieldRef / resourceFieldRef / configMapKeyRef / secretKeyRef;
 *  4. service variables not overridden.
 * Failures carry upstream's messages (`configmap "x" not found`, `couldn't find key k in
 * ConfigMap ns/x`) and end up as CreateContainerConfigError.
 */
import { objsAt, strAt, strMapAt, type JsonObject } from '../../api/json-access.js';
import { isJsonObject, type KubeObject } from '../../api/object.js';
import type { KeyValue } from '../../runtime/container-runtime.js';
import { ObjectNotFoundError, type ObjectCache } from '../object-cache.js';
import { containerResourceValue, podFieldValue, type Allocatable, type PodRuntimeFields } from './downward.js';
import { expand, lookupIn } from './expansion.js';

export class EnvError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvError';
  }
}

export interface EnvContext {
  readonly objects: ObjectCache;
  readonly runtimeFields: PodRuntimeFields;
  readonly allocatable: Allocatable;
  /** Warns about envFrom keys that are not valid variable names (InvalidEnvironmentVariableNames). */
  readonly warn: (reason: string, message: string) => void;
}

function envName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

/** envvars.FromServices. */
export function serviceEnvVars(services: readonly KubeObject[]): KeyValue[] {
  const out: KeyValue[] = [];
  for (const svc of services) {
    const spec = isJsonObject(svc.spec) ? svc.spec : {};
    const ip = strAt(spec, 'clusterIP');
    if (ip === '' || ip === 'None') continue;
    const ports = objsAt(spec, 'ports');
    if (ports.length === 0) continue;
    const prefix = envName(svc.metadata.name ?? '');
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    const portVar = `${prefix}_SERVICE_PORT`;
    out.push({ name: portVar, value: String(ports[0].port ?? '') });
    for (const p of ports) if (strAt(p, 'name')) out.push({ name: `${portVar}_${envName(strAt(p, 'name'))}`, value: String(p.port ?? '') });
    const hostPort = (port: unknown) => (ip.includes(':') ? `[${ip}]:${String(port)}` : `${ip}:${String(port)}`);
    ports.forEach((p, i) => {
      const protocol = strAt(p, 'protocol') || 'TCP';
      const url = `${protocol.toLowerCase()}://${hostPort(p.port)}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${String(p.port)}_${protocol.toUpperCase()}`;
      out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: protocol.toLowerCase() }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
    });
  }
  return out;
}

async function serviceEnv(pod: KubeObject, ctx: EnvContext): Promise<Map<string, string>> {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const ns = pod.metadata.namespace ?? '';
  const links = spec.enableServiceLinks !== false;
  const chosen = new Map<string, KubeObject>();
  for (const svc of await ctx.objects.list('services')) {
    const name = svc.metadata.name ?? '';
    if (svc.metadata.namespace === 'default' && name === 'kubernetes') {
      if (!chosen.has(name)) chosen.set(name, svc);
    } else if (svc.metadata.namespace === ns && links) chosen.set(name, svc);
  }
  const sorted = [...chosen.values()].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  return new Map(serviceEnvVars(sorted).map((e) => [e.name, e.value]));
}

/** Relaxed environment variable names (RelaxedEnvironmentVariableValidation, on in 1.32): printable ASCII but `=`. */
function validEnvName(name: string): boolean {
  return name.length > 0 && /^[\x20-\x3c\x3e-\x7e]+$/.test(name);
}

function decode(secret: KubeObject, key: string): string | undefined {
  const data = strMapAt(secret as unknown as JsonObject, 'data');
  const v = data[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

async function getOptional(ctx: EnvContext, kind: 'configmaps' | 'secrets', ns: string, name: string, optional: boolean): Promise<KubeObject | undefined> {
  try {
    return await ctx.objects.get(kind, ns, name);
  } catch (e) {
    if (e instanceof ObjectNotFoundError) {
      if (optional) return undefined;
      throw new EnvError(e.message, { cause: e });
    }
    throw e;
  }
}

export async function containerEnv(pod: KubeObject, container: JsonObject, ctx: EnvContext): Promise<KeyValue[]> {
  const ns = pod.metadata.namespace ?? '';
  const services = await serviceEnv(pod, ctx);
  const env = new Map<string, string>();
  const configMaps = new Map<string, KubeObject | undefined>();
  const secrets = new Map<string, KubeObject | undefined>();
  const cached = async (kind: 'configmaps' | 'secrets', name: string, optional: boolean) => {
    const cache = kind === 'configmaps' ? configMaps : secrets;
    if (cache.has(name)) return cache.get(name);
    const obj = await getOptional(ctx, kind, ns, name, optional);
    cache.set(name, obj);
    return obj;
  };

  for (const from of objsAt(container, 'envFrom')) {
    const prefix = strAt(from, 'prefix');
    const cmRef = isJsonObject(from.configMapRef) ? from.configMapRef : undefined;
    const secretRef = isJsonObject(from.secretRef) ? from.secretRef : undefined;
    const ref = cmRef ?? secretRef;
    if (!ref) continue;
    const kind = cmRef ? 'configmaps' : 'secrets';
    const name = strAt(ref, 'name');
    const obj = await cached(kind, name, ref.optional === true);
    if (!obj) continue;
    const invalid: string[] = [];
    const data = strMapAt(obj as unknown as JsonObject, 'data');
    for (const k of Object.keys(data)) {
      const key = prefix + k;
      if (!validEnvName(key)) {
        invalid.push(key);
        continue;
      }
      env.set(key, kind === 'secrets' ? (decode(obj, k) ?? '') : data[k]);
    }
    if (invalid.length) {
      invalid.sort();
      ctx.warn('InvalidEnvironmentVariableNames', `Keys [${invalid.join(', ')}] from the EnvFrom ${kind === 'configmaps' ? 'configMap' : 'secret'} ${ns}/${name} were skipped since they are considered invalid environment variable names.`);
    }
  }

  for (const e of objsAt(container, 'env')) {
    const name = strAt(e, 'name');
    const value = strAt(e, 'value');
    const from = isJsonObject(e.valueFrom) ? e.valueFrom : undefined;
    if (value !== '' || !from) {
      env.set(name, expand(value, lookupIn(env, services)));
      continue;
    }
    if (isJsonObject(from.fieldRef)) {
      env.set(name, podFieldValue(pod, strAt(from.fieldRef, 'fieldPath'), ctx.runtimeFields));
    } else if (isJsonObject(from.resourceFieldRef)) {
      const target = strAt(from.resourceFieldRef, 'containerName');
      const spec = isJsonObject(pod.spec) ? pod.spec : {};
      const c = target ? [...objsAt(spec, 'containers'), ...objsAt(spec, 'initContainers')].find((x) => strAt(x, 'name') === target) : container;
      env.set(name, containerResourceValue(c ?? container, from.resourceFieldRef, ctx.allocatable));
    } else if (isJsonObject(from.configMapKeyRef) || isJsonObject(from.secretKeyRef)) {
      const isCm = isJsonObject(from.configMapKeyRef);
      const ref = (isCm ? from.configMapKeyRef : from.secretKeyRef) as JsonObject;
      const objName = strAt(ref, 'name');
      const key = strAt(ref, 'key');
      const optional = ref.optional === true;
      const obj = await cached(isCm ? 'configmaps' : 'secrets', objName, optional);
      if (!obj) continue;
      const v = isCm ? strMapAt(obj as unknown as JsonObject, 'data')[key] : decode(obj, key);
      if (v === undefined) {
        if (optional) continue;
        throw new EnvError(`couldn't find key ${key} in ${isCm ? 'ConfigMap' : 'Secret'} ${ns}/${objName}`);
      }
      env.set(name, v);
    }
  }

  const out: KeyValue[] = [...env].map(([name, value]) => ({ name, value }));
  for (const [name, value] of services) if (!env.has(name)) out.push({ name, value });
  return out;
}
