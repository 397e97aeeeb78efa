/**
 * The Job controller's uidTrackingExpectations: finalizer removals it still expects to see in its
 * informer cache after its own writes (pod creations/deletions use the shared podcontrol
 * ControllerExpectations).
 */

/** Pod UIDs whose tracking finalizer removal the controller has issued and not yet observed. */
export class UidExpectations {
  readonly #pending = new Map<string, Set<string>>();

  expect(key: string, uids: readonly string[]): void {
    let set = this.#pending.get(key);
    if (!set) this.#pending.set(key, (set = new Set()));
    for (const u of uids) set.add(u);
  }

  observed(key: string, uid: string): void {
    const set = this.#pending.get(key);
    if (!set) return;
    set.delete(uid);
    if (set.size === 0) this.#pending.delete(key);
  }

  /** A snapshot of the expected UIDs. */
  get(key: string): ReadonlySet<string> {
    return new Set(this.#pending.get(key));
  }

  delete(key: string): void {
    this.#pending.delete(key);
  }
}
