import { StreamsOptionsError } from './errors';

/** Tuning of the partition-task runtime. Every field has a documented default; {@link compileTaskOptions} checks them. */
export interface TaskOptions {
  /**
   * Longest wait (ms) for a lagging input topic-partition (known to hold records beyond what was fetched) that has
   * nothing buffered, before the task processes the other topics' records without it. The wait ends as soon as its
   * fetch arrives, and a topic-partition at its end is never waited for (live operation never waits). Long by
   * default: a replay reordered by one slow fetch would emit other intermediate versions than the run it replays.
   * @default 30000
   */
  maxIdleMs?: number;
  /** Time (ms) between checkpoints: the most work a crash can lose, and the read models' freshness. @default 2000 */
  commitIntervalMs?: number;
  /**
   * Time (ms) between checkpoints while the task is catching up (`catchUpLagRecords` or more records not processed,
   * or more than a commit interval of work behind: it did not get through, within the last interval, the records
   * that were waiting when it began): a replay or a backlog
   * then rewrites each changed value once per this interval instead of once per `commitIntervalMs`, as Kafka
   * Streams' record cache coalesces writes over its 30 s commit interval. A checkpoint still starts early once half
   * of `maxUncommittedRecords` are uncommitted. At least `commitIntervalMs`. @default 30000
   */
  catchUpCommitIntervalMs?: number;
  /**
   * Records in the task's input logs not processed yet (fetched or not, up to the high watermarks) from which the
   * task is catching up whatever its pace: live operation stays far below it. @default 10000
   */
  catchUpLagRecords?: number;
  /**
   * Records processed but not yet checkpointed beyond which processing waits for the running checkpoint
   * (backpressure; counted in creditstream_task_backpressure_seconds_total). @default 50000
   */
  maxUncommittedRecords?: number;
  /**
   * Outputs produced but not yet acknowledged beyond which processing waits for the broker (a replay can produce
   * faster than one request in flight sends; memory: encoded outputs). @default 2000
   */
  maxPendingOutputs?: number;
  /**
   * Records buffered per input topic-partition beyond which its fetching pauses. The buffers are a replay's largest
   * memory (decoded records with their fetched bytes, ~1 kB each, in every input topic-partition of the instance);
   * a live stream never fills them. Kafka Streams buffers 1,000 per partition.
   * @default 500
   */
  maxBufferedRecords?: number;
  /**
   * Slots per partition: the unit of a checkpoint write. Fewer slots mean fewer, larger documents per checkpoint.
   * Changing it needs no migration (a restore reads every slot, the next checkpoint writes the new layout).
   * @default 16
   */
  slots?: number;
  /**
   * Bytes a slot document may reach (its keys' compact values and read-model views): past it, the task doubles its
   * slot count (every slot is rewritten once in the new layout, kept in the checkpoint) until each fits. Half of
   * MongoDB's 16 MiB document limit. @default 8388608
   */
  maxSlotBytes?: number;
  /** Records processed per turn of the event loop before yielding to I/O. @default 500 */
  recordsPerTurn?: number;
  /** Longest turn (ms) of processing or deferred work before yielding to I/O (heartbeats, fetches, sends). @default 10 */
  maxTurnMs?: number;
  /**
   * Bytes (JSON size) of the values a task keeps as live objects, for processors that allow it (`evictable`): the
   * least recently used checkpointed values beyond it stay only in their compact (compressed) form and are read back
   * when needed. A service's instance budget is shared by its tasks (the runner sets each task's share).
   * @default Infinity (unbounded)
   */
  stateBudgetBytes?: number;
  /** Backoff of failed sends and checkpoints. @default { initialMs: 100, maxMs: 5000 } */
  retry?: { initialMs?: number; maxMs?: number };
}

export type CompiledTaskOptions = Required<Omit<TaskOptions, 'retry'>> & { retry: { initialMs: number; maxMs: number } };

function positiveInt(path: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new StreamsOptionsError(path, `must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return value;
}

/** Applies the defaults and validates; errors name the option and its value. */
export function compileTaskOptions(options: TaskOptions = {}): CompiledTaskOptions {
  const retry = {
    initialMs: positiveInt('retry.initialMs', options.retry?.initialMs, 100),
    maxMs: positiveInt('retry.maxMs', options.retry?.maxMs, 5000),
  };
  if (retry.maxMs < retry.initialMs) throw new StreamsOptionsError('retry.maxMs', `must be ≥ retry.initialMs (${retry.initialMs}), got ${retry.maxMs}`);
  const commitIntervalMs = positiveInt('commitIntervalMs', options.commitIntervalMs, 2000, 10);
  return {
    maxIdleMs: positiveInt('maxIdleMs', options.maxIdleMs, 30_000, 0),
    commitIntervalMs,
    catchUpCommitIntervalMs: positiveInt('catchUpCommitIntervalMs', options.catchUpCommitIntervalMs, Math.max(30_000, commitIntervalMs), commitIntervalMs),
    catchUpLagRecords: positiveInt('catchUpLagRecords', options.catchUpLagRecords, 10_000),
    maxUncommittedRecords: positiveInt('maxUncommittedRecords', options.maxUncommittedRecords, 50_000),
    maxBufferedRecords: positiveInt('maxBufferedRecords', options.maxBufferedRecords, 500),
    maxPendingOutputs: positiveInt('maxPendingOutputs', options.maxPendingOutputs, 2000),
    slots: positiveInt('slots', options.slots, 16),
    maxSlotBytes: positiveInt('maxSlotBytes', options.maxSlotBytes, 8 * 2 ** 20, 1024),
    recordsPerTurn: positiveInt('recordsPerTurn', options.recordsPerTurn, 500),
    maxTurnMs: positiveInt('maxTurnMs', options.maxTurnMs, 10),
    stateBudgetBytes: options.stateBudgetBytes === undefined || options.stateBudgetBytes === Infinity ? Infinity : positiveInt('stateBudgetBytes', options.stateBudgetBytes, Infinity, 0),
    retry,
  };
}
