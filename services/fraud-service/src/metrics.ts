import { Counter, Gauge, Histogram, type Registry } from '@creditstream/metrics';
import { SIGNAL_CODES } from './rules/rule-set';

/** Fraud-service specific metrics, beside the standard ones and the partition-task runtime's. */
export interface FraudMetrics {
  checks: Counter<'outcome'>;
  signals: Counter<'signal'>;
  score: Histogram;
  duplicateOrders: Counter;
  ruleSets: Gauge<'version'>;
}

export function createFraudMetrics(registry: Registry): FraudMetrics {
  const registers = [registry];
  const metrics: FraudMetrics = {
    checks: new Counter({ name: 'creditstream_fraud_checks_total', help: 'Fraud checks, one per order, by outcome (clear, review).', labelNames: ['outcome'], registers }),
    signals: new Counter({ name: 'creditstream_fraud_signals_total', help: 'Signals that contributed to a fraud check, by signal (velocity, amount-anomaly, new-account-large-order, recent-nsf, dormancy-large-order, account-status, over-credit-limit).', labelNames: ['signal'], registers }),
    score: new Histogram({ name: 'creditstream_fraud_score', help: 'Scores of the fraud checks (0 clear … 1 most suspicious).', buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], registers }),
    duplicateOrders: new Counter({ name: 'creditstream_fraud_duplicate_orders_total', help: 'Orders placed again with the same id and amount (a producer\'s redelivery): checked once, skipped.', registers }),
    ruleSets: new Gauge({ name: 'creditstream_fraud_rule_set_effective_seconds', help: 'Business time (Unix seconds) from which each published fraud rule set a task has read checks orders.', labelNames: ['version'], registers }),
  };
  for (const outcome of ['clear', 'review']) metrics.checks.inc({ outcome }, 0);
  for (const signal of SIGNAL_CODES) metrics.signals.inc({ signal }, 0);
  return metrics;
}
