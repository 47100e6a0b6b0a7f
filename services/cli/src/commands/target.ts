import { connectionSpec, env, loadConfig } from '@creditstream/config';
import { kafkaSecurityFromEnv } from '@creditstream/kafka';
import { openKafkaSink } from '../output/kafka-sink';
import { openNdjsonSink } from '../output/ndjson-sink';
import type { RecordSink } from '../output/sink';

/** Where a command's events go. */
export interface Target {
  readonly sink: RecordSink;
  /** Clock partitions to tick: the topic's on Kafka, the configured count for files. */
  readonly clockPartitions: number;
  /** Human-readable destination for messages. */
  readonly description: string;
}

/**
 * Opens `--out FILE` (NDJSON, `-` = stdout) or, without it, Kafka from `KAFKA_BROKERS` and `SCHEMA_REGISTRY_URL`.
 * @param truthFile where truth records go when writing to Kafka (NDJSON)
 */
export async function openTarget(out: string | undefined, defaultPartitions: number, clientId: string, truthFile?: string, environment: Record<string, string | undefined> = process.env): Promise<Target> {
  if (out !== undefined) return { sink: await openNdjsonSink(out), clockPartitions: defaultPartitions, description: out === '-' ? 'standard output' : out };
  const config = loadConfig(
    {
      KAFKA_BROKERS: connectionSpec.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: connectionSpec.SCHEMA_REGISTRY_URL,
      CREDITSTREAM_TOPIC_PREFIX: env.string('Prefix added to every topic name written (isolates test runs).', { optional: true }),
    },
    environment,
  );
  const prefix = config.CREDITSTREAM_TOPIC_PREFIX ?? '';
  const truth = truthFile === undefined ? undefined : await openNdjsonSink(truthFile);
  const sink = await openKafkaSink({
    brokers: config.KAFKA_BROKERS,
    registryUrl: config.SCHEMA_REGISTRY_URL,
    clientId,
    security: kafkaSecurityFromEnv(environment),
    ...(truth ? { truth } : {}),
    topicName: (name) => `${prefix}${name}`,
  });
  return { sink, clockPartitions: sink.clockPartitions, description: `Kafka at ${config.KAFKA_BROKERS.join(',')}` };
}
