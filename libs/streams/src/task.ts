import { BSON, type Document } from 'mongodb';
import { errorCode, errorMessage, isRetriable } from '@creditstream/errors';
import type { InboundMessage } from '@creditstream/kafka';
import type { Logger } from '@creditstream/logging';
import { behindByAnInterval } from './catch-up';
import type { CheckpointStore, LogWrite, SlotWrite } from './checkpoint-store';
import { PartitionClock, type ClockReading } from './clock';
import { StateValueTooLargeError, TaskFencedError } from './errors';
import { KeyValueStore } from './key-value-store';
import type { TaskMetrics } from './metrics';
import type { CompiledTaskOptions } from './options';
import type { OutputRecord, OutputSender } from './output-sender';
import { PartitionGroup, type QueuedRecord } from './partition-group';
import { endOfDay, ProgressGate, type ProgressMark, type ProgressSnapshot } from './progress';
import { deserializeSized, serializeSized, slotOf, type Serde } from './serde';

/** One input record as a processor sees it. */
export interface TaskRecord<E> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The message key (the customer id on creditstream's topics), or null. */
  readonly key: string | null;
  /** Business time in ms. */
  readonly time: number;
  readonly event: E;
  /** The consumed message (original bytes and headers, for dead letters). */
  readonly message: InboundMessage<E>;
  /** Set when the value could not be decoded: the task dead-letters it in its place in the order. */
  readonly failure: Rejection | null;
}

/** What a processor may do while it processes a record. Everything here is in memory; nothing waits. */
export interface ProcessorContext<V> {
  readonly partition: number;
  readonly store: KeyValueStore<V>;
  readonly clock: PartitionClock;
  /** Produces an event at once (it is acknowledged before the checkpoint that covers this record commits). */
  forward(topic: string, key: string, event: unknown): void;
  /** Appends a document to a side log (e.g. the feature log), written with the next checkpoint. Its `_id` must be deterministic. */
  log(collection: string, document: Document & { _id: string }): void;
  /**
   * Runs `work` before the next record, in turns of at most `maxTurnMs` (it returns true while it has more to do),
   * so a record that fans out to every key (a business-day tick) never blocks the event loop for long. No
   * checkpoint is taken while deferred work is pending: its record's effects are committed whole or not at all.
   */
  defer(work: Work<V>): void;
}

/** Work run between records; returns true while it has more to do. */
export type Work<V> = (context: ProcessorContext<V>) => boolean | void;

/** A refusal: the record goes to the dead-letter topic with this machine-readable reason, and the task moves on. */
export interface Rejection {
  code: string;
  message: string;
}

/**
 * A service's per-record logic. `process` is synchronous and works on in-memory state only: the runtime makes the
 * state durable and the outputs acknowledged off the hot path. Must be deterministic (same records in the same
 * order, same state and outputs): a restarted task replays from its checkpoint.
 */
export interface Processor<E, V> {
  process(record: TaskRecord<E>, context: ProcessorContext<V>): Rejection | void;
  /** The read-model document of a key, stored with the checkpoint (null: none). */
  view?(key: string, value: V): Document | null;
  /**
   * Called once after a restore, before the first record: the place to re-derive in memory what the processor
   * chose not to checkpoint (it must then equal the state the checkpointed run had at the snapshot). An
   * {@link evictable} processor's values are all in their compact form then (nothing is read back at a restore), so
   * it re-derives each in {@link loaded} instead.
   */
  restored?(context: ProcessorContext<V>): void;
  /**
   * Whether the task may hold this processor's values out of memory (in their compact checkpointed form) beyond its
   * state budget. Only for processors that mark every in-place change with `put`/`touch` in the same turn, or that
   * re-derive the rest in {@link loaded}. A restore then reads no value back: each comes back when first used, so a
   * task taken over processes records again as soon as its checkpoint is read.
   */
  readonly evictable?: boolean;
  /**
   * Called with a value read back from its compact form (it is its checkpointed value), before the processor sees
   * it: the place to re-derive what was changed in place without being marked (as {@link restored} does after a
   * restore). Must not produce anything.
   */
  loaded?(key: string, value: V, context: ProcessorContext<V>): void;
}

/** What the runner lets a task do to its consumer. */
export interface TaskHooks {
  pause(topic: string): void;
  resume(topic: string): void;
  /** The task expects `offset` next on `topic`: seek there (after a restore, or a gap in a fetch). */
  seek(topic: string, offset: number): void;
  /** Commits consumer-group offsets (monitoring and lag; the checkpoint is the truth). */
  commitOffsets(positions: Record<string, number>): Promise<void>;
  /** The log end offsets of this partition of `topics` (for progress announcements). */
  endOffsets?(topics: readonly string[]): Promise<Record<string, number>>;
  /** The task gave up (fenced): the runner drops it. */
  onClosed(task: StreamTask<unknown, unknown>, reason: string): void;
}

/**
 * Progress between services (see progress.ts): what a task announces of its own progress, and whose progress its
 * business-day ticks wait for.
 */
