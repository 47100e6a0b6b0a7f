import { connectionSpec, env, loadConfig, type ConfigOf } from '@creditstream/config';

/** Environment variables of the insights API. */
export const insightsApiSpec = {
  ...connectionSpec,
  HTTP_PORT: env.int('Port of the API, the dashboard, /metrics, /livez and /readyz (0: any free port).', { default: 0, min: 0, max: 65535 }),
  HTTP_HOST: env.string('Interface the API listens on.', { default: '127.0.0.1' }),
  INSIGHTS_API_REFRESH_MS: env.int('How often the API reloads the read models it serves when their owners checkpointed since (their freshness beyond the owners\' own).', { default: 1000, min: 50 }),
  INSIGHTS_API_GROUP_ID: env.string('Kafka consumer group that follows the command outcomes (credit decisions).', { default: 'insights-api' }),
  INSIGHTS_API_PAGE_LIMIT: env.int('Items per page when a request names no limit.', { default: 50, min: 1, max: 1000 }),
  INSIGHTS_API_VALIDATE_RESPONSES: env.bool('Validate every response against the OpenAPI document too (a mismatch answers 500 and is logged): on in tests, off in production for speed.', { default: false }),
  INSIGHTS_API_AUTH_FAILURES_PER_MINUTE: env.int('Failed authentications (401) one client IP may have per minute; beyond, its requests answer 429 with Retry-After until the minute ends.', { default: 20, min: 1 }),
  INSIGHTS_API_TRUST_PROXY: env.string('Express `trust proxy` (e.g. `loopback`, `10.0.0.0/8`, a hop count): behind a reverse proxy or ingress, so the client IP of the auth-failure limit is the caller\'s, not the proxy\'s (unset: the socket address).', { optional: true }),
  SHUTDOWN_GRACE_MS: env.int('Time allowed to drain on SIGTERM before the stop is forced.', { default: 10_000, min: 0 }),
};

export type InsightsApiConfig = ConfigOf<typeof insightsApiSpec>;

/** Reads and validates the insights API configuration from the environment. */
export function loadInsightsApiConfig(source: Record<string, string | undefined> = process.env): InsightsApiConfig {
  return loadConfig(insightsApiSpec, source);
}
