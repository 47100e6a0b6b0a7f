import { randomUUID } from 'node:crypto';
import { StateStore } from '@creditstream/feature-service';
import { DEAD_LETTER_SCHEMA, loadSchema, loadSchemaFile, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import { Infrastructure, ServiceRuntime } from '@creditstream/service';
import type { ScoringServiceConfig } from './config';
import { createScoringMetrics } from './metrics';
import { ModelHolder } from './model-holder';
import { PREDICTION_INDEXES, PredictionStore } from './prediction-store';
import { ScoringProcessor, type ScoringInput } from './processor';

export const SERVICE_NAME = 'scoring-service';

/** The main consumer's input topics (the model topic has a consumer of its own). */
export const SCORING_INPUTS = [TOPIC.featuresChanged, TOPIC.clock] as const;

/** Top factors per emitted prediction. */
const FACTORS = 5;

export interface ScoringServiceOptions {
  config: ScoringServiceConfig;
  /** Prefix of every topic name (tests isolate themselves with it). @default '' */
  topicPrefix?: string;
}

export type ScoringService = ServiceRuntime & { readonly processor: () => ScoringProcessor; readonly models: ModelHolder; readonly predictionStore: () => PredictionStore };

/** The scoring service as a runtime component tree; `main.ts` starts it, tests start it in-process. */
export function createScoringService(options: ScoringServiceOptions): ScoringService {
  const { config } = options;
  const prefix = options.topicPrefix ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const deadLetter = `creditstream.${SERVICE_NAME}.dlq.v1`;
  const runtime = new ServiceRuntime({ name: SERVICE_NAME, port: config.HTTP_PORT, shutdownGraceMs: config.SHUTDOWN_GRACE_MS });
  const consumed = [...SCORING_INPUTS, TOPIC.modelsPublished];
  const produced = [TOPIC.invoicePredictions, TOPIC.customerOutlook];
  const schemas: Record<string, object> = {};
  for (const t of [...consumed, ...produced]) schemas[name(t)] = loadSchema(t);
  schemas[name(deadLetter)] = loadSchemaFile(DEAD_LETTER_SCHEMA);
  const infra = runtime.add(new Infrastructure(runtime, {
    connection: config,
    topics: [...consumed, ...produced, deadLetter].map((t) => ({ ...topicSpec(t), name: name(t) })),
    schemas,
    store: { database: config.MONGODB_DATABASE, indexes: PREDICTION_INDEXES },
  }));
  const metrics = createScoringMetrics(runtime.metrics.registry);
  const models = new ModelHolder(() => infra.store, runtime.logger, metrics, { shapTreeMemoBytes: config.SCORING_EXPLANATION_MEMO_MB * 1024 * 1024 });
  let processor: ScoringProcessor | null = null;
  let predictionStore: PredictionStore | null = null;
  runtime.add({
    name: 'scorer',
    start: async () => {
      await models.load();
      predictionStore = new PredictionStore(infra.store);
      processor = new ScoringProcessor({
        featureStore: new StateStore(infra.store),
        predictions: predictionStore,
        producer: infra.producer,
        models,
        topics: { featuresChanged: name(TOPIC.featuresChanged), clock: name(TOPIC.clock), predictions: name(TOPIC.invoicePredictions), outlooks: name(TOPIC.customerOutlook) },
        policy: { minChange: config.SCORING_MIN_PROBABILITY_CHANGE, atRisk: config.SCORING_AT_RISK_THRESHOLD, highLateShare: config.SCORING_HIGH_LATE_BALANCE_SHARE, factors: FACTORS },
        customersPerChunk: config.SCORING_CUSTOMERS_PER_CHUNK,
        sweepShare: config.SCORING_SWEEP_SHARE,
        logger: runtime.logger,
        metrics,
      });
    },
    // Stopped after both consumers (reverse order): the running sweep chunk finishes, the rest is the next owner's.
    stop: async () => {
      await processor?.stop();
    },
  });
  const active = () => processor as ScoringProcessor;
  runtime.add(infra.consumer<ScoringInput>({
    topics: SCORING_INPUTS.map(name),
    groupId: config.SCORING_SERVICE_GROUP_ID,
    deadLetterTopic: name(deadLetter),
    maxBatchSize: config.SCORING_SERVICE_MAX_BATCH,
    partitionsConsumedConcurrently: config.SCORING_SERVICE_CONCURRENCY,
    sessionTimeoutMs: config.SCORING_SERVICE_SESSION_TIMEOUT_MS,
    onRebalance: (assignment) => active().reset(assignment),
    handler: (messages, context) => active().handle(messages, context),
  }));
  // Every instance must see every model event, so the model topic (one partition) is read by a group of this instance
  // alone, from the beginning: a reload reads the registry's active model, so replaying old events changes nothing.
  runtime.add(infra.consumer({
    topics: [name(TOPIC.modelsPublished)],
    groupId: `${config.SCORING_SERVICE_GROUP_ID}.models.${randomUUID()}`,
    service: SERVICE_NAME,
    deadLetterTopic: name(deadLetter),
    fromBeginning: true,
    partitionsConsumedConcurrently: 1,
    handler: async () => {
      await models.reload();
      // Also after a reload that found nothing new (cheap: the sweep skips whoever the serving model scored).
      active().rescoreWithServingModel();
      return {};
    },
  }));
  return Object.assign(runtime, {
    processor: active,
    models,
    predictionStore: () => predictionStore as PredictionStore,
  });
}
