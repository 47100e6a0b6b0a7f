import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { CreditstreamError, errorCode, errorMessage, isRetriable } from '@creditstream/errors';
import type { Logger } from '@creditstream/logging';
import type { StandardMetrics } from '@creditstream/metrics';
import type { SchemaCodec } from '@creditstream/schema';
import type { EventProducer } from './producer';
import { checkIdLengths } from './ids';
import { buildDeadLetter, type DeadLetterItem } from './dead-letter';
import { GroupRebalancingError } from './errors';

/** A consumed message with its decoded event. */
export interface InboundMessage<E = unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  /** Kafka timestamp in ms, as a string (kafkajs' form). */
  readonly timestamp: string;
  readonly event: E;
}

/** What a handler may report besides success: messages it refuses, each with its reason. */
export interface BatchOutcome<E = unknown> {
  rejected?: { message: InboundMessage<E>; error: CreditstreamError }[];
}

export interface BatchContext {
  readonly topic: string;
  readonly partition: number;
  /** Keeps the group membership alive during long work. */
  heartbeat(): Promise<void>;
}

/**
 * Processes messages of ONE topic-partition, in offset order, and returns only after their durable effects are done:
 * the runner resolves and commits the offsets right after. Must be idempotent: after a crash the same messages come
 * again. Throw a retriable error to have the batch retried with backoff; a non-retriable error makes the runner
 * find the poison message(s) one by one and dead-letter them.
 */
export type BatchHandler<E> = (messages: InboundMessage<E>[], context: BatchContext) => Promise<BatchOutcome<E> | void>;

export interface ConsumerRunnerOptions<E> {
  kafka: Kafka;
  codec: SchemaCodec;
  /** Used for dead letters. */
  producer: EventProducer;
  /** Service name: group id default, dead-letter topic and envelope. */
  service: string;
  topics: readonly string[];
  handler: BatchHandler<E>;
  /** Dead-letter topic. Its schema must be registered with the codec. @default `creditstream.<service>.dlq.v1` */
  deadLetterTopic?: string;
  /** @default service */
  groupId?: string;
  /** Start from the earliest offset when the group has no committed offset. @default true */
  fromBeginning?: boolean;
  /** @default 2 */
  partitionsConsumedConcurrently?: number;
  /** Largest number of messages handed to the handler at once. @default 1000 */
  maxBatchSize?: number;
  /** Most bytes fetched per partition per request: larger fetches mean larger batches under a backlog. @default 1 MiB */
  maxBytesPerPartition?: number;
  /** Backoff for retriable errors: doubles from `initialMs` up to `maxMs`, retrying until it works or the runner stops. */
  retry?: { initialMs?: number; maxMs?: number };
  /**
   * How long the group waits for a silent member (e.g. a SIGKILLed process) before reassigning its partitions.
   * Lower means faster takeover after a crash; it must be within the broker's group.min/max.session.timeout.ms.
   * @default 30000
   */
  sessionTimeoutMs?: number;
  /**
   * Called after the group (re)assigned partitions to this member, before any batch of the new assignment: the
   * place to drop caches of partitions another member may have written meanwhile.
   */
  onRebalance?: (assignment: Record<string, number[]>) => void;
  /** Called when the consumer crashes with an error kafkajs will not restart from. */
  onCrash?: (err: Error) => void;
  metrics?: StandardMetrics;
  logger?: Logger;
}

/** Topic name of a service's dead-letter topic. */
export function deadLetterTopicFor(service: string): string {
  return `creditstream.${service}.dlq.v1`;
}

/** The one consumer loop: batching, per-partition order, offsets after effects, retries, dead letters, draining. */
export interface ConsumerRunner {
  /** `consumer:<groupId>`; a runner is a service runtime component. */
  readonly name: string;
  start(): Promise<void>;
  /** Stops fetching, lets the in-flight chunk finish, commits what was processed, leaves the group. */
  stop(): Promise<void>;
  readonly running: boolean;
}

