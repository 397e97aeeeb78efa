/**
 * A binary heap of items with unique keys: O(log n) push, pop, update and delete by key (the
 * scheduling queue's activeQ and backoffQ, upstream's heap.Heap).
 */
export class KeyedHeap<T> {
  readonly #items: T[] = [];
  readonly #index = new Map<string, number>();
  readonly #key: (item: T) => string;
  readonly #less: (a: T, b: T) => boolean;

  constructor(key: (item: T) => string, less: (a: T, b: T) => boolean) {
    this.#key = key;
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  has(key: string): boolean {
    return this.#index.has(key);
  }

  get(key: string): T | undefined {
    const i = this.#index.get(key);
    return i === undefined ? undefined : this.#items[i];
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds the item, or replaces the item with the same key and restores the order. */
  addOrUpdate(item: T): void {
    const k = this.#key(item);
    const i = this.#index.get(k);
    if (i !== undefined) {
      this.#items[i] = item;
      this.#fix(i);
      return;
    }
    this.#items.push(item);
    this.#index.set(k, this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }

  pop(): T | undefined {
    if (this.#items.length === 0) return undefined;
    const top = this.#items[0];
    this.#removeAt(0);
    return top;
  }

  delete(key: string): T | undefined {
    const i = this.#index.get(key);
    if (i === undefined) return undefined;
    const item = this.#items[i];
    this.#removeAt(i);
    return item;
  }

  values(): readonly T[] {
    return this.#items;
  }

  #removeAt(i: number): void {
    const items = this.#items;
    this.#index.delete(this.#key(items[i]));
    const last = items.pop() as T;
    if (i < items.length) {
      items[i] = last;
      this.#index.set(this.#key(last), i);
      this.#fix(i);
    }
  }

  #fix(i: number): void {
    if (!this.#down(i)) this.#up(i);
  }

  #up(i: number): void {
    const items = this.#items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(items[i], items[parent])) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i0: number): boolean {
    const items = this.#items;
    const n = items.length;
    let i = i0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let j = l;
      const r = l + 1;
      if (r < n && this.#less(items[r], items[l])) j = r;
      if (!this.#less(items[j], items[i])) break;
      this.#swap(i, j);
      i = j;
    }
    return i > i0;
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const a = items[i];
    items[i] = items[j];
    items[j] = a;
    this.#index.set(this.#key(items[i]), i);
    this.#index.set(this.#key(items[j]), j);
  }
}
