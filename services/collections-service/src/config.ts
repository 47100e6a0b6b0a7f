import { connectionSpec, env, loadConfig, type ConfigOf } from '@creditstream/config';
import { streamsSpec } from '@creditstream/service';

/** Environment variables of the collections service. */
export const collectionsServiceSpec = {
  ...connectionSpec,
  HTTP_PORT: env.int('Port of /metrics, /livez and /readyz (0: any free port).', { default: 0, min: 0, max: 65535 }),
  ...streamsSpec('COLLECTIONS_SERVICE', 'collections-service', ['scoring-service']),
  SHUTDOWN_GRACE_MS: env.int('Time allowed to drain on SIGTERM before the stop is forced.', { default: 10_000, min: 0 }),
};

export type CollectionsServiceConfig = ConfigOf<typeof collectionsServiceSpec>;

/** Reads and validates the collections service configuration from the environment. */
export function loadCollectionsServiceConfig(source: Record<string, string | undefined> = process.env): CollectionsServiceConfig {
  return loadConfig(collectionsServiceSpec, source);
}
