import { connectionSpec, env, loadConfig, type ConfigOf } from '@creditstream/config';
import { streamsSpec } from '@creditstream/service';

/** Environment variables of the credit service. */
export const creditServiceSpec = {
  ...connectionSpec,
  HTTP_PORT: env.int('Port of /metrics, /livez and /readyz (0: any free port).', { default: 0, min: 0, max: 65535 }),
  ...streamsSpec('CREDIT_SERVICE', 'credit-service', ['fraud-service'], ['collections-service']),
  CREDIT_FRAUD_CHECKS: env.oneOf('wait: an order is decided once its fraud check is in (or the wait for it ended); off: at once, without one (no fraud service).', ['wait', 'off'] as const, { default: 'wait' }),
  CREDIT_FRAUD_WAIT_MS: env.int('The wait for an order\'s fraud check ends when a check of an order placed more than this (business time) after it arrived, but not its own.', { default: 60_000, min: 0 }),
  CREDIT_FRAUD_WAIT_MAX_DAYS: env.int('... or at the business-day tick this many days after the order date.', { default: 3, min: 1 }),
  CREDIT_RULES_FILE: env.string('Rule set (YAML or JSON) in force until one is published on the rules topic (unset: the built-in rules).', { optional: true }),
  CREDIT_LIMIT_APPROVAL_THRESHOLD_MINOR: env.int('Limit adjustments changing a limit by more than this (minor units) need a second person\'s approval.', { default: 1_000_000, min: 0 }),
  SHUTDOWN_GRACE_MS: env.int('Time allowed to drain on SIGTERM before the stop is forced.', { default: 10_000, min: 0 }),
};

export type CreditServiceConfig = ConfigOf<typeof creditServiceSpec>;

/** Reads and validates the credit service configuration from the environment. */
export function loadCreditServiceConfig(source: Record<string, string | undefined> = process.env): CreditServiceConfig {
  return loadConfig(creditServiceSpec, source);
}
