import type { IHeaders } from 'kafkajs';
import { errorCode, errorMessage } from '@creditstream/errors';
import type { EventProducer } from '@creditstream/kafka';
import type { Logger } from '@creditstream/logging';

/** An encoded record on its way out. */
export interface OutputRecord {
  topic: string;
  key: Buffer | string | null;
  value: Buffer;
  /** Set for records written to a partition explicitly (a task's progress); else the key's partition. */
  partition?: number;
  headers?: IHeaders;
}

/**
 * A task's outputs: queued as they are produced and sent at once, in order, with at most one request in flight
 * (what arrives meanwhile goes in the next request, so a burst becomes a few large requests). A failed send is
 * retried with backoff, in order; nothing is dropped. {@link flushed} resolves when everything queued before the
 * call has been acknowledged: a checkpoint waits on it, so committed state never runs ahead of its outputs.
 */
export class OutputSender {
  private queue: OutputRecord[] = [];
  private queued = 0;
  private acked = 0;
  private sending = false;
  private closed = false;
  private waiters: { upTo: number; resolve: () => void }[] = [];

  constructor(
    private readonly producer: EventProducer,
    private readonly logger: Logger,
    private readonly backoff: { initialMs: number; maxMs: number },
  ) {}

  /** Records queued and not yet acknowledged. */
  get pending(): number {
    return this.queued - this.acked;
  }

  push(record: OutputRecord): void {
    this.queue.push(record);
    this.queued += 1;
    if (!this.sending) {
      this.sending = true;
      setImmediate(() => void this.drain());
    }
  }

  /** Resolves once every record queued so far is acknowledged by the broker. */
  flushed(): Promise<void> {
    if (this.acked >= this.queued) return Promise.resolve();
    const upTo = this.queued;
    return new Promise((resolve) => this.waiters.push({ upTo, resolve }));
  }

  /** Stops sending (the task is given up: what is unsent belongs to the next owner's replay). */
  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private async drain(): Promise<void> {
    let delay = this.backoff.initialMs;
    while (!this.closed && this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.send(batch);
        delay = this.backoff.initialMs;
        this.acked += batch.length;
        this.release();
      } catch (err) {
        if (this.closed) break;
        this.queue = [...batch, ...this.queue];
        this.logger.warn({ code: errorCode(err), err: errorMessage(err), records: batch.length, backoffMs: delay }, 'sending task outputs failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(this.backoff.maxMs, delay * 2);
      }
    }
    this.sending = false;
  }

  private async send(batch: OutputRecord[]): Promise<void> {
    // Consecutive records of one topic go in one call; the order across topics is kept.
    let start = 0;
    for (let i = 1; i <= batch.length; i++) {
      if (i < batch.length && (batch[i] as OutputRecord).topic === (batch[start] as OutputRecord).topic) continue;
      const run = batch.slice(start, i);
      await this.producer.sendRaw((run[0] as OutputRecord).topic, run.map((r) => ({ key: r.key, value: r.value, ...(r.partition !== undefined ? { partition: r.partition } : {}), ...(r.headers ? { headers: r.headers } : {}) })));
      start = i;
    }
  }

  private release(): void {
    const ready = this.waiters.filter((w) => w.upTo <= this.acked);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.upTo > this.acked);
    for (const w of ready) w.resolve();
  }
}
