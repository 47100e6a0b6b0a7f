import type { DashboardSpec } from '../spec';

const SCORING = 'service="scoring-service"';

/** What the scoring service predicts, with which model, and how fast. */
export const predictions: DashboardSpec = {
  uid: 'creditstream-predictions',
  title: 'creditstream / predictions',
  description: 'Predictions per bucket, the at-risk share, the serving model and scoring latency. Runbook: docs/runbook.md.',
  rows: [
    {
      title: 'Predictions',
      panels: [
        {
          title: 'Predictions emitted per second',
          description: 'invoice payment predicted events and customer payment outlooks produced. Alert: CreditstreamNoPredictions.',
          kind: 'timeseries',
          unit: 'ops',
          queries: [
            { expr: 'sum(rate(creditstream_scoring_predictions_emitted_total[$__rate_interval]))', legend: 'invoice predictions' },
            { expr: 'sum(rate(creditstream_scoring_outlooks_emitted_total[$__rate_interval]))', legend: 'customer outlooks' },
          ],
        },
        {
          title: 'Predictions per bucket',
          description: 'Invoice predictions per second by predicted bucket (on_time, late, very_late): creditstream_scoring_predictions_total{bucket, at_risk}.',
          kind: 'timeseries',
          unit: 'ops',
          stacked: true,
          queries: [{ expr: 'sum by (bucket) (rate(creditstream_scoring_predictions_total[$__rate_interval]))', legend: '{{bucket}}' }],
        },
        {
          title: 'At-risk share',
          description: 'Share of invoice predictions with P(on time) below the threshold (at_risk="true").',
          kind: 'timeseries',
          unit: 'percentunit',
          queries: [{ expr: 'sum(rate(creditstream_scoring_predictions_total{at_risk="true"}[$__rate_interval])) / sum(rate(creditstream_scoring_predictions_total[$__rate_interval]))', legend: 'at risk' }],
        },
        {
          title: 'Invoices and customers scored per second',
          description: 'Open invoices scored, customers re-scored, and features events skipped as not newer than the customer\'s input (duplicates after a replay).',
          kind: 'timeseries',
          unit: 'ops',
          queries: [
            { expr: 'sum(rate(creditstream_scoring_invoices_scored_total[$__rate_interval]))', legend: 'invoices' },
            { expr: 'sum(rate(creditstream_scoring_customers_scored_total[$__rate_interval]))', legend: 'customers' },
            { expr: 'sum(rate(creditstream_scoring_customers_skipped_total[$__rate_interval]))', legend: 'skipped (duplicates)' },
          ],
        },
      ],
    },
    {
      title: 'Model',
      panels: [
        {
          title: 'Serving model version',
          description: 'The model version each scoring instance serves (creditstream_scoring_active_model = 1).',
          kind: 'stat',
          unit: 'short',
          queries: [{ expr: 'count by (model_version) (creditstream_scoring_active_model == 1)', legend: '{{model_version}}' }],
        },
        {
          title: 'Model reloads',
          description: 'Times a newly published model replaced the serving one.',
          kind: 'timeseries',
          unit: 'short',
          queries: [{ expr: 'sum(increase(creditstream_scoring_model_reloads_total[$__rate_interval]))', legend: 'reloads' }],
        },
        {
          title: 'Model age',
          description: 'Time since the serving model was published: creditstream_scoring_model_published_timestamp_seconds (Unix time; 0 for the cold-start model). Alert: CreditstreamModelStale.',
          kind: 'stat',
          unit: 's',
          queries: [{ expr: 'time() - max(creditstream_scoring_model_published_timestamp_seconds)', legend: 'age' }],
        },
      ],
    },
    {
      title: 'Latency',
      panels: [
        {
          title: 'Scoring latency per features event',
          description: 'In-memory time to re-score one customer\'s open invoices from a features event (the hot path), p50 and p99. Business-day ticks arrive as features events too: there is no separate sweep any more.',
          kind: 'timeseries',
          unit: 's',
          queries: [
            { expr: `histogram_quantile(0.5, sum by (le) (rate(creditstream_task_process_seconds_bucket{${SCORING}}[$__rate_interval])))`, legend: 'p50' },
            { expr: `histogram_quantile(0.99, sum by (le) (rate(creditstream_task_process_seconds_bucket{${SCORING}}[$__rate_interval])))`, legend: 'p99' },
          ],
        },
        {
          title: 'Invoices re-scored per features event',
          description: 'Open invoices scored per customer re-scored: the fan-out of one event, which drives the scoring latency.',
          kind: 'timeseries',
          unit: 'short',
          queries: [{ expr: 'sum(rate(creditstream_scoring_invoices_scored_total[$__rate_interval])) / sum(rate(creditstream_scoring_customers_scored_total[$__rate_interval]))', legend: 'invoices per customer' }],
        },
        {
          title: 'Prediction produce latency',
          description: 'Time from send to broker acknowledgement of the scoring service\'s outputs, p99.',
          kind: 'timeseries',
          unit: 's',
          queries: [{ expr: `histogram_quantile(0.99, sum by (le) (rate(creditstream_producer_send_duration_seconds_bucket{${SCORING}}[$__rate_interval])))`, legend: 'p99' }],
        },
      ],
    },
  ],
};
