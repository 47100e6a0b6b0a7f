import type { Logger } from '@creditstream/logging';
import type { Trigger } from './scoring/score-customer';

/**
 * Re-scores a whole partition, stopping early once `cancelled()` turns true. A null trigger: no single event asked for
 * it (an assignment, a reload); the work names its own causation.
 */
export type SweepWork = (partition: number, trigger: Trigger | null, cancelled: () => boolean) => Promise<void>;

export interface SweepsOptions {
  sweep: SweepWork;
  logger: Logger;
  /** Called whenever the number of partitions waiting or being swept changes. */
  onPending?: (partitions: number) => void;
  /** Wait before retrying a failed sweep. @default 1000 */
  retryDelayMs?: number;
}

/**
 * Partition sweeps in the background, one partition at a time, off the consumer's batches: a clock tick, a published
 * model or a (re)assignment asks for a sweep and its batch returns at once. kafkajs fetches the next batches only when
 * every batch of the previous fetch has been handled, so a sweep inside a batch would hold up every other event for as
 * long as it takes. The sweep takes the partition's lock per chunk, so events of the partition wait for one chunk at
 * most. Partitions are swept in the order they were asked for; a request for a partition that is waiting replaces
 * its trigger, and one for the partition being swept queues it again after the others (the running sweep finishes:
 * restarting it would score its first customers over and over and never reach the last ones while days pass faster
 * than a sweep).
 */
export class Sweeps {
  private readonly pending = new Map<number, Trigger | null>();
  private running: { partition: number; cancelled: boolean } | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: SweepsOptions) {}

  /** Asks for a sweep of `partition`; the latest trigger asked for wins. */
  request(partition: number, trigger: Trigger | null): void {
    if (this.stopped) return;
    this.pending.set(partition, trigger);
    this.report();
    this.kick();
  }

  /** Forgets the sweeps of partitions this instance no longer owns and stops the one running on them. */
  retain(assigned: ReadonlySet<number>): void {
    for (const p of [...this.pending.keys()]) if (!assigned.has(p)) this.pending.delete(p);
    if (this.running && !assigned.has(this.running.partition)) this.running.cancelled = true;
    this.report();
  }

  /** Partitions waiting for a sweep or being swept. */
  get size(): number {
    return this.pending.size + (this.running ? 1 : 0);
  }

  /** Resolves when no sweep is waiting or running. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops after the running chunk; what was not swept is swept again by the partition's next owner. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    if (this.running) this.running.cancelled = true;
    await this.loop;
    this.settle();
  }

  private kick(): void {
    if (this.loop !== null || this.stopped) return;
    this.loop = this.run().finally(() => {
      this.loop = null;
      if (this.pending.size > 0 && !this.stopped) this.kick();
      else this.settle();
    });
  }

  private async run(): Promise<void> {
    const { sweep, logger, retryDelayMs = 1000 } = this.options;
    while (!this.stopped) {
      const partition = this.pending.keys().next().value;
      if (partition === undefined) return;
      const trigger = this.pending.get(partition) ?? null;
      this.pending.delete(partition);
      const running = { partition, cancelled: false };
      this.running = running;
      this.report();
      try {
        await sweep(partition, trigger, () => running.cancelled || this.stopped);
      } catch (err) {
        logger.error({ err, partition }, 'partition sweep failed; retrying');
        if (!running.cancelled && !this.stopped) this.pending.set(partition, trigger);
        await new Promise((r) => setTimeout(r, retryDelayMs));
      } finally {
        this.running = null;
        this.report();
      }
    }
  }

  private report(): void {
    this.options.onPending?.(this.size);
  }

  private settle(): void {
    if (this.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
