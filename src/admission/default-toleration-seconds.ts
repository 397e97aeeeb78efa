import { isJsonObject, type JsonObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

export interface DefaultTolerationSecondsConfig {
  /** tolerationSeconds for node.kubernetes.io/not-ready:NoExecute (upstream default 300). */
  readonly notReadyTolerationSeconds?: number;
  /** tolerationSeconds for node.kubernetes.io/unreachable:NoExecute (upstream default 300). */
  readonly unreachableTolerationSeconds?: number;
}

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/**
 * upstream DefaultTolerationSeconds: a new pod that does not already tolerate
 * node.kubernetes.io/not-ready:NoExecute (or unreachable:NoExecute) — by key, or by an empty key
 * (Exists), with effect NoExecute or empty — gets `{key, operator: Exists, effect: NoExecute,
 * tolerationSeconds: 300}`, so its pods are evicted five minutes after its node fails rather than
 * at once.
 *
 * Upstream also runs on updates of the pod proper; lite's admission request does not tell a
 * status write from a spec write, so this plugin acts on create only. The difference shows only
 * for pods created while the plugin was off: tolerations cannot be removed by an update, so every
 * pod created through the API keeps the ones added here.
 */
export class DefaultTolerationSecondsPlugin implements AdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds';
  readonly #notReadySeconds: number;
  readonly #unreachableSeconds: number;

  constructor(config: DefaultTolerationSecondsConfig = {}) {
    this.#notReadySeconds = config.notReadyTolerationSeconds ?? 300;
    this.#unreachableSeconds = config.unreachableTolerationSeconds ?? 300;
  }

  handles(def: ResourceDef): boolean {
    return def.group === '' && def.kind === 'Pod';
  }

  admit(req: AdmissionRequest): void {
    if (req.operation !== 'create') return;
    const spec = req.object.spec;
    if (!isJsonObject(spec)) return;
    const existing = Array.isArray(spec.tolerations) ? spec.tolerations : [];
    let notReady = false;
    let unreachable = false;
    for (const t of existing) {
      if (!isJsonObject(t)) continue;
      const key = typeof t.key === 'string' ? t.key : '';
      const effect = typeof t.effect === 'string' ? t.effect : '';
      if (effect !== '' && effect !== 'NoExecute') continue;
      if (key === NOT_READY || key === '') notReady = true;
      if (key === UNREACHABLE || key === '') unreachable = true;
    }
    if (notReady && unreachable) return;
    const tolerations = [...existing];
    if (!notReady) addOrUpdate(tolerations, { key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.#notReadySeconds });
    if (!unreachable) addOrUpdate(tolerations, { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.#unreachableSeconds });
    spec.tolerations = tolerations;
  }
}

/**
 * helper.AddOrUpdateTolerationInPod: replaces a toleration with the same key, operator, value and
 * effect, else appends.
 */
function addOrUpdate(tolerations: unknown[], t: JsonObject): void {
  const same = (x: unknown) =>
    isJsonObject(x) && (x.key ?? '') === t.key && (x.operator ?? '') === t.operator && (x.value ?? '') === (t.value ?? '') && (x.effect ?? '') === t.effect;
  const i = tolerations.findIndex(same);
  if (i >= 0) tolerations[i] = t;
  else tolerations.push(t);
}