export interface TaskProgress {
  /** This service's name in its announcements. */
  service: string;
  /** The progress topic (an input of the task when it awaits a service). */
  topic: string;
  /** The input topic of business-day ticks; absent: the task's progress is that of the services it awaits. */
  clockTopic?: string;
  /** Output topics its announcements cover; empty: it announces nothing. */
  announces: readonly string[];
  /** Services whose progress a tick waits for (their outputs up to the tick are merged before it). */
  awaits: readonly string[];
  /**
   * Services whose daily run (their progress on the latest tick) the records of the following days wait for: what
   * that run produces stamped at the end of its day (account blocks) is then taken before them, as in a replay; the
   * rest of the tick's day does not wait. @default []
   */
  awaitsDailyRun?: readonly string[];
  /** Longest wait for them (ms), of a tick or of a record after an awaited daily run; then it is taken anyway, and counted. */
  maxWaitMs: number;
  /** The mark a progress record carries (null: none). */
  markOf(event: unknown, time: number): ProgressMark | null;
  /** The output record announcing a mark on this task's partition of the progress topic. */
  encode(mark: ProgressMark, partition: number): OutputRecord;
}

export interface StreamTaskParts<E, V> {
  partition: number;
  /** Input topics in tie-break order. */
  topics: readonly string[];
  processor: Processor<E, V>;
  checkpoints: CheckpointStore;
  serde: Serde<V>;
  sender: OutputSender;
  encode(topic: string, event: unknown): Buffer;
  deadLetter(message: InboundMessage<E>, code: string, reason: string): OutputRecord;
  hooks: TaskHooks;
  options: CompiledTaskOptions;
  metrics: TaskMetrics;
  logger: Logger;
  progress?: TaskProgress;
}

export type TaskState = 'created' | 'restoring' | 'running' | 'closing' | 'closed';

/**
 * One partition number of a service's co-partitioned input topics (after Kafka Streams' StreamTask): it buffers
 * what the consumer fetched, processes records one at a time in business-time order across its topics against
 * in-memory state, produces outputs at once, and checkpoints in the background — the changed state, the side logs,
 * then a commit point with the input positions, after the outputs up to there are acknowledged. A crash loses at
 * most the work since the last checkpoint, which the next owner replays from the checkpoint's positions with the
 * same results (deterministic processing, deterministic output ids).
 */
export class StreamTask<E, V> {
  readonly partition: number;
  readonly store = new KeyValueStore<V>();
  readonly clock = new PartitionClock();
  private readonly group: PartitionGroup<TaskRecord<E>>;
  private readonly context: ProcessorContext<V>;
  private stateName: TaskState = 'created';
  private epoch = 0;
  private seq = 0;
  /** Next offset to process per topic. */
  private readonly processed: Record<string, number> = {};
  private lastCommitted: Record<string, number> = {};
  /**
   * Whether the consumer group's offsets may be behind the checkpoint's positions: after a restore (the previous
   * owner can die between its checkpoint and its offset commit) and after a failed offset commit. The checkpoint is
   * what a restore resumes from; the group's offsets are what lag monitoring and `caught up` read, so they are
   * committed again even when no record is left to process.
   */
  private offsetsBehind = false;
  private uncommitted = 0;
  private sinceSnapshot = 0;
  /** Slots its keys are hashed into: `slots` at least, more once a slot document grew too large (see {@link growSlots}). */
  private slotCount: number;
  /**
   * The slot count grew and no checkpoint in the new layout has committed yet: the next one writes every slot (a key
   * written to its new slot while its old slot document still named it would be restored twice).
   */
  private rewriteAll = false;
  /** Records taken since the task began (processed or dead-lettered). */
  private taken = 0;
  /** At the previous commit timer: the lag, and `taken`. */
  private lagAtTimer = 0;
  private takenAtTimer = 0;
  /** The latest commit timer found the task behind by more than a commit interval (see {@link catchingUp}). */
  private behind = false;
  private readonly serialized = new Map<string, Buffer>();
  private readonly views = new Map<string, Document | null>();
  private readonly slotMembers = new Map<number, Set<string>>();
  private serializedBytes = 0;
  private reportedLoads = 0;
  private reportedEvictions = 0;
  private logs = new Map<string, Document[]>();
  private punctuations: Work<V>[] = [];
  private readonly paused = new Set<string>();
  private scheduled = false;
  private waitTimer: NodeJS.Timeout | null = null;
  private commitTimer: NodeJS.Timeout | null = null;
  private checkpointing: Promise<void> | null = null;
  private blockedSince: number | null = null;
  private blockedOn: 'checkpoint' | 'broker' = 'checkpoint';
  /** When the latest checkpoint started (performance.now()). */
  private checkpointStartedAt = 0;
  private held = false;
  private readonly label: { partition: string };
  private readonly gate: ProgressGate | null;
  /** Business time this task has completed (a tick and its deferred work; without a clock, its upstreams' progress). */
  private completed: number | null = null;
  /** A tick processed whose deferred work may still run. */
  private tickPending: number | null = null;
  /** Business time of the latest tick processed (the records of the days after it wait for `awaitsDailyRun`). */
  private lastTick: number | null = null;
  private announcedTime: number | null = null;
  private announcing: Promise<void> = Promise.resolve();
  /** Since when (ms) the next tick waits for an awaited service's progress, and for which service (first). */
  private progressWaitSince: number | null = null;
  private progressWaitFor = '';
  private progressTimer: NodeJS.Timeout | null = null;

