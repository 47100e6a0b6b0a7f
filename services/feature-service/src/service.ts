import { DEAD_LETTER_SCHEMA, loadSchema, loadSchemaFile, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import type { InputEvent } from '@creditstream/features';
import { checkpointIndexes } from '@creditstream/streams';
import { Infrastructure, ServiceRuntime, streamsSettings } from '@creditstream/service';
import type { FeatureServiceConfig } from './config';
import { COLLECTIONS, type CustomerValue } from './documents';
import { createFeatureMetrics } from './metrics';
import { FeatureProcessor } from './processor';
import { FeatureStateReader } from './reader';

export const SERVICE_NAME = 'feature-service';

/** The input topics, in tie-break order (at equal business time a customer's registration comes first, the tick last). */
export const FEATURE_INPUTS = [TOPIC.customers, TOPIC.invoices, TOPIC.payments, TOPIC.orders, TOPIC.clock] as const;

/** Indexes of the feature service's collections. */
export const FEATURE_INDEXES = checkpointIndexes(COLLECTIONS.state);

export interface FeatureServiceOptions {
  config: FeatureServiceConfig;
  /** Prefix of every topic name (tests isolate themselves with it). @default '' */
  topicPrefix?: string;
}

export type FeatureService = ServiceRuntime & { readonly reader: () => FeatureStateReader; readonly streams: () => ReturnType<Infrastructure['streams']> };

/** The feature service as a runtime component tree; `main.ts` starts it, tests start it in-process. */
export function createFeatureService(options: FeatureServiceOptions): FeatureService {
  const { config } = options;
  const prefix = options.topicPrefix ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const deadLetterTopic = name(`creditstream.${SERVICE_NAME}.dlq.v1`);
  const outputTopic = name(TOPIC.featuresChanged);
  const settings = streamsSettings(config, 'FEATURE_SERVICE');
  const runtime = new ServiceRuntime({ name: SERVICE_NAME, port: config.HTTP_PORT, shutdownGraceMs: config.SHUTDOWN_GRACE_MS });
  const topics = [...FEATURE_INPUTS, TOPIC.featuresChanged, TOPIC.streamProgress, `creditstream.${SERVICE_NAME}.dlq.v1`].map((t) => ({ ...topicSpec(t), name: name(t) }));
  const schemas: Record<string, object> = {};
  for (const t of [...FEATURE_INPUTS, TOPIC.featuresChanged, TOPIC.streamProgress]) schemas[name(t)] = loadSchema(t);
  schemas[deadLetterTopic] = loadSchemaFile(DEAD_LETTER_SCHEMA);

  const infra = runtime.add(new Infrastructure(runtime, {
    connection: config,
    topics,
    schemas,
    store: { database: config.MONGODB_DATABASE, indexes: FEATURE_INDEXES },
  }));
  const metrics = createFeatureMetrics(runtime.metrics.registry);
  const streams = runtime.add(infra.streams<InputEvent, CustomerValue>({
    collection: COLLECTIONS.state,
    groupId: settings.groupId,
    topics: FEATURE_INPUTS.map(name),
    deadLetterTopic,
    sessionTimeoutMs: settings.sessionTimeoutMs,
    task: { ...settings.task, stateBudgetBytes: settings.stateBudgetBytes },
    progress: { topic: name(TOPIC.streamProgress), clockTopic: name(TOPIC.clock), announces: [outputTopic], awaits: settings.awaits, maxWaitMs: settings.progressMaxWaitMs },
    processor: (partition) => new FeatureProcessor({ partition, outputTopic, clockTopic: name(TOPIC.clock), metrics }),
  }));
  return Object.assign(runtime, {
    reader: () => new FeatureStateReader(infra.store),
    streams: () => streams,
  });
}
