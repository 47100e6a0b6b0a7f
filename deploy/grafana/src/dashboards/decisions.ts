import type { DashboardSpec } from '../spec';

/**
 * Credit decisions, holds, fraud checks and collection actions. A panel of a service that does not exist yet is
 * marked pending and names the metric its service will export (docs/operations.md lists them).
 */
export const decisions: DashboardSpec = {
  uid: 'creditstream-decisions',
  title: 'creditstream / decisions',
  description: 'Credit decisions, holds and releases, decision latency, fraud reviews and collection actions. Runbook: docs/runbook.md.',
  rows: [
    {
      title: 'Credit',
      panels: [
        {
          title: 'Credit decisions per second',
          description: 'One decision per order placed, by decision (approved, held): creditstream_credit_decisions_total{decision}.',
          kind: 'timeseries',
          unit: 'ops',
          stacked: true,
          queries: [{ expr: 'sum by (decision) (rate(creditstream_credit_decisions_total[$__rate_interval]))', legend: '{{decision}}' }],
        },
        {
          title: 'Open holds',
          description: 'Orders on hold now, by kind (rule, forced, fraud review): creditstream_credit_open_holds{kind}.',
          kind: 'timeseries',
          unit: 'short',
          queries: [{ expr: 'sum by (kind) (creditstream_credit_open_holds)', legend: '{{kind}}' }],
        },
        {
          title: 'Holds released and rejected per second',
          description: 'Holds ended, by how (auto_release when no rule fires any more, release, release_with_recheck, reject): creditstream_credit_holds_ended_total{outcome}.',
          kind: 'timeseries',
          unit: 'ops',
          queries: [{ expr: 'sum by (outcome) (rate(creditstream_credit_holds_ended_total[$__rate_interval]))', legend: '{{outcome}}' }],
        },
        {
          title: 'Credit decision latency',
          description: 'Order event appended to Kafka → decision acknowledged, as a heatmap of creditstream_credit_decision_seconds. Objective p99 ≤ 100 ms (alert CreditstreamDecisionLatencyHigh).',
          kind: 'heatmap',
          unit: 's',
          queries: [{ expr: 'sum by (le) (increase(creditstream_credit_decision_seconds_bucket[$__rate_interval]))', legend: '{{le}}', heatmap: true }],
        },
        {
          title: 'Credit decision latency p99',
          description: 'p50 and p99 of creditstream_credit_decision_seconds against the 100 ms objective.',
          kind: 'timeseries',
          unit: 's',
          queries: [
            { expr: 'histogram_quantile(0.5, sum by (le) (rate(creditstream_credit_decision_seconds_bucket[$__rate_interval])))', legend: 'p50' },
            { expr: 'histogram_quantile(0.99, sum by (le) (rate(creditstream_credit_decision_seconds_bucket[$__rate_interval])))', legend: 'p99' },
          ],
        },
      ],
    },
    {
      title: 'Fraud and collections',
      panels: [
        {
          title: 'Fraud checks per second',
          description: 'One check per order, by outcome (clear, review): creditstream_fraud_checks_total{outcome}.',
          kind: 'timeseries',
          unit: 'ops',
          stacked: true,
          queries: [{ expr: 'sum by (outcome) (rate(creditstream_fraud_checks_total[$__rate_interval]))', legend: '{{outcome}}' }],
        },
        {
          title: 'Fraud review share',
          description: 'Share of orders whose fraud check asks for a review (the order is held through its credit decision).',
          kind: 'timeseries',
          unit: 'percentunit',
          queries: [{ expr: 'sum(rate(creditstream_fraud_checks_total{outcome="review"}[$__rate_interval])) / sum(rate(creditstream_fraud_checks_total[$__rate_interval]))', legend: 'review' }],
        },
        {
          title: 'Collection actions per second',
          description: 'By action (collection_started, letter, interest_note, write_off_proposed, promise_broken, fee, …): creditstream_collections_actions_total{action}.',
          kind: 'timeseries',
          unit: 'ops',
          queries: [{ expr: 'sum by (action) (rate(creditstream_collections_actions_total[$__rate_interval]))', legend: '{{action}}' }],
        },
      ],
    },
  ],
};