  constructor(private readonly parts: StreamTaskParts<E, V>) {
    this.partition = parts.partition;
    this.slotCount = parts.options.slots;
    this.label = { partition: String(parts.partition) };
    this.group = new PartitionGroup(parts.topics, parts.options.maxIdleMs);
    const observed = parts.progress ? [...parts.progress.awaits, ...(parts.progress.awaitsDailyRun ?? [])] : [];
    this.gate = observed.length > 0 ? new ProgressGate([...new Set(observed)]) : null;
    if (parts.processor.evictable) {
      this.store.bound(
        {
          has: (k) => this.serialized.has(k),
          load: (k) => {
            const bytes = this.serialized.get(k);
            return bytes === undefined ? undefined : deserializeSized(parts.serde, bytes);
          },
        },
        parts.options.stateBudgetBytes,
        parts.processor.loaded ? (k, v) => parts.processor.loaded?.(k, v, this.context) : null,
      );
    }
    this.context = {
      partition: parts.partition,
      store: this.store,
      clock: this.clock,
      forward: (topic, key, event) => parts.sender.push({ topic, key, value: parts.encode(topic, event) }),
      log: (collection, document) => {
        let list = this.logs.get(collection);
        if (list === undefined) this.logs.set(collection, (list = []));
        list.push(document);
      },
      defer: (work) => this.punctuate(work),
    };
  }

  get state(): TaskState {
    return this.stateName;
  }

  /** Positions (next offset per input topic) of the processed records. */
  get positions(): Record<string, number> {
    return { ...this.processed };
  }

  /** Records processed and not yet covered by a committed checkpoint. */
  get uncommittedRecords(): number {
    return this.uncommitted;
  }

  get buffered(): number {
    return this.group.size;
  }

  /** Deferred work and punctuations not finished yet. */
  get pendingWork(): number {
    return this.punctuations.length;
  }

  /** Records known to be in this task's input logs and not processed yet (buffered, or beyond the fetched positions). */
  get lag(): number {
    return this.group.lag;
  }

  /**
   * What the task is waiting on, for the diagnosis of a task that has work and processes nothing (logged by the
   * runner's stall watch): the hold, backpressure, checkpoint, idle and progress waits, its queues and its sender.
   */
  snapshot(): Record<string, unknown> {
    const now = performance.now();
    const queues: Record<string, { buffered: number; position: number }> = {};
    for (const t of this.parts.topics) queues[t] = { buffered: this.group.sizeOf(t), position: this.group.position(t) };
    return {
      state: this.stateName,
      held: this.held,
      scheduled: this.scheduled,
      blockedOn: this.blockedSince === null ? null : this.blockedOn,
      blockedMs: this.blockedSince === null ? null : Math.round(now - this.blockedSince),
      checkpointing: this.checkpointing !== null,
      checkpointStartedMsAgo: Math.round(now - this.checkpointStartedAt),
      uncommitted: this.uncommitted,
      punctuations: this.punctuations.length,
      waitingIdle: this.waitTimer !== null,
      progressWaitFor: this.progressWaitSince === null ? null : this.progressWaitFor,
      progressWaitMs: this.progressWaitSince === null ? null : Date.now() - this.progressWaitSince,
      paused: [...this.paused],
      lag: this.group.lag,
      queues,
      sender: this.parts.sender.state,
    };
  }

  /**
   * Takes the task over: raises its epoch in the checkpoint store (fencing any earlier owner) and loads the state
   * and positions of its last checkpoint. The runner then seeks the consumer to {@link expected}.
   */
  async restore(): Promise<void> {
    const { checkpoints, serde, options, metrics, logger, topics } = this.parts;
    this.stateName = 'restoring';
    const started = performance.now();
    const restored = await this.retrying('restore', () => checkpoints.acquire(this.partition));
    if (this.stateName !== 'restoring') return;
    this.epoch = restored.epoch;
    this.seq = 0;
    const meta = restored.meta as { clock?: ClockReading | null; progress?: ProgressSnapshot; slots?: number } | null;
    // The slot count the checkpoint was written with, if it grew beyond the option (a smaller option never shrinks it:
    // it grew because a slot document passed maxSlotBytes).
    this.slotCount = Math.max(options.slots, meta?.slots ?? 0);
    let relayout = false;
    this.serialized.clear();
    this.views.clear();
    this.slotMembers.clear();
    this.serializedBytes = 0;
    const { processor } = this.parts;
    if (processor.evictable) {
      // Every value stays in its compact form, read back (and `loaded`) when first used: the task processes records
      // again as soon as its checkpoint is read, whatever the number of keys. Views come from the slot documents.
      const keys: string[] = [];
      for (const [slot, list] of restored.slots) {
        for (const { k, v, view } of list) {
          if (slotOf(k, this.slotCount) !== slot) relayout = true;
          this.remember(k, v, view !== undefined ? view : (processor.view?.(k, deserializeSized(serde, v).value) ?? null));
          keys.push(k);
        }
      }
      this.store.loadCold(keys);
    } else {
      const entries = function* (this: StreamTask<E, V>) {
        for (const [slot, list] of restored.slots) {
          for (const { k, v } of list) {
            const { value, size } = deserializeSized(serde, v);
            if (slotOf(k, this.slotCount) !== slot) relayout = true;
            this.remember(k, v, processor.view?.(k, value) ?? null);
            yield [k, value, size] as const;
          }
        }
      };
      this.store.load(entries.call(this));
    }
    this.clock.restore(meta?.clock ?? null);
    this.gate?.restore(meta?.progress?.marks);
    this.completed = meta?.progress?.completed ?? null;
    this.lastTick = meta?.progress?.tick ?? null;
    this.tickPending = null;
    // Announced again after a restore: the previous owner may have died between its tick and its announcement.
    this.announcedTime = null;
    const dirtyBefore = this.store.dirtyCount;
    processor.restored?.(this.context);
    if (this.store.dirtyCount !== dirtyBefore && !relayout) this.store.takeDirty();
    for (const t of topics) this.processed[t] = restored.positions[t] ?? 0;
    this.lastCommitted = { ...this.processed };
    this.offsetsBehind = true;
    this.group.reset(this.processed);
    this.uncommitted = 0;
    this.lagAtTimer = 0;
    this.behind = false;
    // A checkpoint written with another slot count: the next checkpoint rewrites every slot in the new layout (a slot
    // left out, empty now, would keep the keys of the old layout named) and drops the names of slots beyond it.
    this.rewriteAll = relayout;
    this.sinceSnapshot = 0;
    metrics.restoreSeconds.observe((performance.now() - started) / 1000);
    metrics.stateKeys.set(this.label, this.store.size);
    metrics.stateBytes.set(this.label, this.serializedBytes);
    logger.info({ partition: this.partition, epoch: this.epoch, keys: this.store.size, positions: this.processed, ms: Math.round(performance.now() - started) }, 'task restored');
  }

