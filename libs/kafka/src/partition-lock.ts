/**
 * Serialises work per partition number. creditstream's customer-keyed topics all have the same partition count and
 * the same key, so partition p of every topic holds the same customers: batches of different topics' partition p
 * (e.g. `invoices/p` and `payments/p`, or a clock tick and a features-changed batch) must not work on the same
 * customer at the same time, while different partitions run in parallel.
 */
export class PartitionLocks {
  private readonly tails = new Map<number, Promise<void>>();

  /** Runs `work` after every earlier work of `partition` has finished. */
  async run<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(partition) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const current = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => current);
    this.tails.set(partition, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(partition) === tail) this.tails.delete(partition);
    }
  }
}
