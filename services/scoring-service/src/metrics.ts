import { Counter, Gauge, Histogram, type Registry } from '@creditstream/metrics';

/** Scoring-service specific metrics, beside the standard consumer/producer ones. */
export interface ScoringMetrics {
  invoicesScored: Counter;
  customersScored: Counter;
  customersSkipped: Counter;
  predictionsEmitted: Counter;
  outlooksEmitted: Counter;
  modelReloads: Counter;
  activeModel: Gauge<'model_version'>;
  businessDate: Gauge<'partition'>;
  sweepsPending: Gauge;
  sweepSeconds: Histogram;
}

export function createScoringMetrics(registry: Registry): ScoringMetrics {
  const registers = [registry];
  return {
    invoicesScored: new Counter({ name: 'creditstream_scoring_invoices_scored_total', help: 'Open invoices scored (each vector is logged to the feature log).', registers }),
    customersScored: new Counter({ name: 'creditstream_scoring_customers_scored_total', help: 'Customers whose open invoices were scored.', registers }),
    customersSkipped: new Counter({ name: 'creditstream_scoring_customers_skipped_total', help: 'Customers already scored at the same state, business date and model (redeliveries, repeated triggers).', registers }),
    predictionsEmitted: new Counter({ name: 'creditstream_scoring_predictions_emitted_total', help: 'invoice payment predicted events produced.', registers }),
    outlooksEmitted: new Counter({ name: 'creditstream_scoring_outlooks_emitted_total', help: 'customer payment outlook events produced.', registers }),
    modelReloads: new Counter({ name: 'creditstream_scoring_model_reloads_total', help: 'Times a newly published model replaced the serving one.', registers }),
    activeModel: new Gauge({ name: 'creditstream_scoring_active_model', help: '1 for the model version that scores.', labelNames: ['model_version'], registers }),
    businessDate: new Gauge({ name: 'creditstream_scoring_business_date_seconds', help: 'Latest business date per clock partition, as a Unix timestamp.', labelNames: ['partition'], registers }),
    sweepsPending: new Gauge({ name: 'creditstream_scoring_sweeps_pending', help: 'Partitions waiting for a sweep (a tick, a new model or an assignment) or being swept.', registers }),
    sweepSeconds: new Histogram({ name: 'creditstream_scoring_sweep_seconds', help: 'Duration of a whole partition sweep.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers }),
  };
}
