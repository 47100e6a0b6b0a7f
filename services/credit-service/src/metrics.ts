import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry } from '@creditstream/metrics';

/** Credit-service metrics (the contract of deploy/prometheus/src/contract.ts), beside the standard and runtime ones. */
export interface CreditMetrics {
  decisions: Counter<'decision'>;
  openHolds: Gauge<'kind'>;
  holdsEnded: Counter<'outcome'>;
  decisionSeconds: Histogram;
  fraudWaitsExpired: Counter;
  commands: Counter<'type' | 'outcome'>;
  accountChanges: Counter<'status' | 'by'>;
  limitChanges: Counter;
  ruleSetChanges: Counter;
}

/**
 * Creates the metrics; `holdCounts` is asked for the open holds at every scrape (the tasks own the counts).
 */
export function createCreditMetrics(registry: Registry, holdCounts: () => { rule: number; forced: number; fraud_review: number }): CreditMetrics {
  const registers = [registry];
  return {
    decisions: new Counter({ name: 'creditstream_credit_decisions_total', help: 'Credit decisions, one per order placed, by decision (approved, held).', labelNames: ['decision'], registers }),
    openHolds: new Gauge({
      name: 'creditstream_credit_open_holds',
      help: 'Orders on hold now, by kind (rule, forced, fraud_review).',
      labelNames: ['kind'],
      registers,
      collect() {
        const c = holdCounts();
        for (const kind of ['rule', 'forced', 'fraud_review'] as const) this.set({ kind }, c[kind]);
      },
    }),
    holdsEnded: new Counter({ name: 'creditstream_credit_holds_ended_total', help: 'Holds ended, by outcome (auto_release, release, release_with_recheck, reject).', labelNames: ['outcome'], registers }),
    decisionSeconds: new Histogram({ name: 'creditstream_credit_decision_seconds', help: 'Order event appended to Kafka (its timestamp) → credit decision produced (queued for the broker). Objective: p99 ≤ 100 ms.', buckets: DURATION_BUCKETS, registers }),
    fraudWaitsExpired: new Counter({ name: 'creditstream_credit_fraud_waits_expired_total', help: 'Orders decided without their fraud check (held with fraud-check-missing) because the wait for it ended.', registers }),
    commands: new Counter({ name: 'creditstream_credit_commands_total', help: 'Credit commands, by type and outcome (done, refused, duplicate).', labelNames: ['type', 'outcome'], registers }),
    accountChanges: new Counter({ name: 'creditstream_credit_account_status_changes_total', help: 'Account status changes the credit service made, by new status and by (rule, command).', labelNames: ['status', 'by'], registers }),
    limitChanges: new Counter({ name: 'creditstream_credit_limit_changes_total', help: 'Credit limits set by approved or below-threshold limit adjustments.', registers }),
    ruleSetChanges: new Counter({ name: 'creditstream_credit_rule_set_changes_total', help: 'Rule sets applied by the partition tasks (one per task per published version).', registers }),
  };
}
