import { connectionSpec, env, loadConfig, type ConfigOf } from '@creditstream/config';
import { streamsSpec } from '@creditstream/service';

/** Default memory of the exact TreeSHAP tables (SCORING_EXPLANATION_MEMO_MB): the predictor's default, 32 MiB. */
export const DEFAULT_EXPLANATION_MEMO_MB = 32;

/** Environment variables of the scoring service. */
export const scoringServiceSpec = {
  ...connectionSpec,
  HTTP_PORT: env.int('Port of /metrics, /livez and /readyz (0: any free port).', { default: 0, min: 0, max: 65535 }),
  ...streamsSpec('SCORING_SERVICE', 'scoring-service', ['feature-service']),
  SCORING_EXPLANATION_MEMO_MB: env.int('Memory for the exact TreeSHAP tables behind the top factors (0: compute every explanation directly; the factors are bit-identical either way).', { default: DEFAULT_EXPLANATION_MEMO_MB, min: 0, max: 2048 }),
  SCORING_MIN_PROBABILITY_CHANGE: env.number('A new prediction is emitted when a probability moved by at least this much (or the bucket, the at-risk flag or the model changed).', { default: 0.005, min: 0, max: 1 }),
  SCORING_AT_RISK_THRESHOLD: env.number('An invoice is at risk when P(on time) is below this (unset: the active model\'s threshold, 0.5 by default).', { optional: true, min: 0, max: 1 }),
  SCORING_HIGH_LATE_BALANCE_SHARE: env.number('A customer has a high late balance when expected late + very late exceeds this share of its open balance (unset: the active model\'s, 0.5 by default).', { optional: true, min: 0, max: 1 }),
  SHUTDOWN_GRACE_MS: env.int('Time allowed to drain on SIGTERM before the stop is forced.', { default: 10_000, min: 0 }),
};

export type ScoringServiceConfig = ConfigOf<typeof scoringServiceSpec>;

/** Reads and validates the scoring service configuration from the environment. */
export function loadScoringServiceConfig(source: Record<string, string | undefined> = process.env): ScoringServiceConfig {
  return loadConfig(scoringServiceSpec, source);
}
