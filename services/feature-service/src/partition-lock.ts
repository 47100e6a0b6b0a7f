/**
 * Serialises work per partition number. The five input topics have the same partition count and are keyed by
 * customer id, so partition p of every topic holds the same customers: batches of `invoices/p` and `payments/p`
 * must not fold the same customer at the same time, while different partitions run in parallel.
 */
export class PartitionLocks {
  private readonly tails = new Map<number, Promise<void>>();

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
