import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { errorCode, errorMessage, isRetriable } from '@creditstream/errors';
import { buildDeadLetter, checkIdLengths, type EventProducer, type InboundMessage } from '@creditstream/kafka';
import type { Logger } from '@creditstream/logging';
import type { StandardMetrics } from '@creditstream/metrics';
import type { SchemaCodec } from '@creditstream/schema';
import type { CheckpointStore } from './checkpoint-store';
import { taskMetrics } from './metrics';
import { compileTaskOptions, type TaskOptions } from './options';
import { OutputSender } from './output-sender';
import type { QueuedRecord } from './partition-group';
import { compressedJsonSerde, type Serde } from './serde';
import { StreamsOptionsError } from './errors';
import { StreamTask, type Processor, type ProcessorContext, type TaskProgress, type TaskRecord } from './task';

export interface StreamsRunnerOptions<E, V> {
  kafka: Kafka;
  codec: SchemaCodec;
  producer: EventProducer;
  /** Service name: dead-letter envelopes, logs. */
  service: string;
  groupId: string;
  /** Co-partitioned input topics, keyed by customer id, in tie-break order (earlier wins at equal business time). */
  topics: readonly string[];
  deadLetterTopic: string;
  /** A processor per task (partition number). */
  processor(partition: number): Processor<E, V>;
  checkpoints: CheckpointStore;
  /** @default compressed JSON */
  serde?: Serde<V>;
  /** Business time of a record in ms. @default Date.parse(event.eventTime), else the Kafka timestamp */
  timeOf?(event: E, message: InboundMessage<E>): number;
  task?: TaskOptions;
  /**
   * How long the group waits for a silent member (a SIGKILLed process) before moving its partitions: with the
   * restore (~1 s) and a rejoin it bounds the takeover time. The broker's group.min.session.timeout.ms (6 s) is the
   * least it accepts.
   * @default 6000
   */
  sessionTimeoutMs?: number;
  /**
   * Time between heartbeats: the survivors learn of a rebalance at their next heartbeat, so a takeover takes up to
   * the session timeout plus this (kafkajs heartbeats from its fetch loop, between fetch responses).
   * @default sessionTimeoutMs / 6 (at least 500 ms)
   */
  heartbeatIntervalMs?: number;
  /**
   * Bytes fetched per partition per request: with `maxBufferedRecords`, what a replay buffers per input
   * topic-partition (a queue pauses beyond the bound, and the fetch in flight still lands). @default 256 KiB
   */
  maxBytesPerPartition?: number;
  /**
   * Progress between services (see progress.ts): the progress topic, the clock topic, the outputs this service's
   * announcements cover, and the services whose progress its ticks wait for. Absent: neither.
   */
  progress?: StreamsProgressOptions;
  /** Called when a task has been restored and processes (e.g. to re-score what another model scored meanwhile). */
  onRestored?(task: StreamTask<E, V>): void;
  /** Called when the consumer crashed beyond kafkajs' own restarts. */
  onCrash?(err: Error): void;
  metrics: StandardMetrics;
  logger: Logger;
}

export interface StreamsProgressOptions {
  /** The progress topic (co-partitioned with the inputs). */
  topic: string;
  /** The input topic of business-day ticks; absent: the service's progress is that of the services it awaits. */
  clockTopic?: string;
  /** Output topics announced. @default [] */
  announces?: readonly string[];
  /** Services (their names) whose progress a tick waits for. @default [] */
  awaits?: readonly string[];
  /** Services whose daily run (progress on the latest tick) the records of the following days wait for. @default [] */
  awaitsDailyRun?: readonly string[];
  /** Longest wait for them (ms): of a tick, or of a record of a day after an awaited daily run. @default 300000 */
  maxWaitMs?: number;
}