  /** Starts processing after {@link restore} and the runner's {@link setWatermarks} (until then fetched records are ignored). */
  begin(): void {
    if (this.stateName !== 'restoring') return;
    this.stateName = 'running';
    this.checkpointStartedAt = performance.now();
    this.commitTimer = setInterval(() => this.onCommitTimer(), this.parts.options.commitIntervalMs);
    this.commitTimer.unref();
    this.noteProgress();
    this.schedule();
  }

  /**
   * Queues fetched records of one topic (decoded; undecodable ones were dead-lettered by the runner). Records below
   * the task's position are duplicates and dropped; a gap makes the task ask for a seek back.
   */
  enqueue(topic: string, records: readonly QueuedRecord<TaskRecord<E>>[], highWatermark: number): void {
    if (this.stateName !== 'running') return;
    const before = this.group.position(topic);
    const progressTopic = this.gate !== null && topic === this.parts.progress?.topic;
    // Progress records change no state: taken as soon as they head their queue, never held in business-time order
    // (the marks of services far ahead would otherwise fill the queue and hold back those behind).
    if (progressTopic) records = records.map((r) => ({ ...r, time: Number.NEGATIVE_INFINITY }));
    const { queued, gap } = this.group.add(topic, records, highWatermark);
    const duplicates = records.filter((r) => r.offset < before).length;
    if (duplicates > 0) this.parts.metrics.records.inc({ topic, outcome: 'duplicate' }, duplicates);
    if (gap) this.parts.hooks.seek(topic, this.group.position(topic));
    // Not while a tick waits for another service's progress: the outputs it waits for may lie beyond a full buffer.
    if (this.group.sizeOf(topic) >= this.parts.options.maxBufferedRecords && !this.paused.has(topic) && this.progressWaitSince === null) {
      this.paused.add(topic);
      this.parts.hooks.pause(topic);
    }
    if (queued > 0 && progressTopic) {
      // Marks are read as they are fetched.
      for (const r of records) {
        if (r.record.failure) continue;
        const mark = this.parts.progress?.markOf(r.record.event, r.record.time) ?? null;
        if (mark !== null) this.gate?.observe(mark);
      }
    }
    if (queued > 0) this.schedule();
  }

  /**
   * What the consumer knows of a topic-partition's log after a restore: a position below the log start moves to it
   * (retention removed those records), and the high watermark tells whether the topic lags (the idle wait).
   */
  setWatermarks(topic: string, low: number, high: number): void {
    if (this.group.position(topic) < low) {
      this.parts.logger.warn({ partition: this.partition, topic, from: this.group.position(topic), to: low }, 'offsets skipped: they are no longer in the log');
      this.group.skipTo(topic, low);
      this.processed[topic] = low;
    }
    this.group.add(topic, [], high);
  }

  /**
   * Accepts that offsets below `offset` will never come on `topic` (the log start moved past them, or the fetch
   * filtered control records), after the runner saw the same gap repeatedly.
   */
  acceptGap(topic: string, offset: number): void {
    if (this.stateName !== 'running') return;
    this.parts.logger.warn({ partition: this.partition, topic, from: this.group.position(topic), to: offset }, 'offsets skipped: they are no longer in the log');
    this.group.skipTo(topic, offset);
    if ((this.processed[topic] ?? 0) < offset && this.group.sizeOf(topic) === 0) this.processed[topic] = offset;
  }

  /** Where the group expects the next fetched record of `topic`. */
  expected(topic: string): number {
    return this.group.position(topic);
  }

  /**
   * Holds (true) or releases (false) the taking of records: the runner holds its tasks while the consumer queues the
   * batches of one fetch response, which it does one batch after the other with awaits in between. Without the hold
   * a task could take a record of one topic before an older record of another topic from the same response is queued
   * (that topic's high watermark still the previous fetch's, so nothing says it lags): live processing would then
   * differ from a replay of the same log. Deferred work still runs while held.
   */
  hold(held: boolean): void {
    this.held = held;
    if (!held) this.schedule();
  }

  /**
   * Runs `work` between records, before the next one, with the processor's context (e.g. re-scoring every key after
   * a model change); it returns true while it has more to do and is called again in the next turn.
   */
  punctuate(work: Work<V>): void {
    this.punctuations.push(work);
    this.schedule();
  }