/** Creates the consumer runner. Offsets are committed after every handled chunk, never before its effects. */
export function createConsumerRunner<E>(options: ConsumerRunnerOptions<E>): ConsumerRunner {
  const { codec, producer, handler, metrics, logger } = options;
  const deadLetterTopic = options.deadLetterTopic ?? deadLetterTopicFor(options.service);
  const maxBatchSize = options.maxBatchSize ?? 1000;
  const initialBackoff = options.retry?.initialMs ?? 100;
  const maxBackoff = options.retry?.maxMs ?? 5000;
  let stopping = false;
  let running = false;

  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId ?? options.service,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    maxBytes: Math.max(10 * 1024 * 1024, 2 * (options.maxBytesPerPartition ?? 0)),
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
  });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    logger?.info({ assignment: e.payload.memberAssignment }, 'partitions assigned');
    options.onRebalance?.(e.payload.memberAssignment);
  });
  consumer.on(consumer.events.CRASH, (e) => {
    const err = e.payload.error;
    logger?.error({ err, restart: e.payload.restart }, 'consumer crashed');
    if (!e.payload.restart) options.onCrash?.(err);
  });

  async function decodeAll(topic: string, partition: number, raw: KafkaMessage[], dead: DeadLetterItem[]): Promise<InboundMessage<E>[]> {
    const out: InboundMessage<E>[] = [];
    for (const m of raw) {
      const base = { topic, partition, offset: Number(m.offset), key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: m.timestamp };
      let event: E;
      try {
        event = await codec.decode<E>(topic, m.value);
      } catch (err) {
        if (isRetriable(err)) throw err;
        dead.push({ message: { ...base, event: undefined }, code: errorCode(err), reason: errorMessage(err), eventId: null });
        continue;
      }
      const tooLong = checkIdLengths(event, m.key ? m.key.toString('utf8') : null);
      if (tooLong) dead.push({ message: { ...base, event }, code: tooLong.code, reason: tooLong.message, eventId: null });
      else out.push({ ...base, event });
    }
    return out;
  }

  function eventIdOf(message: InboundMessage<E>): string | null {
    const e = message.event as { eventId?: unknown } | undefined;
    return typeof e?.eventId === 'string' ? e.eventId : null;
  }

  function reject(dead: DeadLetterItem[], message: InboundMessage<E>, err: unknown): void {
    dead.push({ message, code: errorCode(err), reason: errorMessage(err), eventId: eventIdOf(message) });
  }

  /** One attempt at a chunk: decode, handle, dead-letter the rejects. Throws only retriable errors. */
  async function processChunk(topic: string, partition: number, raw: KafkaMessage[], ctx: BatchContext): Promise<void> {
    const dead: DeadLetterItem[] = [];
    const messages = await decodeAll(topic, partition, raw, dead);
    if (messages.length > 0) {
      const started = process.hrtime.bigint();
      try {
        const outcome = await handler(messages, ctx);
        for (const r of outcome?.rejected ?? []) reject(dead, r.message, r.error);
      } catch (err) {
        if (isRetriable(err)) throw err;
        logger?.warn({ topic, partition, code: errorCode(err) }, 'batch failed with a non-retriable error; isolating poison messages');
        for (const m of messages) {
          try {
            const outcome = await handler([m], ctx);
            for (const r of outcome?.rejected ?? []) reject(dead, r.message, r.error);
          } catch (single) {
            if (isRetriable(single)) throw single;
            reject(dead, m, single);
          }
        }
      }
      metrics?.handlerDuration.observe({ topic }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    if (dead.length > 0) {
      dead.sort((a, b) => a.message.offset - b.message.offset);
      await producer.sendRaw(deadLetterTopic, dead.map((d) => buildDeadLetter(codec, deadLetterTopic, options.service, d)));
      for (const d of dead) {
        metrics?.deadLetters.inc({ topic, reason: d.code });
        logger?.warn({ topic, partition, offset: d.message.offset, code: d.code, reason: d.reason }, 'message dead-lettered');
      }
    }
    metrics?.consumedMessages.inc({ topic, outcome: 'processed' }, raw.length - dead.length);
    if (dead.length > 0) metrics?.consumedMessages.inc({ topic, outcome: 'dead_lettered' }, dead.length);
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    // kafkajs reports a rebalance through heartbeat() as a non-retriable protocol error; inside a handler it would
    // look like a poison message and send good messages to the dead-letter topic.
    const ctx: BatchContext = {
      topic,
      partition,
      heartbeat: async () => {
        try {
          await heartbeat();
        } catch (err) {
          throw new GroupRebalancingError(topic, partition, err);
        }
      },
    };
    const started = process.hrtime.bigint();
    for (let i = 0; i < batch.messages.length; i += maxBatchSize) {
      if (!isRunning() || isStale() || stopping) break;
      const chunk = batch.messages.slice(i, i + maxBatchSize);
      let backoff = initialBackoff;
      for (let attempt = 1; ; attempt++) {
        try {
          await processChunk(topic, partition, chunk, ctx);
          break;
        } catch (err) {
          if (!isRetriable(err)) throw err;
          metrics?.consumerRetries.inc({ topic, code: errorCode(err) });
          logger?.warn({ topic, partition, attempt, code: errorCode(err), err: errorMessage(err), backoffMs: backoff }, 'retriable error; retrying chunk');
          if (!isRunning() || isStale()) return;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(maxBackoff, backoff * 2);
          await heartbeat();
        }
      }
      const last = chunk[chunk.length - 1];
      if (last) resolveOffset(last.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
      metrics?.consumerLag.set({ topic, partition: String(partition) }, Math.max(0, Number(batch.highWatermark) - 1 - Number(last?.offset ?? 0)));
    }
    metrics?.consumerBatchDuration.observe({ topic }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  return {
    name: `consumer:${options.groupId ?? options.service}`,
    get running() {
      return running;
    },
    async start() {
      await consumer.connect();
      for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: true,
        autoCommitThreshold: 1,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 2,
        eachBatch,
      });
      running = true;
    },
    async stop() {
      stopping = true;
      await consumer.disconnect();
      running = false;
    },
  };
}
