/**
 * Read-your-writes for controllers: the object a controller last wrote, kept until its informer
 * shows that version (or a newer one). A sync that runs between the write and the watch event
 * would otherwise act on the older cached object (e.g. a Job status without the pods it just
 * counted). Versions are compared as storage revisions, which lite's resourceVersions are; a
 * non-numeric version is never considered newer.
 */
import type { KubeObject } from '../../api/object.js';

export function revisionNewer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return a.length !== b.length ? a.length > b.length : a > b;
}

export class LatestWrites<T extends KubeObject> {
  readonly #written = new Map<string, T>();

  /** Records what a write returned (the caller must not mutate it afterwards). */
  set(key: string, obj: T): void {
    this.#written.set(key, obj);
  }

  /** The newer of the cached object and this controller's last write of the same object. */
  current(key: string, cached: T | undefined): T | undefined {
    const written = this.#written.get(key);
    if (!written) return cached;
    if (cached && written.metadata.uid === cached.metadata.uid && revisionNewer(written.metadata.resourceVersion, cached.metadata.resourceVersion)) return written;
    this.#written.delete(key);
    return cached;
  }

  /** Forgets the write once the informer delivered a version at least as new. */
  observed(key: string, cached: T): void {
    const written = this.#written.get(key);
    if (written && !revisionNewer(written.metadata.resourceVersion, cached.metadata.resourceVersion)) this.#written.delete(key);
  }

  delete(key: string): void {
    this.#written.delete(key);
  }
}
