import { CompressionTypes, Partitioners, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from '@creditstream/logging';
import type { StandardMetrics } from '@creditstream/metrics';
import type { SchemaCodec } from '@creditstream/schema';
import { BrokerUnavailableError } from './errors';

/** One event to publish. The key is the customer id, so one partition owns one customer's history. */
export interface OutboundMessage<E = unknown> {
  key: string;
  event: E;
  /** Explicit partition, only for broadcast topics such as the clock. */
  partition?: number;
  headers?: IHeaders;
}

export interface EventProducerOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  metrics?: StandardMetrics;
  logger?: Logger;
  /** Largest request (keys and values) sent at once; larger sends are split in order. @default 512 KiB */
  maxRequestBytes?: number;
}

/**
 * Publishes Avro-encoded events, acknowledged by all in-sync replicas. A send that is retried after its response was
 * lost may be written twice: every event has a deterministic id and consumers drop duplicates by id.
 */
export interface EventProducer {
  connect(): Promise<void>;
  /** Encodes and sends `messages` to `topic`; resolves when the broker has acknowledged them. */
  send<E>(topic: string, messages: readonly OutboundMessage<E>[]): Promise<void>;
  /** Sends to several topics, in as few requests as the size limit allows (see maxRequestBytes). */
  sendBatch(batches: readonly { topic: string; messages: readonly OutboundMessage[] }[]): Promise<void>;
  /** Sends pre-encoded values (e.g. dead letters' original bytes are inside an encoded envelope). */
  sendRaw(topic: string, messages: readonly EncodedMessage[]): Promise<void>;
  /**
   * Sends pre-encoded values to several topics in as few requests as the size limit allows (one per broker when they
   * fit); each topic-partition keeps the order given. Resolves when the broker has acknowledged them all.
   */
  sendRawBatch(batches: readonly { topic: string; messages: readonly EncodedMessage[] }[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** Creates the one producer every creditstream process uses. */
export function createProducer(options: EventProducerOptions): EventProducer {
  const { codec, metrics } = options;
  // Not idempotent: kafkajs' idempotent producer sends one request at a time per broker for the whole process (a
  // lock around each request's round trip, for its sequence numbers), so the six tasks of a service queued behind each
  // other's requests (0.48 s per request on average in the scoring benchmark's replay; 6 concurrent senders on the
  // local broker: 27,700 messages/s idempotent, 37,600 without), and a sequence number out of step after a partial
  // failure leaves it refusing every send (kafkajs #598). Order needs no idempotence here: each partition task's
  // outputs go out one request after the other (OutputSender), and a send retried after a lost response is at worst
  // a duplicate, which consumers drop by event id.
  // Unlimited retries: a send waits out leader moves and short outages; once the client's connection retries
  // (createKafka) are spent, about 20 s of a broker down, it fails with the retriable BrokerUnavailableError, which
  // callers retry (the task output sender, the CLI's Kafka sink).
  // The partitioner is named (kafkajs 2's default, the Java client's murmur2 one) so kafkajs does not warn at every start.
  const producer: Producer = options.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false, maxInFlightRequests: 5, allowAutoTopicCreation: false, retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 } });

  /**
   * Sends in requests of at most `maxRequestBytes` of keys and values, one after the other (so in order): the broker
   * refuses a record batch over its max.message.bytes (1 MiB by default) with MESSAGE_TOO_LARGE, which kafkajs
   * retries forever. Regression: a scoring chunk of 200 customers emitted a few MB of predictions and its partition
   * stopped there. A failure part-way leaves the earlier requests sent; the caller's retry repeats them (consumers
   * drop duplicates by event id).
   */
  async function sendEncoded(topicMessages: EncodedBatch[]): Promise<void> {
    for (const request of splitRequests(topicMessages, options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES)) await sendRequest(request);
  }

  async function sendRequest(topicMessages: EncodedBatch[]): Promise<void> {
    const nonEmpty = topicMessages.filter((t) => t.messages.length > 0);
    if (nonEmpty.length === 0) return;
    const started = process.hrtime.bigint();
    try {
      await producer.sendBatch({ topicMessages: nonEmpty, acks: -1, compression: CompressionTypes.None });
    } catch (err) {
      for (const t of nonEmpty) metrics?.producerErrors.inc({ topic: t.topic });
      throw new BrokerUnavailableError(`producing to ${nonEmpty.map((t) => t.topic).join(', ')} failed: ${(err as Error).message}`, err);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const t of nonEmpty) {
      metrics?.producedMessages.inc({ topic: t.topic }, t.messages.length);
      metrics?.produceDuration.observe({ topic: t.topic }, seconds);
    }
  }

  function encode(topic: string, messages: readonly OutboundMessage[]) {
    return {
      topic,
      messages: messages.map((m) => ({
        key: m.key,
        value: codec.encode(topic, m.event),
        ...(m.partition === undefined ? {} : { partition: m.partition }),
        ...(m.headers ? { headers: m.headers } : {}),
      })),
    };
  }

  return {
    connect: () => producer.connect(),
    send: (topic, messages) => sendEncoded([encode(topic, messages)]),
    sendBatch: (batches) => sendEncoded(batches.map((b) => encode(b.topic, b.messages))),
    sendRaw: (topic, messages) => sendEncoded([{ topic, messages: [...messages] }]),
    sendRawBatch: (batches) => sendEncoded(batches.map((b) => ({ topic: b.topic, messages: [...b.messages] }))),
    disconnect: () => producer.disconnect(),
  };
}

/** A pre-encoded record: the value's bytes as they go on the wire. */
export type EncodedMessage = { key: Buffer | string | null; value: Buffer; partition?: number; headers?: IHeaders };
type EncodedBatch = { topic: string; messages: EncodedMessage[] };

/** Bytes per producer request by default: half the broker's default max.message.bytes (1 MiB), leaving room for framing. */
export const DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;

/** Framing counted per record beside its key and value (record headers, offsets, lengths). */
const RECORD_OVERHEAD_BYTES = 64;

/**
 * Splits topic batches into requests of at most `maxBytes` (keys, values and a per-record overhead), keeping the
 * order of the messages; a message larger than `maxBytes` goes alone in its request.
 */
export function splitRequests(batches: readonly EncodedBatch[], maxBytes: number): EncodedBatch[][] {
  const requests: EncodedBatch[][] = [];
  let current: EncodedBatch[] = [];
  let bytes = 0;
  for (const batch of batches) {
    let open: EncodedBatch | null = null;
    for (const m of batch.messages) {
      const size = m.value.length + (m.key === null ? 0 : Buffer.byteLength(m.key)) + RECORD_OVERHEAD_BYTES;
      if (bytes > 0 && bytes + size > maxBytes) {
        requests.push(current);
        current = [];
        bytes = 0;
        open = null;
      }
      if (open === null) {
        open = { topic: batch.topic, messages: [] };
        current.push(open);
      }
      open.messages.push(m);
      bytes += size;
    }
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
