import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_SCHEMA, loadSchema, loadSchemaFile, TOPIC, topic as topicSpec, type CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { Infrastructure, ServiceRuntime, streamsSettings } from '@creditstream/service';
import { checkpointIndexes } from '@creditstream/streams';
import type { ScoringServiceConfig } from './config';
import { COLLECTIONS, type ScoringValue } from './documents';
import { createScoringMetrics } from './metrics';
import { ModelHolder } from './model-holder';
import { ScoringProcessor } from './processor';
import { PredictionReader } from './reader';

export const SERVICE_NAME = 'scoring-service';

/** The partition tasks' input topics (the model topic has a consumer of its own). */
export const SCORING_INPUTS = [TOPIC.featuresChanged] as const;

/** Top factors per emitted prediction. */
const FACTORS = 5;

export interface ScoringServiceOptions {
  config: ScoringServiceConfig;
  /** Prefix of every topic name (tests isolate themselves with it). @default '' */
  topicPrefix?: string;
}

export type ScoringService = ServiceRuntime & { readonly models: ModelHolder; readonly reader: () => PredictionReader; readonly streams: () => ReturnType<Infrastructure['streams']> };

/** The scoring service as a runtime component tree; `main.ts` starts it, tests start it in-process. */
export function createScoringService(options: ScoringServiceOptions): ScoringService {
  const { config } = options;
  const prefix = options.topicPrefix ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const deadLetter = `creditstream.${SERVICE_NAME}.dlq.v1`;
  const settings = streamsSettings(config, 'SCORING_SERVICE');
  const runtime = new ServiceRuntime({ name: SERVICE_NAME, port: config.HTTP_PORT, shutdownGraceMs: config.SHUTDOWN_GRACE_MS });
  const consumed = [...SCORING_INPUTS, TOPIC.modelsPublished];
  const produced = [TOPIC.invoicePredictions, TOPIC.customerOutlook, TOPIC.streamProgress];
  const schemas: Record<string, object> = {};
  for (const t of [...consumed, ...produced]) schemas[name(t)] = loadSchema(t);
  schemas[name(deadLetter)] = loadSchemaFile(DEAD_LETTER_SCHEMA);
  const infra = runtime.add(new Infrastructure(runtime, {
    connection: config,
    topics: [...consumed, ...produced, deadLetter].map((t) => ({ ...topicSpec(t), name: name(t) })),
    schemas,
    store: { database: config.MONGODB_DATABASE, indexes: checkpointIndexes(COLLECTIONS.state) },
  }));
  const metrics = createScoringMetrics(runtime.metrics.registry);
  const models = new ModelHolder(() => infra.store, runtime.logger, metrics, { shapTableBytes: config.SCORING_EXPLANATION_MEMO_MB * 1024 * 1024 });
  const processors = new Map<number, ScoringProcessor>();
  runtime.add({ name: 'model', start: () => models.load() });
  const streams = runtime.add(infra.streams<CustomerFeaturesChangedEvent, ScoringValue>({
    collection: COLLECTIONS.state,
    groupId: settings.groupId,
    topics: SCORING_INPUTS.map(name),
    deadLetterTopic: name(deadLetter),
    sessionTimeoutMs: settings.sessionTimeoutMs,
    task: { ...settings.task, stateBudgetBytes: settings.stateBudgetBytes },
    // No clock of its own: its progress is the feature service's, once it has scored what that covered.
    progress: { topic: name(TOPIC.streamProgress), announces: [name(TOPIC.invoicePredictions), name(TOPIC.customerOutlook)], awaits: settings.awaits, maxWaitMs: settings.progressMaxWaitMs },
    processor: (partition) => {
      const processor = new ScoringProcessor({
        partition,
        models,
        topics: { predictions: name(TOPIC.invoicePredictions), outlooks: name(TOPIC.customerOutlook) },
        policy: { minChange: config.SCORING_MIN_PROBABILITY_CHANGE, atRisk: config.SCORING_AT_RISK_THRESHOLD, highLateShare: config.SCORING_HIGH_LATE_BALANCE_SHARE, factors: FACTORS },
        metrics,
      });
      processors.set(partition, processor);
      return processor;
    },
    // Customers another model scored while this task was elsewhere are re-scored once it is back.
    onRestored: (task) => task.punctuate((ctx) => processors.get(task.partition)?.rescoreAll(ctx)),
  }));
  const rescoreAll = () => streams.runner?.punctuateAll((ctx, partition) => processors.get(partition)?.rescoreAll(ctx));
  // Every instance must see every model event, so the model topic (one partition) is read by a group of this instance
  // alone, from the beginning: a reload reads the registry's active model, so replaying old events changes nothing.
  runtime.add(infra.consumer({
    topics: [name(TOPIC.modelsPublished)],
    groupId: `${settings.groupId}.models.${randomUUID()}`,
    service: SERVICE_NAME,
    deadLetterTopic: name(deadLetter),
    fromBeginning: true,
    partitionsConsumedConcurrently: 1,
    handler: async () => {
      if (await models.reload()) rescoreAll();
      return {};
    },
  }));
  return Object.assign(runtime, {
    models,
    reader: () => new PredictionReader(infra.store),
    streams: () => streams,
  });
}
