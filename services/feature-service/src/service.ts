import { DEAD_LETTER_SCHEMA, loadSchema, loadSchemaFile, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import type { InputEvent } from '@creditstream/features';
import { Infrastructure, ServiceRuntime } from '@creditstream/service';
import type { FeatureServiceConfig } from './config';
import { createFeatureMetrics } from './metrics';
import { FeatureProcessor } from './processor';
import { FEATURE_INDEXES, StateStore } from './state-store';

export const SERVICE_NAME = 'feature-service';

/** The input topics, in the order they are subscribed. */
export const FEATURE_INPUTS = [TOPIC.customers, TOPIC.invoices, TOPIC.payments, TOPIC.orders, TOPIC.clock] as const;

export interface FeatureServiceOptions {
  config: FeatureServiceConfig;
  /** Prefix of every topic name (tests isolate themselves with it). @default '' */
  topicPrefix?: string;
}

/** The feature service as a runtime component tree; `main.ts` starts it, tests start it in-process. */
export function createFeatureService(options: FeatureServiceOptions): ServiceRuntime & { readonly processor: FeatureProcessor; readonly stateStore: () => StateStore } {
  const { config } = options;
  const prefix = options.topicPrefix ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const deadLetterTopic = name(`creditstream.${SERVICE_NAME}.dlq.v1`);
  const outputTopic = name(TOPIC.featuresChanged);
  const runtime = new ServiceRuntime({ name: SERVICE_NAME, port: config.HTTP_PORT, shutdownGraceMs: config.SHUTDOWN_GRACE_MS });
  const topics = [...FEATURE_INPUTS, TOPIC.featuresChanged, `creditstream.${SERVICE_NAME}.dlq.v1`].map((t) => ({ ...topicSpec(t), name: name(t) }));
  const schemas: Record<string, object> = {};
  for (const t of [...FEATURE_INPUTS, TOPIC.featuresChanged]) schemas[name(t)] = loadSchema(t);
  schemas[deadLetterTopic] = loadSchemaFile(DEAD_LETTER_SCHEMA);

  const infra = runtime.add(new Infrastructure(runtime, {
    connection: config,
    topics,
    schemas,
    store: { database: config.MONGODB_DATABASE, indexes: FEATURE_INDEXES },
  }));
  let stateStore: StateStore | null = null;
  let processor: FeatureProcessor | null = null;
  const metrics = createFeatureMetrics(runtime.metrics.registry);
  runtime.add({
    name: 'processor',
    start: async () => {
      stateStore = new StateStore(infra.store, (n) => metrics.mongoRoundTrips.inc(n));
      processor = new FeatureProcessor({ store: stateStore, producer: infra.producer, outputTopic, clockTopic: name(TOPIC.clock), cacheCustomers: config.FEATURE_SERVICE_CACHE_CUSTOMERS, logger: runtime.logger, metrics });
    },
  });
  runtime.add(infra.consumer<InputEvent>({
    topics: FEATURE_INPUTS.map(name),
    groupId: config.FEATURE_SERVICE_GROUP_ID,
    deadLetterTopic,
    maxBatchSize: config.FEATURE_SERVICE_MAX_BATCH,
    // About 5,000 events per partition fetch under a backlog: each customer document is rewritten once per batch.
    maxBytesPerPartition: 2 * 1024 * 1024,
    partitionsConsumedConcurrently: config.FEATURE_SERVICE_CONCURRENCY,
    sessionTimeoutMs: config.FEATURE_SERVICE_SESSION_TIMEOUT_MS,
    onRebalance: () => processor?.reset(),
    handler: (messages) => (processor as FeatureProcessor).handle(messages),
  }));
  return Object.assign(runtime, {
    get processor() {
      return processor as FeatureProcessor;
    },
    stateStore: () => stateStore as StateStore,
  });
}