  /**
   * Stops the task. With `checkpoint`, first writes a last checkpoint (a graceful stop or a revocation: less replay
   * for the next owner; a fenced one is simply given up).
   */
  async close(options: { checkpoint: boolean }): Promise<void> {
    if (this.stateName === 'closed' || this.stateName === 'closing') return;
    const wasRunning = this.stateName === 'running';
    this.stateName = 'closing';
    if (this.commitTimer) clearInterval(this.commitTimer);
    if (this.waitTimer) clearTimeout(this.waitTimer);
    if (this.progressTimer) clearTimeout(this.progressTimer);
    if (wasRunning && options.checkpoint) {
      await this.checkpointing;
      try {
        await this.writeCheckpoint(false);
      } catch (err) {
        this.parts.logger.warn({ partition: this.partition, code: errorCode(err), err: errorMessage(err) }, 'last checkpoint of a closing task failed; the next owner replays from the one before');
      }
    }
    this.parts.sender.close();
    this.stateName = 'closed';
    this.parts.metrics.uncommittedRecords.remove(this.label);
    this.parts.metrics.catchingUp.remove(this.label);
    this.parts.metrics.stateKeys.remove(this.label);
    this.parts.metrics.stateBytes.remove(this.label);
    this.parts.metrics.bufferedRecords.remove(this.label);
  }

  /**
   * Whether the task is catching up (a replay, or a backlog after downtime, a burst or an overload): its input logs
   * hold at least `catchUpLagRecords` records it has not processed, or, as of its latest commit timer, it is more
   * than a commit interval of work behind: it took records during the interval, yet fewer than were waiting when the
   * interval began, and records are still waiting. It then checkpoints every `catchUpCommitIntervalMs`.
   */
  get catchingUp(): boolean {
    return this.group.lag >= this.parts.options.catchUpLagRecords || this.behind;
  }

  private onCommitTimer(): void {
    const { options, metrics } = this.parts;
    const lag = this.group.lag;
    this.behind = behindByAnInterval(this.lagAtTimer, this.taken - this.takenAtTimer, lag);
    this.lagAtTimer = lag;
    this.takenAtTimer = this.taken;
    const catchingUp = this.catchingUp;
    metrics.catchingUp.set(this.label, catchingUp ? 1 : 0);
    if (catchingUp && performance.now() - this.checkpointStartedAt < options.catchUpCommitIntervalMs) {
      // The state is durable and only the group's offsets lag (a commit refused during a rebalance, e.g. after a
      // session timeout under CPU starvation): they are committed again at the commit interval, not 30 s later, as
      // lag-based monitoring and autoscaling read them.
      if (this.offsetsBehind && this.checkpointing === null && this.punctuations.length === 0) {
        this.checkpointing = this.commitOffsets(this.lastCommitted).finally(() => {
          this.checkpointing = null;
          this.schedule();
        });
      }
      return;
    }
    void this.checkpoint();
  }

  /** Writes a checkpoint now unless one is running or nothing changed. Resolves when it is committed (or failed). */
  async checkpoint(): Promise<void> {
    if (this.stateName !== 'running') return;
    if (this.checkpointing) return this.checkpointing;
    this.checkpointing = this.writeCheckpoint(true)
      .catch((err) => this.onCheckpointError(err))
      .finally(() => {
        this.checkpointing = null;
        this.schedule();
      });
    return this.checkpointing;
  }

  private onCheckpointError(err: unknown): void {
    if (err instanceof TaskFencedError) {
      this.parts.metrics.fenced.inc();
      this.parts.logger.warn({ partition: this.partition, epoch: this.epoch }, 'task taken over by another instance; giving it up');
      void this.close({ checkpoint: false }).then(() => this.parts.hooks.onClosed(this as unknown as StreamTask<unknown, unknown>, 'fenced'));
      return;
    }
    this.parts.logger.error({ partition: this.partition, code: errorCode(err), err: errorMessage(err) }, 'checkpoint failed');
  }

  private hasWork(): boolean {
    // Deferred work belongs to records already counted as processed: a snapshot now would commit half of them.
    if (this.punctuations.length > 0) return false;
    if (this.store.dirtyCount > 0 || this.logs.size > 0 || this.rewriteAll) return true;
    for (const t of this.parts.topics) if (this.processed[t] !== this.lastCommitted[t]) return true;
    return false;
  }

  private async writeCheckpoint(retry: boolean): Promise<void> {
    if (!this.hasWork()) {
      if (this.offsetsBehind && this.punctuations.length === 0) await this.commitOffsets(this.lastCommitted);
      return;
    }
    const { processor, serde, options, checkpoints, sender, metrics } = this.parts;
    const started = performance.now();
    this.checkpointStartedAt = started;
    // The snapshot is taken synchronously, so state, positions and logs are of the same instant.
    const dirty = this.store.takeDirty();
    const dirtySlots = new Set<number>();
    let bytes = 0;
    for (const k of dirty) {
      const slot = slotOf(k, this.slotCount);
      dirtySlots.add(slot);
      const v = this.store.get(k);
      if (v === undefined) this.forget(k, slot);
      else {
        const sized = serializeSized(serde, v);
        bytes += sized.bytes.length;
        this.store.measured(k, sized.size);
        this.remember(k, sized.bytes, processor.view?.(k, v) ?? null);
      }
    }
    let slots = this.rewriteAll ? this.everySlotWrite() : [...dirtySlots].sort((a, b) => a - b).map((slot) => this.slotWrite(slot));
    if (slots.some((w) => this.oversized(w))) {
      try {
        slots = this.growSlots();
      } catch (err) {
        this.store.restoreDirty(dirty);
        throw err;
      }
    }
    const logs: LogWrite[] = [...this.logs].map(([collection, documents]) => ({ collection, documents }));
    this.logs = new Map();
    const positions = { ...this.processed };
    const meta = { clock: this.clock.reading, slots: this.slotCount, ...(this.parts.progress ? { progress: { marks: this.gate?.snapshot() ?? [], completed: this.completed, tick: this.lastTick } satisfies ProgressSnapshot } : {}) };
    const covered = this.sinceSnapshot;
    this.sinceSnapshot = 0;
    const seq = ++this.seq;
    let flushedAt: number;
    let committedAt: number;
    try {
      await sender.flushed();
      flushedAt = performance.now();
      const { documents } = await (retry ? this.retrying('checkpoint', () => checkpoints.commit(this.partition, this.epoch, { seq, positions, meta, slots, slotCount: this.slotCount, logs })) : checkpoints.commit(this.partition, this.epoch, { seq, positions, meta, slots, slotCount: this.slotCount, logs }));
      committedAt = performance.now();
      metrics.checkpointDocuments.inc(documents);
      metrics.checkpointBytes.inc(bytes);
    } catch (err) {
      // Not committed: what the snapshot covered goes into the next one.
      this.store.restoreDirty(dirty);
      for (const l of logs) this.logs.set(l.collection, [...l.documents, ...(this.logs.get(l.collection) ?? [])]);
      this.sinceSnapshot += covered;
      throw err;
    }
    this.uncommitted -= covered;
    this.lastCommitted = positions;
    this.rewriteAll = false;
    this.evict();
    metrics.uncommittedRecords.set(this.label, this.uncommitted);
    metrics.stateKeys.set(this.label, this.store.size);
    metrics.stateBytes.set(this.label, this.serializedBytes);
    await this.commitOffsets(positions);
    const ended = performance.now();
    metrics.checkpointSeconds.observe((ended - started) / 1000);
    if (ended - started > 2 * options.commitIntervalMs) {
      const ms = (x: number) => Math.round(x);
      this.parts.logger.warn({ partition: this.partition, ms: ms(ended - started), outputsMs: ms(flushedAt - started), storeMs: ms(committedAt - flushedAt), offsetsMs: ms(ended - committedAt), slots: slots.length, keys: dirty.size, bytes }, 'slow checkpoint');
    }
  }

