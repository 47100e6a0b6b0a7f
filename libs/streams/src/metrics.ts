import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry } from '@creditstream/metrics';

/** The partition-task runtime's metrics. Labels are bounded: partition numbers and topics, never keys. */
export interface TaskMetrics {
  records: Counter<'topic' | 'outcome'>;
  processSeconds: Histogram<'topic'>;
  checkpointSeconds: Histogram;
  checkpointDocuments: Counter;
  checkpointFailures: Counter<'code'>;
  checkpointBytes: Counter;
  uncommittedRecords: Gauge<'partition'>;
  backpressureSeconds: Counter<'cause'>;
  catchingUp: Gauge<'partition'>;
  idleWaits: Counter<'topic'>;
  stateKeys: Gauge<'partition'>;
  stateBytes: Gauge<'partition'>;
  restoreSeconds: Histogram;
  tasks: Gauge;
  fenced: Counter;
  bufferedRecords: Gauge<'partition'>;
  liveBytes: Gauge<'partition'>;
  stateLoads: Counter;
  stateEvictions: Counter;
  progressWaitSeconds: Counter<'service'>;
  progressTimeouts: Counter<'service'>;
  groupJoins: Counter;
}

let cached: WeakMap<Registry, TaskMetrics> = new WeakMap();

/** The runtime's metrics on `registry` (created once per registry). */
export function taskMetrics(registry: Registry): TaskMetrics {
  const known = cached.get(registry);
  if (known) return known;
  const registers = [registry];
  const m: TaskMetrics = {
    records: new Counter({ name: 'creditstream_task_records_total', help: 'Input records taken by partition tasks, by outcome: processed, dead_lettered, duplicate (below the task position).', labelNames: ['topic', 'outcome'], registers }),
    processSeconds: new Histogram({ name: 'creditstream_task_process_seconds', help: 'Time to process one input record in memory (the hot path), by input topic.', labelNames: ['topic'], buckets: [0.00001, 0.000025, 0.00005, ...DURATION_BUCKETS], registers }),
    checkpointSeconds: new Histogram({ name: 'creditstream_task_checkpoint_seconds', help: 'Time of one checkpoint: outputs acknowledged, changed slots and side logs written, commit point, offsets committed.', buckets: DURATION_BUCKETS, registers }),
    checkpointDocuments: new Counter({ name: 'creditstream_task_checkpoint_documents_total', help: 'MongoDB documents written by checkpoints (slots, side logs, task documents).', registers }),
    checkpointFailures: new Counter({ name: 'creditstream_task_checkpoint_failures_total', help: 'Checkpoint attempts that failed, by error code (retried).', labelNames: ['code'], registers }),
    checkpointBytes: new Counter({ name: 'creditstream_task_checkpoint_bytes_total', help: 'Serialised state bytes written by checkpoints.', registers }),
    uncommittedRecords: new Gauge({ name: 'creditstream_task_uncommitted_records', help: 'Records processed since the last committed checkpoint (bounded by maxUncommittedRecords).', labelNames: ['partition'], registers }),
    backpressureSeconds: new Counter({ name: 'creditstream_task_backpressure_seconds_total', help: 'Time processing waited because the uncommitted backlog reached its bound (cause="checkpoint": for the running checkpoint) or the unacknowledged outputs did (cause="broker").', labelNames: ['cause'], registers }),
    catchingUp: new Gauge({ name: 'creditstream_task_catching_up', help: 'Whether the task is catching up (1: its input logs hold at least catchUpLagRecords unprocessed records, or it is more than a commit interval of work behind; it checkpoints every catchUpCommitIntervalMs), as of its latest commit timer.', labelNames: ['partition'], registers }),
    idleWaits: new Counter({ name: 'creditstream_task_idle_waits_total', help: 'Times a task processed without a lagging topic-partition after waiting maxIdleMs for it.', labelNames: ['topic'], registers }),
    stateKeys: new Gauge({ name: 'creditstream_task_state_keys', help: 'Keys held in memory by the task.', labelNames: ['partition'], registers }),
    stateBytes: new Gauge({ name: 'creditstream_task_state_bytes', help: 'Serialised (compressed) bytes of the task state, as of its last checkpoint.', labelNames: ['partition'], registers }),
    restoreSeconds: new Histogram({ name: 'creditstream_task_restore_seconds', help: 'Time to take a task over: raise its epoch and load its checkpoint.', buckets: DURATION_BUCKETS, registers }),
    tasks: new Gauge({ name: 'creditstream_tasks', help: 'Partition tasks this instance runs.', registers }),
    fenced: new Counter({ name: 'creditstream_task_fenced_total', help: 'Tasks given up because another instance took them over.', registers }),
    liveBytes: new Gauge({ name: 'creditstream_task_state_live_bytes', help: 'Bytes (JSON, as measured at loads and checkpoints) of the task values held as live objects; bounded by the state budget when the service sets one.', labelNames: ['partition'], registers }),
    stateLoads: new Counter({ name: 'creditstream_task_state_loads_total', help: 'Values read back from their compact checkpointed form because they had left the live tier (the state budget).', registers }),
    stateEvictions: new Counter({ name: 'creditstream_task_state_evictions_total', help: 'Checkpointed values dropped from the live tier to keep the state budget (they stay in compact form).', registers }),
    progressWaitSeconds: new Counter({ name: 'creditstream_task_progress_wait_seconds_total', help: 'Time business-day ticks waited for the progress of a service whose outputs the task reads (so it takes them in the order a replay would), by that service.', labelNames: ['service'], registers }),
    progressTimeouts: new Counter({ name: 'creditstream_task_progress_timeouts_total', help: 'Ticks taken without the awaited service\'s progress after the longest wait: that service is down or lags, and this tick may see fewer of its outputs than a replay would.', labelNames: ['service'], registers }),
    groupJoins: new Counter({ name: 'creditstream_group_joins_total', help: 'Times this instance joined its consumer group: once at start, again at every rebalance — an instance of the group started or stopped, or this one was dropped for a heartbeat later than the session timeout (a CPU-starved host).', registers }),
    bufferedRecords: new Gauge({ name: 'creditstream_task_buffered_records', help: 'Fetched records waiting in the task, all input topics.', labelNames: ['partition'], registers }),
  };
  // Both causes exist from the start, at 0: a process that never waited still shows its series (dashboards, rates).
  for (const cause of ['checkpoint', 'broker']) m.backpressureSeconds.inc({ cause }, 0);
  cached.set(registry, m);
  return m;
}

/** For tests that create many registries. */
export function forgetTaskMetrics(): void {
  cached = new WeakMap();
}
