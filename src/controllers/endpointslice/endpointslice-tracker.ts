/**
 * Remembers the EndpointSlices this controller wrote (upstream EndpointSliceTracker), by Service
 * and slice uid, so that:
 *  - events caused by our own writes do not trigger another sync (`shouldSync`);
 *  - a sync does not act on an informer cache that has not caught up with our writes yet
 *    (`stale`: a slice we wrote is missing or older, or one we deleted is still there), which
 *    would otherwise create duplicate slices.
 * lite's resourceVersions are storage revisions (numbers that only grow), so they play the role
 * of upstream's generations.
 */
import type { KubeObject } from '../../api/object.js';

const DELETION_EXPECTED = -1;

function revision(slice: KubeObject): number {
  const n = Number(slice.metadata.resourceVersion);
  return Number.isFinite(n) ? n : 0;
}

export class EndpointSliceTracker {
  readonly #byService = new Map<string, Map<string, number>>();

  /** Records a slice as written by us (create or update response). */
  update(serviceKey: string, slice: KubeObject): void {
    const uid = slice.metadata.uid;
    if (!uid) return;
    this.#forService(serviceKey).set(uid, revision(slice));
  }

  expectDeletion(serviceKey: string, slice: KubeObject): void {
    const uid = slice.metadata.uid;
    if (!uid) return;
    this.#forService(serviceKey).set(uid, DELETION_EXPECTED);
  }

  has(serviceKey: string, slice: KubeObject): boolean {
    return this.#byService.get(serviceKey)?.has(slice.metadata.uid ?? '') === true;
  }

  /** True unless this slice event is the echo of our own write. */
  shouldSync(serviceKey: string, slice: KubeObject): boolean {
    const known = this.#byService.get(serviceKey)?.get(slice.metadata.uid ?? '');
    return known === undefined || revision(slice) > known;
  }

  /** Forgets a deleted slice; true if we deleted it ourselves (no sync needed). */
  handleDeletion(serviceKey: string, slice: KubeObject): boolean {
    const m = this.#byService.get(serviceKey);
    const known = m?.get(slice.metadata.uid ?? '');
    m?.delete(slice.metadata.uid ?? '');
    if (m?.size === 0) this.#byService.delete(serviceKey);
    return known === DELETION_EXPECTED;
  }

  /** The cached slices of a Service lag behind what we wrote. */
  stale(serviceKey: string, slices: readonly KubeObject[]): boolean {
    const m = this.#byService.get(serviceKey);
    if (!m) return false;
    const provided = new Set<string>();
    for (const s of slices) {
      const uid = s.metadata.uid ?? '';
      provided.add(uid);
      const known = m.get(uid);
      if (known !== undefined && (known === DELETION_EXPECTED || known > revision(s))) return true;
    }
    for (const [uid, known] of m) if (known !== DELETION_EXPECTED && !provided.has(uid)) return true;
    return false;
  }

  deleteService(serviceKey: string): void {
    this.#byService.delete(serviceKey);
  }

  #forService(key: string): Map<string, number> {
    let m = this.#byService.get(key);
    if (!m) this.#byService.set(key, (m = new Map()));
    return m;
  }
}