/** A service's partition tasks on one consumer: the one way stateful services consume. */
export interface StreamsRunner<E, V> {
  readonly name: string;
  start(): Promise<void>;
  /** Stops processing, writes a last checkpoint per task, leaves the group. */
  stop(): Promise<void>;
  /** The running tasks, by partition. */
  tasks(): ReadonlyMap<number, StreamTask<E, V>>;
  /** Runs `work` inside every running task, between its records. */
  punctuateAll(work: (context: ProcessorContext<V>, partition: number) => boolean | void): void;
  /** Checkpoints every task now; resolves when all are committed. */
  checkpointAll(): Promise<void>;
}

/** The event on the progress topic (schema creditstream.streams.progress.v1). */
interface StreamProgressEvent {
  eventId: string;
  eventTime: string;
  customerId: string;
  causationId: string | null;
  type: 'StreamProgress';
  payload: { service: string; partition: number; outputs: { topic: string; endOffset: number }[] };
}

/** The runner's progress options for its tasks, with the defaults applied and the progress codec wired. */
function compileProgress<E, V>(options: StreamsRunnerOptions<E, V>): TaskProgress | undefined {
  const p = options.progress;
  if (p === undefined) return undefined;
  const { codec, service } = options;
  const maxWaitMs = p.maxWaitMs ?? 300_000;
  if (!Number.isSafeInteger(maxWaitMs) || maxWaitMs < 0) throw new StreamsOptionsError('progress.maxWaitMs', `must be an integer ≥ 0, got ${JSON.stringify(maxWaitMs)}`);
  return {
    service,
    topic: p.topic,
    ...(p.clockTopic !== undefined ? { clockTopic: p.clockTopic } : {}),
    announces: p.announces ?? [],
    awaits: p.awaits ?? [],
    awaitsDailyRun: p.awaitsDailyRun ?? [],
    maxWaitMs,
    markOf: (event, time) => {
      const e = event as StreamProgressEvent | undefined;
      if (e?.type !== 'StreamProgress') return null;
      return { service: e.payload.service, time, ends: Object.fromEntries(e.payload.outputs.map((o) => [o.topic, Number(o.endOffset)])) };
    },
    encode: (mark, partition) => {
      const event: StreamProgressEvent = {
        eventId: `${mark.service}:${partition}:${mark.time}`,
        eventTime: new Date(mark.time).toISOString(),
        customerId: '*',
        causationId: null,
        type: 'StreamProgress',
        payload: { service: mark.service, partition, outputs: Object.entries(mark.ends).map(([topic, endOffset]) => ({ topic, endOffset })) },
      };
      return { topic: p.topic, key: '*', partition, value: codec.encode(p.topic, event) };
    },
  };
}

/** How often the runner looks for tasks that have records and process none (see watchStalls). */
const STALL_WATCH_MS = 30_000;

function defaultTime(event: unknown, message: InboundMessage<unknown>): number {
  const t = (event as { eventTime?: unknown } | undefined)?.eventTime;
  const ms = typeof t === 'string' ? Date.parse(t) : typeof t === 'number' ? t : NaN;
  return Number.isFinite(ms) ? ms : Number(message.timestamp);
}

/**
 * Creates the runner: one kafkajs consumer over the input topics whose fetches only decode and queue records into
 * the task of their partition (so fetching never waits for processing), tasks created and restored on assignment
 * and closed on revocation, per-topic-partition pause when a task's buffer is full, and offsets committed after
 * each task checkpoint.
 */
