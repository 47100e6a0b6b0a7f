/**
 * The records one task has fetched but not processed yet, one queue per input topic of its partition number, and
 * the choice of the next record: the earliest business time among the queue heads, the topic order breaking ties
 * (after Kafka Streams' PartitionGroup). A queue that is empty while its topic-partition is known to have more
 * records (its fetched position is below the high watermark) holds the task back for at most `maxIdleMs`, so a
 * replay as fast as possible merges the topics in the same order as live operation. A queue at its end never holds
 * anything back. Pure: the caller passes the time.
 */
export interface QueuedRecord<R> {
  readonly offset: number;
  /** Business time in ms (the event's `eventTime`). */
  readonly time: number;
  readonly record: R;
}

interface Queue<R> {
  readonly topic: string;
  readonly order: number;
  /** Taken records are cleared (undefined) up to `head`: a taken record is not kept alive by its queue. */
  records: (QueuedRecord<R> | undefined)[];
  head: number;
  /** Offset of the next record this queue expects (everything below it was queued or skipped). */
  next: number;
  /** Highest known high watermark (offset after the last record in the log); -1 while unknown. */
  highWatermark: number;
  /** When the queue became empty while lagging (ms), or null. */
  idleSince: number | null;
}

/** What {@link PartitionGroup.next} decided. */
export type NextRecord<R> =
  | { readonly kind: 'record'; readonly topic: string; readonly record: QueuedRecord<R>; readonly idled: boolean }
  | { readonly kind: 'wait'; readonly untilMs: number; readonly topic: string }
  /** The next record in order is not admitted yet (see {@link PartitionGroup.next}'s `admit`). */
  | { readonly kind: 'held'; readonly topic: string }
  | { readonly kind: 'empty' };

export class PartitionGroup<R> {
  private readonly queues = new Map<string, Queue<R>>();
  private buffered = 0;

  /**
   * @param topics the input topics in tie-break order.
   * @param maxIdleMs longest wait for a lagging topic-partition that has nothing buffered.
   */
  constructor(
    topics: readonly string[],
    private readonly maxIdleMs: number,
  ) {
    topics.forEach((topic, order) => this.queues.set(topic, { topic, order, records: [], head: 0, next: 0, highWatermark: -1, idleSince: null }));
  }

  /** Records buffered across all queues. */
  get size(): number {
    return this.buffered;
  }

  /**
   * Records known to be in the logs of this task's topic-partitions and not taken yet: those buffered plus those
   * beyond the fetched position up to the high watermark (as of the latest fetch). A task far behind is catching up.
   */
  get lag(): number {
    let lag = this.buffered;
    for (const q of this.queues.values()) if (q.highWatermark > q.next) lag += q.highWatermark - q.next;
    return lag;
  }

  /** Records buffered for one topic. */
  sizeOf(topic: string): number {
    const q = this.queue(topic);
    return q.records.length - q.head;
  }

  /** The next offset expected on `topic` (everything below it was taken or skipped). */
  position(topic: string): number {
    return this.queue(topic).next;
  }

  /** Sets where each topic starts (a restored checkpoint's positions); drops whatever was buffered. */
  reset(positions: Readonly<Record<string, number>>, highWatermarks: Readonly<Record<string, number>> = {}): void {
    for (const q of this.queues.values()) {
      q.records = [];
      q.head = 0;
      q.next = positions[q.topic] ?? 0;
      q.highWatermark = highWatermarks[q.topic] ?? -1;
      q.idleSince = null;
    }
    this.buffered = 0;
  }

  /**
   * Appends fetched records of one topic. Records below the expected offset are duplicates (a refetch after a
   * rebalance or a seek) and are dropped; a gap (a record above the expected offset) means the fetch skipped
   * something, so the records from the gap on are refused and the caller must seek back to {@link position}.
   * @returns how many were queued, and whether a gap was found.
   */
  add(topic: string, records: readonly QueuedRecord<R>[], highWatermark: number): { queued: number; gap: boolean } {
    const q = this.queue(topic);
    if (highWatermark > q.highWatermark) q.highWatermark = highWatermark;
    let queued = 0;
    for (const r of records) {
      if (r.offset < q.next) continue;
      if (r.offset > q.next) return { queued, gap: true };
      q.records.push(r);
      q.next = r.offset + 1;
      queued += 1;
    }
    if (queued > 0) q.idleSince = null;
    this.buffered += queued;
    return { queued, gap: false };
  }

  /** Records that an offset past `next` was skipped on purpose (a record the fetch filtered, e.g. a control record). */
  skipTo(topic: string, offset: number): void {
    const q = this.queue(topic);
    if (offset > q.next && q.head === q.records.length) q.next = offset;
  }

  /** Whether `topic` is one of the inputs. */
  has(topic: string): boolean {
    return this.queues.has(topic);
  }

  /**
   * Takes the next record in business-time order, or says how long to wait for a lagging topic, or that all are
   * empty. `admit` may hold the record that is next back (it stays first in line): e.g. a tick waiting for another
   * service's progress.
   */
  next(nowMs: number, admit?: (topic: string, record: QueuedRecord<R>) => boolean): NextRecord<R> {
    let best: Queue<R> | null = null;
    let bestHead: QueuedRecord<R> | null = null;
    let waitFor: Queue<R> | null = null;
    let waitUntil = Infinity;
    let idled = false;
    for (const q of this.queues.values()) {
      const head = q.records[q.head];
      if (head === undefined) {
        if (q.highWatermark > q.next) {
          q.idleSince ??= nowMs;
          const until = q.idleSince + this.maxIdleMs;
          if (until > nowMs) {
            if (until < waitUntil) {
              waitUntil = until;
              waitFor = q;
            }
          } else idled = true;
        }
        continue;
      }
      if (bestHead === null || head.time < bestHead.time || (head.time === bestHead.time && q.order < (best as Queue<R>).order)) {
        best = q;
        bestHead = head;
      }
    }
    if (best === null || bestHead === null) return { kind: 'empty' };
    if (waitFor !== null) return { kind: 'wait', untilMs: waitUntil, topic: waitFor.topic };
    if (admit !== undefined && !admit(best.topic, bestHead)) return { kind: 'held', topic: best.topic };
    // Cleared at once: the slots before the head are dropped only every 4,096 records, and a decoded record with its
    // fetched bytes is ~1 kB (up to 4 MB per input topic-partition otherwise).
    best.records[best.head] = undefined;
    best.head += 1;
    this.buffered -= 1;
    if (best.head === best.records.length) {
      best.records = [];
      best.head = 0;
    } else if (best.head > 4096) {
      best.records = best.records.slice(best.head);
      best.head = 0;
    }
    return { kind: 'record', topic: best.topic, record: bestHead, idled };
  }

  private queue(topic: string): Queue<R> {
    const q = this.queues.get(topic);
    if (q === undefined) throw new RangeError(`topic ${topic} is not an input of this task (inputs: ${[...this.queues.keys()].join(', ')})`);
    return q;
  }
}
