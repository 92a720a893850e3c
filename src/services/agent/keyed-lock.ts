/**
 * One operation per key at a time (per instance in the agent); operations on different keys run
 * in parallel. Waiters run in arrival order. Keys with nothing running or waiting hold no memory.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(() => fn());
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with an operation running or waiting. */
  get busy(): number {
    return this.tails.size;
  }

  /** Resolves once everything that was running or waiting when called has finished. */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
