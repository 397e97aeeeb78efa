/**
 * Bounded concurrency for the simulator's API calls (lease renewals, node status posts): at most
 * `limit` tasks run at once, the rest wait in arrival order. Tasks never reject into the pool;
 * failures are the task's own business.
 */
export class TaskPool {
  readonly #limit: number;
  readonly #waiting: (() => Promise<void>)[] = [];
  #head = 0;
  #running = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Tasks running plus waiting. */
  get pending(): number {
    return this.#running + this.#waiting.length - this.#head;
  }

  run(task: () => Promise<void>): void {
    this.#waiting.push(task);
    this.#pump();
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (this.#running < this.#limit && this.#head < this.#waiting.length) {
      const task = this.#waiting[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting.splice(0, this.#head);
        this.#head = 0;
      }
      this.#running++;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.#running--;
          this.#pump();
          if (this.pending === 0) for (const w of this.#idleWaiters.splice(0)) w();
        });
    }
  }
}
