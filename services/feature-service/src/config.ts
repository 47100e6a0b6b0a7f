import { connectionSpec, env, loadConfig, type ConfigOf } from '@creditstream/config';
import { streamsSpec } from '@creditstream/service';

/** Environment variables of the feature service. */
export const featureServiceSpec = {
  ...connectionSpec,
  HTTP_PORT: env.int('Port of /metrics, /livez and /readyz (0: any free port).', { default: 0, min: 0, max: 65535 }),
  ...streamsSpec('FEATURE_SERVICE', 'feature-service'),
  SHUTDOWN_GRACE_MS: env.int('Time allowed to drain on SIGTERM before the stop is forced.', { default: 10_000, min: 0 }),
};

export type FeatureServiceConfig = ConfigOf<typeof featureServiceSpec>;

/** Reads and validates the feature service configuration from the environment. */
export function loadFeatureServiceConfig(source: Record<string, string | undefined> = process.env): FeatureServiceConfig {
  return loadConfig(featureServiceSpec, source);
}
