import { connectionSpec, env, loadConfig, type ConfigOf } from '@creditstream/config';
import { streamsSpec } from '@creditstream/service';

/** Environment variables of the fraud service. */
export const fraudServiceSpec = {
  ...connectionSpec,
  HTTP_PORT: env.int('Port of /metrics, /livez and /readyz (0: any free port).', { default: 0, min: 0, max: 65535 }),
  ...streamsSpec('FRAUD_SERVICE', 'fraud-service', [], ['collections-service']),
  FRAUD_DEFAULT_RULES: env.string('Rule-set file (JSON or YAML) that checks orders before any rule set is published (unset: the built-in rules/builtin.json).', { optional: true }),
  SHUTDOWN_GRACE_MS: env.int('Time allowed to drain on SIGTERM before the stop is forced.', { default: 10_000, min: 0 }),
};

export type FraudServiceConfig = ConfigOf<typeof fraudServiceSpec>;

/** Reads and validates the fraud service configuration from the environment. */
export function loadFraudServiceConfig(source: Record<string, string | undefined> = process.env): FraudServiceConfig {
  return loadConfig(fraudServiceSpec, source);
}