export function createStreamsRunner<E, V>(options: StreamsRunnerOptions<E, V>): StreamsRunner<E, V> {
  const { kafka, codec, logger } = options;
  const taskOptions = compileTaskOptions(options.task);
  const metrics = taskMetrics(options.metrics.registry);
  const serde = options.serde ?? compressedJsonSerde<V>();
  const timeOf = options.timeOf ?? (defaultTime as (e: E, m: InboundMessage<E>) => number);
  const sessionTimeout = options.sessionTimeoutMs ?? 6000;
  const tasks = new Map<number, StreamTask<E, V>>();
  const gaps = new Map<string, { offset: number; count: number }>();
  const progress = compileProgress(options);
  // A service that awaits another's progress reads the progress topic as its last input.
  const topicList: readonly string[] = progress !== undefined && progress.awaits.length + (progress.awaitsDailyRun?.length ?? 0) > 0 ? [...options.topics, progress.topic] : options.topics;
  const inputs = new Set(topicList);
  let stopping = false;
  let admin: Admin | null = null;
  let stallWatch: NodeJS.Timeout | null = null;

  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout,
    heartbeatInterval: options.heartbeatIntervalMs ?? Math.max(500, Math.floor(sessionTimeout / 6)),
    rebalanceTimeout: Math.max(sessionTimeout * 2, 10_000),
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 256 * 1024,
    maxBytes: 16 * 1024 * 1024,
  });

  const topicPartitions = (p: number) => topicList.map((topic) => ({ topic, partitions: [p] }));

  // The brokers whose fetch response is being queued: kafkajs hands its batches to eachBatch one after the other and
  // starts that broker's next fetch (FETCH_START) only once all are handled. Tasks take no record meanwhile, so
  // they choose across topics on everything the response brought (see StreamTask.hold).
  const delivering = new Set<number>();
  const holdTasks = (): void => {
    for (const task of tasks.values()) task.hold(delivering.size > 0);
  };

  function createTask(partition: number): StreamTask<E, V> {
    const sender = new OutputSender(options.producer, logger, taskOptions.retry);
    const task: StreamTask<E, V> = new StreamTask<E, V>({
      partition,
      topics: topicList,
      processor: options.processor(partition),
      checkpoints: options.checkpoints,
      serde,
      sender,
      encode: (topic, event) => codec.encode(topic, event),
      deadLetter: (message, code, reason) => {
        const e = message.event as { eventId?: unknown } | undefined;
        const dl = buildDeadLetter(codec, options.deadLetterTopic, options.service, { message: message as InboundMessage<unknown>, code, reason, eventId: typeof e?.eventId === 'string' ? e.eventId : null });
        options.metrics.deadLetters.inc({ topic: message.topic, reason: code });
        logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset, code, reason }, 'message dead-lettered');
        return { topic: options.deadLetterTopic, key: dl.key, value: dl.value };
      },
      hooks: {
        pause: (topic) => consumer.pause([{ topic, partitions: [partition] }]),
        resume: (topic) => consumer.resume([{ topic, partitions: [partition] }]),
        seek: (topic, offset) => consumer.seek({ topic, partition, offset: String(offset) }),
        commitOffsets: (positions) => consumer.commitOffsets(Object.entries(positions).map(([topic, offset]) => ({ topic, partition, offset: String(offset) }))),
        endOffsets: async (topics) => {
          const ends: Record<string, number> = {};
          for (const topic of topics) {
            const found = (await (admin as Admin).fetchTopicOffsets(topic)).find((x) => x.partition === partition);
            if (found === undefined) throw new RangeError(`topic ${topic} has no partition ${partition}`);
            ends[topic] = Number(found.high);
          }
          return ends;
        },
        onClosed: (closed) => {
          if (tasks.get(partition) !== (closed as unknown)) return;
          tasks.delete(partition);
          metrics.tasks.set(tasks.size);
          // Fenced while still assigned here (a rejoin after a session timeout): take it over again.
          if (!stopping) start(partition);
        },
      },
      options: taskOptions,
      metrics,
      logger,
      ...(progress ? { progress } : {}),
    });
    return task;
  }

  /**
   * Each input topic's watermarks, retried with backoff while the broker answers with a retriable error (a leader
   * election right after the topics were created answers NOT_LEADER_FOR_PARTITION). Null when the task was given up.
   */
  async function watermarks(partition: number, task: StreamTask<E, V>) {
    let delay = taskOptions.retry.initialMs;
    for (;;) {
      try {
        return await Promise.all(topicList.map(async (topic) => [topic, await (admin as Admin).fetchTopicOffsets(topic)] as const));
      } catch (err) {
        if (!isRetriable(err)) throw err;
        if (stopping || tasks.get(partition) !== task) return null;
        logger.warn({ partition, code: errorCode(err), err: errorMessage(err), backoffMs: delay }, 'reading watermarks failed with a retriable error; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(taskOptions.retry.maxMs, delay * 2);
        // The leaders may have moved: read the metadata again before the next try.
        await (admin as Admin).fetchTopicMetadata({ topics: [...topicList] }).catch(() => undefined);
      }
    }
  }

  /**
   * Every {@link STALL_WATCH_MS}, names the running tasks that have records to process and processed none since the
   * last look, with what each is waiting on (a diagnosis for the operator: a hold, backpressure, a checkpoint, a
   * send that has not settled).
   */
  const seen = new Map<number, { task: StreamTask<E, V>; processed: number; since: number }>();
  function watchStalls(): void {
    const now = Date.now();
    for (const [p, task] of tasks) {
      const processed = Object.values(task.positions).reduce((a, b) => a + b, 0);
      const last = seen.get(p);
      if (last === undefined || last.task !== task || last.processed !== processed || task.state !== 'running' || task.lag === 0) {
        seen.set(p, { task, processed, since: now });
        continue;
      }
      logger.warn({ partition: p, stalledS: Math.round((now - last.since) / 1000), delivering: [...delivering], ...task.snapshot() }, 'task has records to process and processed none since the last look');
    }
    for (const p of seen.keys()) if (!tasks.has(p)) seen.delete(p);
  }

  /** The instance's state budget, shared equally by its tasks. */
  function shareStateBudget(): void {
    if (taskOptions.stateBudgetBytes === Infinity) return;
    for (const task of tasks.values()) task.setStateBudget(Math.floor(taskOptions.stateBudgetBytes / tasks.size));
  }

  function start(partition: number): void {
    const task = createTask(partition);
    tasks.set(partition, task);
    metrics.tasks.set(tasks.size);
    shareStateBudget();
    consumer.pause(topicPartitions(partition));
    void (async () => {
      try {
        await task.restore();
        if (task.state !== 'restoring') return;
        const offsets = await watermarks(partition, task);
        if (offsets === null) return;
        for (const [topic, list] of offsets) {
          const p = list.find((x) => x.partition === partition);
          if (p) task.setWatermarks(topic, Number(p.low), Number(p.high));
        }
        if (stopping || task.state !== 'restoring' || tasks.get(partition) !== task) return;
        for (const topic of topicList) consumer.seek({ topic, partition, offset: String(task.expected(topic)) });
        task.begin();
        task.hold(delivering.size > 0);
        consumer.resume(topicPartitions(partition));
        options.onRestored?.(task);
      } catch (err) {
        if (stopping) return;
        logger.error({ partition, code: errorCode(err), err: errorMessage(err) }, 'task restore failed');
        if (tasks.get(partition) === task) tasks.delete(partition);
        options.onCrash?.(err instanceof Error ? err : new Error(String(err)));
      }
    })();
  }

  function onAssignment(assignment: Record<string, number[]>): void {
    const next = new Set<number>();
    for (const [topic, partitions] of Object.entries(assignment)) if (inputs.has(topic)) for (const p of partitions) next.add(p);
    for (const [p, task] of tasks) {
      if (next.has(p)) continue;
      tasks.delete(p);
      for (const topic of topicList) options.metrics.consumerLag.remove({ topic, partition: String(p) });
      void task.close({ checkpoint: true });
    }
    for (const p of next) {
      const kept = tasks.get(p);
      if (kept === undefined) start(p);
      // A rejoin resets the fetch positions to the committed offsets, behind what a kept task has processed.
      else if (kept.state === 'running') for (const topic of topicList) consumer.seek({ topic, partition: p, offset: String(kept.expected(topic)) });
    }
    metrics.tasks.set(tasks.size);
    shareStateBudget();
    logger.info({ partitions: [...next].sort((a, b) => a - b) }, 'tasks assigned');
  }

  async function eachBatch({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const task = tasks.get(partition);
    if (task === undefined || task.state !== 'running' || batch.messages.length === 0) return;
    const expected = task.expected(topic);
    const key = `${topic}:${partition}`;
    const first = Number((batch.messages[0] as { offset: string }).offset);
    if (first > expected) {
      const seen = gaps.get(key);
      const count = seen?.offset === expected ? seen.count + 1 : 1;
      gaps.set(key, { offset: expected, count });
      if (count >= 3) task.acceptGap(topic, first);
    } else gaps.delete(key);
    const records: QueuedRecord<TaskRecord<E>>[] = [];
    // The last offset this batch settled (queued, or below the task's position: a duplicate). kafkajs fetches from
    // the resolved offset, so a batch of duplicates must be resolved too, or it would be fetched again forever.
    let settled: string | null = null;
    for (const m of batch.messages) {
      const offset = Number(m.offset);
      if (offset < expected) {
        settled = m.offset;
        continue;
      }
      const base = { topic, partition, offset, key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: m.timestamp };
      let message: InboundMessage<E>;
      let failure: { code: string; message: string } | null;
      try {
        message = { ...base, event: await codec.decode<E>(topic, m.value) };
        // Ids too long to keep are refused here, once for every service, before any processor copies them.
        failure = checkIdLengths(message.event, m.key ? m.key.toString('utf8') : null);
      } catch (err) {
        // The registry being unreachable is not the record's fault: stop here, the fetch repeats.
        if (isRetriable(err)) {
          logger.warn({ topic, partition, offset, code: errorCode(err), err: errorMessage(err) }, 'decoding failed with a retriable error; fetching again');
          break;
        }
        message = { ...base, event: undefined as E };
        failure = { code: errorCode(err), message: errorMessage(err) };
      }
      // An undecodable record has no business time: it is taken as soon as it heads its queue (dead-lettered in
      // place), never held back behind the other topics by its wall-clock Kafka timestamp.
      const time = failure ? Number.NEGATIVE_INFINITY : timeOf(message.event, message);
      records.push({ offset, time, record: { topic, partition, offset, key: m.key ? m.key.toString('utf8') : null, time, event: message.event, message, failure } });
      settled = m.offset;
    }
    task.enqueue(topic, records, Number(batch.highWatermark));
    // Messages behind this batch not fetched yet; with creditstream_task_buffered_records, what the group lags by.
    options.metrics.consumerLag.set({ topic, partition: String(partition) }, Math.max(0, Number(batch.offsetLag())));
    if (settled !== null) resolveOffset(settled);
  }

  return {
    name: `streams:${options.groupId}`,
    tasks: () => tasks,
    punctuateAll(work) {
      for (const [p, task] of tasks) if (task.state === 'running') task.punctuate((c) => work(c, p));
    },
    async checkpointAll() {
      await Promise.all([...tasks.values()].map((t) => t.checkpoint()));
    },
    async start() {
      admin = kafka.admin();
      await admin.connect();
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        metrics.groupJoins.inc();
        onAssignment(e.payload.memberAssignment);
      });
      consumer.on(consumer.events.FETCH, (e) => {
        delivering.add(e.payload.nodeId);
        holdTasks();
      });
      consumer.on(consumer.events.FETCH_START, (e) => {
        delivering.delete(e.payload.nodeId);
        holdTasks();
      });
      // A consumer that crashed or stopped delivers nothing more of its last response.
      for (const event of [consumer.events.CRASH, consumer.events.STOP]) {
        consumer.on(event, () => {
          delivering.clear();
          holdTasks();
        });
      }
      consumer.on(consumer.events.CRASH, (e) => {
        if (e.payload.restart) logger.warn({ err: e.payload.error }, 'consumer crashed; kafkajs restarts it');
        else logger.error({ err: e.payload.error }, 'consumer crashed');
        if (!e.payload.restart) options.onCrash?.(e.payload.error);
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [...topicList], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
      stallWatch = setInterval(watchStalls, STALL_WATCH_MS);
      stallWatch.unref();
    },
    async stop() {
      stopping = true;
      if (stallWatch) clearInterval(stallWatch);
      await Promise.all([...tasks.values()].map((t) => t.close({ checkpoint: true })));
      tasks.clear();
      metrics.tasks.set(0);
      await consumer.disconnect();
      await admin?.disconnect();
    },
  };
}
