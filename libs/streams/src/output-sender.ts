import type { IHeaders } from 'kafkajs';
import { errorCode, errorMessage } from '@creditstream/errors';
import type { EncodedMessage, EventProducer } from '@creditstream/kafka';
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
  /** When the request in flight was started (performance.now()), and its records; null when none is. */
  private inFlight: { since: number; records: number; attempt: number } | null = null;
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

  /** What the sender is doing, for a stalled task's diagnosis (see StreamTask.snapshot). */
  get state(): { pending: number; queued: number; sending: boolean; inFlightMs: number | null; inFlightRecords: number; attempt: number; waiters: number } {
    const f = this.inFlight;
    return { pending: this.pending, queued: this.queue.length, sending: this.sending, inFlightMs: f === null ? null : Math.round(performance.now() - f.since), inFlightRecords: f?.records ?? 0, attempt: f?.attempt ?? 0, waiters: this.waiters.length };
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
    let attempt = 0;
    while (!this.closed && this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      attempt += 1;
      this.inFlight = { since: performance.now(), records: batch.length, attempt };
      try {
        await this.send(batch);
        this.inFlight = null;
        attempt = 0;
        delay = this.backoff.initialMs;
        this.acked += batch.length;
        this.release();
      } catch (err) {
        this.inFlight = null;
        if (this.closed) break;
        this.queue = [...batch, ...this.queue];
        this.logger.warn({ code: errorCode(err), err: errorMessage(err), records: batch.length, backoffMs: delay }, 'sending task outputs failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(this.backoff.maxMs, delay * 2);
      }
    }
    this.sending = false;
  }

  /**
   * Records without an explicit partition go out together, in as few requests as the producer's size limit allows,
   * whatever their topics (a scoring turn alternates predictions and outlooks: one request per topic run made the
   * requests tiny and their round trips sequential). Each topic-partition keeps its order. A record with an explicit
   * partition (a task's progress mark) is a barrier: it is sent only once everything before it is acknowledged, as
   * a progress mark promises that the outputs before it are readable.
   */
  private async send(batch: OutputRecord[]): Promise<void> {
    let start = 0;
    for (let i = 0; i <= batch.length; i++) {
      const record = batch[i];
      if (record !== undefined && record.partition === undefined) continue;
      if (i > start) await this.producer.sendRawBatch(byTopic(batch, start, i));
      if (record !== undefined) await this.producer.sendRaw(record.topic, [message(record)]);
      start = i + 1;
    }
  }

  private release(): void {
    const ready = this.waiters.filter((w) => w.upTo <= this.acked);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.upTo > this.acked);
    for (const w of ready) w.resolve();
  }
}

/** The record as the producer sends it (explicit partition and headers only when set). */
function message(r: OutputRecord): EncodedMessage {
  return { key: r.key, value: r.value, ...(r.partition !== undefined ? { partition: r.partition } : {}), ...(r.headers ? { headers: r.headers } : {}) };
}

/** Records [from, to) grouped by topic, in order of first appearance, each topic's records in order. */
function byTopic(batch: readonly OutputRecord[], from: number, to: number): { topic: string; messages: EncodedMessage[] }[] {
  const groups = new Map<string, EncodedMessage[]>();
  for (let i = from; i < to; i++) {
    const r = batch[i] as OutputRecord;
    let list = groups.get(r.topic);
    if (list === undefined) groups.set(r.topic, (list = []));
    list.push(message(r));
  }
  return [...groups].map(([topic, messages]) => ({ topic, messages }));
}