  /** Commits the consumer group's offsets; a failure is retried at the next checkpoint (the checkpoint holds the positions). */
  private async commitOffsets(positions: Record<string, number>): Promise<void> {
    try {
      await this.parts.hooks.commitOffsets(positions);
      this.offsetsBehind = false;
    } catch (err) {
      this.offsetsBehind = true;
      this.parts.logger.debug({ partition: this.partition, code: errorCode(err), err: errorMessage(err) }, 'committing consumer offsets failed (the checkpoint holds the positions; retried at the next checkpoint)');
    }
  }

  /** The state budget of this task's live values (bytes; Infinity: unbounded), e.g. the instance's budget shared by its tasks. */
  setStateBudget(bytes: number): void {
    this.store.budgetBytes = bytes;
    this.evict();
  }

  /** Brings the live values within the budget; only between turns (no processor holds a value then). */
  private evict(): void {
    if (this.store.budgetBytes === Infinity) return;
    this.store.evict();
    const { liveBytes, loads, evictions } = this.store.stats;
    const { metrics } = this.parts;
    metrics.liveBytes.set(this.label, liveBytes);
    metrics.stateLoads.inc(loads - this.reportedLoads);
    metrics.stateEvictions.inc(evictions - this.reportedEvictions);
    this.reportedLoads = loads;
    this.reportedEvictions = evictions;
  }

  /** What a checkpoint writes for one slot: its keys' compact values and views, in key order. */
  private slotWrite(slot: number): SlotWrite {
    const keys = [...(this.slotMembers.get(slot) ?? [])].sort();
    const views: Document[] = [];
    const viewIndex: number[] = [];
    for (const k of keys) {
      const view = this.views.get(k);
      viewIndex.push(view ? views.length : -1);
      if (view) views.push(view);
    }
    return { slot, entries: keys.map((k) => ({ k, v: this.serialized.get(k) as Buffer })), views, viewIndex };
  }

  /** The writes of every slot in the current layout (after the slot count grew). */
  private everySlotWrite(): SlotWrite[] {
    return Array.from({ length: this.slotCount }, (_, slot) => this.slotWrite(slot));
  }

  /**
   * Whether a slot's document would pass `maxSlotBytes`. Its compact values' bytes are known; its views' are computed
   * (a BSON size walk) only when the values alone pass an eighth of the bound, so small states pay nothing for it.
   */
  private oversized(write: SlotWrite): boolean {
    const max = this.parts.options.maxSlotBytes;
    let bytes = 0;
    for (const e of write.entries) bytes += e.v.length + e.k.length;
    if (bytes <= max / 8) return false;
    return bytes + BSON.calculateObjectSize({ views: write.views, viewIndex: write.viewIndex }) > max;
  }

  /**
   * Doubles the slot count until every slot document fits `maxSlotBytes` (MongoDB refuses a document over 16 MiB:
   * a state that outgrew its slots would fail every checkpoint, and processing would stop at the uncommitted bound),
   * and returns the writes of every slot in the new layout. The count is kept in the checkpoint's meta.
   * @throws StateValueTooLargeError when one key's value and view alone pass the bound
   */
  private growSlots(): SlotWrite[] {
    const from = this.slotCount;
    for (;;) {
      this.slotCount *= 2;
      this.slotMembers.clear();
      for (const k of this.serialized.keys()) this.member(k);
      const writes = this.everySlotWrite();
      const over = writes.find((w) => this.oversized(w));
      if (over === undefined) {
        this.rewriteAll = true;
        this.parts.logger.info({ partition: this.partition, from, to: this.slotCount, keys: this.serialized.size, bytes: this.serializedBytes }, 'checkpoint slots grown: a slot document passed maxSlotBytes');
        return writes;
      }
      if (over.entries.length === 1) {
        this.slotCount = from;
        this.slotMembers.clear();
        for (const k of this.serialized.keys()) this.member(k);
        throw new StateValueTooLargeError(this.partition, (over.entries[0] as { k: string }).k, this.parts.options.maxSlotBytes);
      }
    }
  }

