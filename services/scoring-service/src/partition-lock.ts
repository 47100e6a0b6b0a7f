/**
 * Serialises work per partition number. The features-changed and clock topics have the same partition count as the
 * inputs and are keyed alike, so partition p of both holds the same customers: a tick and a features-changed batch
 * of partition p, or a model reload's re-scoring of it, must not score the same customer at the same time.
 * (The feature service has the same lock; it belongs in a shared library once a third service needs it.)
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
