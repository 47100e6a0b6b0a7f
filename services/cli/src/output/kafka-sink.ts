import { errorMessage, isRetriable } from '@creditstream/errors';
import { createKafka, createProducer, ensureTopics, type KafkaSecurity, type OutboundMessage } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { INPUT_TOPICS, loadSchema, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import type { OutputRecord } from '../simulator/records';
import type { RecordSink } from './sink';

export interface KafkaSinkOptions {
  readonly brokers: string[];
  readonly registryUrl: string;
  readonly clientId: string;
  /** TLS and SASL. @default from process.env (see createKafka) */
  readonly security?: KafkaSecurity;
  /** Where truth records (of invoices and of fraudulent orders) go (NDJSON); they are not events, so without it they are dropped. */
  readonly truth?: RecordSink;
  /** Maps a creditstream topic name to the topic actually written (tests use unique names). @default identity */
  readonly topicName?: (name: string) => string;
}

/**
 * Runs `send` until it succeeds, waiting out a broker outage: a retriable failure (the producer gives up with a
 * retriable BrokerUnavailableError once the client's own connection retries, about 20 s, are spent) is tried again
 * after a pause doubling from `initialDelayMs` to 5 s, for at most `budgetMs`; anything else is thrown at once. A
 * request that failed part-way may be written twice: consumers drop duplicates by event id.
 */
export async function sendWaitingOutOutages(send: () => Promise<void>, options: { budgetMs?: number; initialDelayMs?: number; onRetry?: (err: unknown, delayMs: number) => void } = {}): Promise<void> {
  const deadline = Date.now() + (options.budgetMs ?? 5 * 60_000);
  let delay = options.initialDelayMs ?? 250;
  for (;;) {
    try {
      return await send();
    } catch (err) {
      if (!isRetriable(err) || Date.now() + delay > deadline) throw err;
      options.onRetry?.(err, delay);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(5_000, delay * 2);
    }
  }
}

export interface KafkaSink extends RecordSink {
  /** Partition count of the clock topic as it exists on the cluster: one tick goes to each. */
  readonly clockPartitions: number;
}

/**
 * Opens a sink that publishes input events to Kafka through the shared producer and codec: creates the input topics
 * if missing, registers their schemas (BACKWARD), and sends each batch in order (per topic, keyed by customer id;
 * ticks to their explicit partition).
 */
export async function openKafkaSink(options: KafkaSinkOptions): Promise<KafkaSink> {
  const rename = options.topicName ?? ((name: string) => name);
  const kafka = createKafka({ brokers: options.brokers, clientId: options.clientId, ...(options.security ? { security: options.security } : {}) });
  await ensureTopics(kafka, INPUT_TOPICS.map((name) => ({ ...topicSpec(name), name: rename(name) })));
  const codec = new SchemaCodec({ registryUrl: options.registryUrl });
  for (const name of INPUT_TOPICS) await codec.register(rename(name), loadSchema(name));

  const admin = kafka.admin();
  await admin.connect();
  let clockPartitions: number;
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [rename(INPUT_TOPICS[4])] });
    clockPartitions = meta.topics[0]?.partitions.length ?? topicSpec(INPUT_TOPICS[4]).partitions;
  } finally {
    await admin.disconnect();
  }

  const producer = createProducer({ kafka, codec });
  await producer.connect();
  // Credit group records (only with the simulator's creditGroups, or such lines imported from its NDJSON) go to two
  // credit topics, prepared on first use.
  const creditTopics: readonly string[] = [TOPIC.creditCommands, TOPIC.creditGroups];
  let creditTopicsReady = false;
  const prepareCreditTopics = async () => {
    const names = creditTopics;
    await ensureTopics(kafka, names.map((name) => ({ ...topicSpec(name), name: rename(name) })));
    for (const name of names) await codec.register(rename(name), loadSchema(name));
    creditTopicsReady = true;
  };
  return {
    clockPartitions,
    async write(records: readonly OutputRecord[]) {
      const byTopic = new Map<string, OutboundMessage[]>();
      const truths: OutputRecord[] = [];
      for (const r of records) {
        if (!creditTopicsReady && r.kind !== 'truth' && r.kind !== 'fraud' && creditTopics.includes(r.record.topic)) await prepareCreditTopics();
        if (r.kind !== 'event' && r.kind !== 'credit') {
          truths.push(r);
          continue;
        }
        const name = rename(r.record.topic);
        let list = byTopic.get(name);
        if (!list) {
          list = [];
          byTopic.set(name, list);
        }
        list.push(r.record.partition === undefined ? { key: r.record.key, event: r.record.event } : { key: r.record.key, event: r.record.event, partition: r.record.partition });
      }
      const batches = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      await sendWaitingOutOutages(() => producer.sendBatch(batches), { onRetry: (err, delayMs) => process.stderr.write(`kafka unavailable (${errorMessage(err)}); retrying in ${delayMs} ms\n`) });
      if (options.truth && truths.length > 0) await options.truth.write(truths);
    },
    async close() {
      await producer.disconnect();
      await options.truth?.close();
    },
  };
}
