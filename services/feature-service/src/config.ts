import { connectionSpec, env, loadConfig, type ConfigOf } from '@creditstream/config';

/** Environment variables of the feature service. */
export const featureServiceSpec = {
  ...connectionSpec,
  HTTP_PORT: env.int('Port of /metrics, /livez and /readyz (0: any free port).', { default: 0, min: 0, max: 65535 }),
  FEATURE_SERVICE_GROUP_ID: env.string('Kafka consumer group.', { default: 'feature-service' }),
  FEATURE_SERVICE_CACHE_CUSTOMERS: env.int('Customer states kept in memory (LRU) by this instance.', { default: 2000, min: 0 }),
  FEATURE_SERVICE_MAX_BATCH: env.int('Largest number of messages folded and written as one batch.', { default: 5000, min: 1 }),
  FEATURE_SERVICE_CONCURRENCY: env.int('Partitions processed at the same time.', { default: 2, min: 1 }),
  FEATURE_SERVICE_SESSION_TIMEOUT_MS: env.int('How long the group waits for a silent instance before moving its partitions.', { default: 30_000, min: 6_000 }),
  SHUTDOWN_GRACE_MS: env.int('Time allowed to drain on SIGTERM before the stop is forced.', { default: 10_000, min: 0 }),
};

export type FeatureServiceConfig = ConfigOf<typeof featureServiceSpec>;

/** Reads and validates the feature service configuration from the environment. */
export function loadFeatureServiceConfig(source: Record<string, string | undefined> = process.env): FeatureServiceConfig {
  return loadConfig(featureServiceSpec, source);
}