  private remember(k: string, bytes: Buffer, view: Document | null): void {
    this.serializedBytes += bytes.length - (this.serialized.get(k)?.length ?? 0);
    this.serialized.set(k, bytes);
    this.views.set(k, view);
    this.member(k);
  }

  /** Adds a key to its slot's members. */
  private member(k: string): void {
    const slot = slotOf(k, this.slotCount);
    let members = this.slotMembers.get(slot);
    if (members === undefined) this.slotMembers.set(slot, (members = new Set()));
    members.add(k);
  }

  private forget(k: string, slot: number): void {
    this.serializedBytes -= this.serialized.get(k)?.length ?? 0;
    this.serialized.delete(k);
    this.views.delete(k);
    this.slotMembers.get(slot)?.delete(k);
  }

  /**
   * Retries retriable failures with backoff while the task is alive; anything else is thrown. `what` names the
   * operation: the checkpoint store's (restore, checkpoint) count in creditstream_task_checkpoint_failures_total.
   */
  private async retrying<T>(what: 'restore' | 'checkpoint' | 'progress', work: () => Promise<T>): Promise<T> {
    let delay = this.parts.options.retry.initialMs;
    for (;;) {
      try {
        return await work();
      } catch (err) {
        if (!isRetriable(err) || this.stateName === 'closing' || this.stateName === 'closed') throw err;
        if (what !== 'progress') this.parts.metrics.checkpointFailures.inc({ code: errorCode(err) });
        this.parts.logger.warn({ partition: this.partition, what, code: errorCode(err), err: errorMessage(err), backoffMs: delay }, what === 'progress' ? 'reading output end offsets failed; retrying' : 'checkpoint store unavailable; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(this.parts.options.retry.maxMs, delay * 2);
      }
    }
  }

  /**
   * Whether a record may be taken now: a tick waits until every awaited service has announced progress at or past
   * it and its outputs up to there are fetched; a record of a day after the latest tick's (a tick too) waits likewise
   * for the services whose daily run it awaits to have announced that tick. Each wait lasts at most the progress
   * option's `maxWaitMs` (then the record is taken, counted, and logged).
   */
  private admit(topic: string, time: number): boolean {
    const progress = this.parts.progress;
    if (this.gate === null || progress === undefined) return true;
    const fetched = (t: string) => (this.group.has(t) ? this.group.position(t) : undefined);
    let blocking: string | null = null;
    const dailyRun = progress.awaitsDailyRun ?? [];
    if (topic === progress.clockTopic) blocking = this.gate.blocking(time, fetched, progress.awaits);
    if (blocking === null && dailyRun.length > 0 && this.lastTick !== null && time >= endOfDay(this.lastTick)) {
      time = this.lastTick;
      blocking = this.gate.blocking(time, fetched, dailyRun);
    }
    if (blocking === null && this.progressWaitSince === null) return true;
    const now = Date.now();
    const { metrics } = this.parts;
    if (blocking === null) {
      if (this.progressWaitSince !== null) this.endProgressWait(now);
      return true;
    }
    if (this.progressWaitSince === null) {
      this.progressWaitSince = now;
      this.progressWaitFor = blocking;
      for (const t of this.paused) this.parts.hooks.resume(t);
      this.paused.clear();
    }
    if (now - this.progressWaitSince >= progress.maxWaitMs) {
      this.endProgressWait(now);
      metrics.progressTimeouts.inc({ service: blocking });
      this.parts.logger.warn({ partition: this.partition, awaited: blocking, tick: new Date(time).toISOString(), waitedMs: progress.maxWaitMs }, 'tick taken without the progress of a service whose outputs this task reads; it may see fewer of them than a replay would');
      return true;
    }
    if (this.progressTimer === null) {
      this.progressTimer = setTimeout(() => {
        this.progressTimer = null;
        this.schedule();
      }, Math.max(1, this.progressWaitSince + progress.maxWaitMs - now));
      this.progressTimer.unref();
    }
    return false;
  }

  private endProgressWait(now: number): void {
    const waited = now - (this.progressWaitSince as number);
    this.progressWaitSince = null;
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = null;
    this.parts.metrics.progressWaitSeconds.inc({ service: this.progressWaitFor }, waited / 1000);
  }

  /**
   * Moves this task's completed business time on (a tick whose deferred work is done; without a clock, the progress
   * of the services it awaits whose outputs it has processed) and announces it when it moved.
   */
  private noteProgress(): void {
    const progress = this.parts.progress;
    if (progress === undefined || this.punctuations.length > 0 || this.stateName !== 'running') return;
    if (this.tickPending !== null) {
      this.completed = Math.max(this.completed ?? this.tickPending, this.tickPending);
      this.tickPending = null;
    }
    if (progress.clockTopic === undefined && this.gate !== null) {
      const reached = this.gate.reached((t) => (t in this.processed ? this.processed[t] : undefined), progress.awaits);
      if (reached !== null && (this.completed === null || reached > this.completed)) this.completed = reached;
    }
    if (progress.announces.length === 0 || this.completed === null) return;
    if (this.announcedTime !== null && this.completed <= this.announcedTime) return;
    const time = this.completed;
    this.announcedTime = time;
    this.announcing = this.announcing.then(() => this.announce(time));
  }

  /** Once the outputs so far are acknowledged, announces `time` with this partition's end offsets of the outputs. */
  private async announce(time: number): Promise<void> {
    const progress = this.parts.progress;
    const endOffsets = this.parts.hooks.endOffsets;
    if (progress === undefined || endOffsets === undefined) return;
    try {
      await this.parts.sender.flushed();
      if (this.stateName !== 'running') return;
      const ends = await this.retrying('progress', () => endOffsets(progress.announces));
      if (this.stateName !== 'running') return;
      this.parts.sender.push(progress.encode({ service: progress.service, time, ends }, this.partition));
    } catch (err) {
      if (this.stateName !== 'running') return;
      this.parts.logger.error({ partition: this.partition, code: errorCode(err), err: errorMessage(err) }, 'announcing progress failed; the services that await it wait for the next one');
    }
  }

  private schedule(): void {
    if (this.scheduled || this.stateName !== 'running') return;
    this.scheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.scheduled = false;
    if (this.stateName !== 'running') return;
    const { options, metrics, processor } = this.parts;
    // Deferred work first: it belongs to a record already processed, and no checkpoint is taken until it is done.
    const turnEnds = performance.now() + options.maxTurnMs;
    while (this.punctuations.length > 0) {
      const more = (this.punctuations[0] as Work<V>)(this.context);
      if (!more) this.punctuations.shift();
      if (performance.now() >= turnEnds) {
        this.schedule();
        return;
      }
    }
    this.noteProgress();
    if (this.held) return;
    if (this.uncommitted >= options.maxUncommittedRecords) {
      // Backpressure: wait for the running checkpoint (its completion schedules the pump again).
      if (this.blockedSince === null) {
        this.blockedSince = performance.now();
        this.blockedOn = 'checkpoint';
      }
      void this.checkpoint();
      return;
    }
    if (this.parts.sender.pending >= options.maxPendingOutputs) {
      // Backpressure from the broker: go on once what is queued now is acknowledged.
      if (this.blockedSince === null) {
        this.blockedSince = performance.now();
        this.blockedOn = 'broker';
      }
      void this.parts.sender.flushed().then(() => this.schedule());
      return;
    }
    if (this.blockedSince !== null) {
      metrics.backpressureSeconds.inc({ cause: this.blockedOn }, (performance.now() - this.blockedSince) / 1000);
      this.blockedSince = null;
    }
    let n = 0;
    while (n < options.recordsPerTurn && this.uncommitted < options.maxUncommittedRecords && this.parts.sender.pending < options.maxPendingOutputs) {
      if (n > 0 && performance.now() >= turnEnds) {
        n = options.recordsPerTurn;
        break;
      }
      const next = this.group.next(Date.now(), this.gate === null ? undefined : (topic, r) => this.admit(topic, r.time));
      if (next.kind === 'empty' || next.kind === 'held') break;
      if (next.kind === 'wait') {
        if (this.waitTimer === null) {
          this.waitTimer = setTimeout(() => {
            this.waitTimer = null;
            this.schedule();
          }, Math.max(1, next.untilMs - Date.now()));
        }
        break;
      }
      if (next.idled) metrics.idleWaits.inc({ topic: next.topic });
      const record = next.record.record;
      const started = performance.now();
      let rejection: Rejection | void = record.failure ?? undefined;
      const progress = this.parts.progress;
      try {
        // Progress records were read when fetched; the processor never sees them.
        if (!rejection && record.topic !== progress?.topic) rejection = processor.process(record, this.context);
      } catch (err) {
        // A bug or an input the processor did not foresee: the record is dead-lettered, the partition moves on.
        this.parts.logger.error({ partition: this.partition, topic: record.topic, offset: record.offset, code: errorCode(err), err: errorMessage(err) }, 'processor threw; record dead-lettered');
        rejection = { code: errorCode(err), message: errorMessage(err) };
      }
      if (rejection) {
        this.parts.sender.push(this.parts.deadLetter(record.message, rejection.code, rejection.message));
        metrics.records.inc({ topic: record.topic, outcome: 'dead_lettered' });
      } else metrics.records.inc({ topic: record.topic, outcome: 'processed' });
      metrics.processSeconds.observe({ topic: record.topic }, (performance.now() - started) / 1000);
      this.processed[record.topic] = record.offset + 1;
      this.uncommitted += 1;
      this.sinceSnapshot += 1;
      this.taken += 1;
      n += 1;
      if (progress?.clockTopic === record.topic && !rejection) {
        this.tickPending = Math.max(this.tickPending ?? record.time, record.time);
        this.lastTick = Math.max(this.lastTick ?? record.time, record.time);
        this.gate?.forget(this.lastTick);
      }
      this.noteProgress();
      if (this.punctuations.length > 0) {
        // The record deferred work: it runs before the next record.
        n = options.recordsPerTurn;
        break;
      }
    }
    for (const topic of this.paused) {
      if (this.group.sizeOf(topic) <= options.maxBufferedRecords / 2) {
        this.paused.delete(topic);
        this.parts.hooks.resume(topic);
      }
    }
    metrics.uncommittedRecords.set(this.label, this.uncommitted);
    metrics.bufferedRecords.set(this.label, this.group.size);
    // Half the bound: the checkpoint starts before processing has to wait for it (a long catch-up interval).
    if (this.uncommitted >= options.maxUncommittedRecords / 2 && this.checkpointing === null) void this.checkpoint();
    this.evict();
    if (n === options.recordsPerTurn || this.uncommitted >= options.maxUncommittedRecords || this.parts.sender.pending >= options.maxPendingOutputs) this.schedule();
  }
}
