/**
 * upstream DefaultIngressClass: a new Ingress that names no class (neither
 * `spec.ingressClassName` nor the legacy `kubernetes.io/ingress.class` annotation) gets the
 * IngressClass marked `ingressclass.kubernetes.io/is-default-class: "true"` — the newest one when
 * several are marked, as kube-apiserver 1.32 chooses. Without a default class it stays class-less.
 */
import { isJsonObject, type KubeObject } from '../api/object.js';
import type { ResourceDef } from '../api/resource.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';

export const IS_DEFAULT_INGRESS_CLASS = 'ingressclass.kubernetes.io/is-default-class';

/** Reads the IngressClasses (the in-process client in the server). */
export type IngressClassSource = () => Promise<readonly KubeObject[]>;

export class DefaultIngressClassPlugin implements AdmissionPlugin {
  readonly name = 'DefaultIngressClass';
  readonly #classes: IngressClassSource;

  constructor(classes: IngressClassSource) {
    this.#classes = classes;
  }

  handles(def: ResourceDef): boolean {
    return def.group === 'networking.k8s.io' && def.kind === 'Ingress';
  }

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'create') return;
    const spec = isJsonObject(req.object.spec) ? req.object.spec : undefined;
    if (typeof spec?.ingressClassName === 'string') return;
    if (req.object.metadata.annotations?.['kubernetes.io/ingress.class'] !== undefined) return;
    const defaults = (await this.#classes()).filter((c) => c.metadata.annotations?.[IS_DEFAULT_INGRESS_CLASS] === 'true');
    if (defaults.length === 0) return;
    const newest = defaults.reduce((a, b) => ((b.metadata.creationTimestamp ?? '') > (a.metadata.creationTimestamp ?? '') ? b : a));
    req.object.spec = { ...(spec ?? {}), ingressClassName: newest.metadata.name ?? '' };
  }
}
