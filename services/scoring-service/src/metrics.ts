import { Counter, Gauge, type Registry } from '@creditstream/metrics';

/** Scoring-service specific metrics, beside the standard consumer/producer ones. */
export interface ScoringMetrics {
  invoicesScored: Counter;
  customersScored: Counter;
  customersSkipped: Counter;
  predictionsEmitted: Counter;
  outlooksEmitted: Counter;
  modelReloads: Counter;
  activeModel: Gauge<'model_version'>;
  predictions: Counter<'bucket' | 'at_risk'>;
  modelPublished: Gauge;
}

export function createScoringMetrics(registry: Registry): ScoringMetrics {
  const registers = [registry];
  return {
    invoicesScored: new Counter({ name: 'creditstream_scoring_invoices_scored_total', help: 'Open invoices scored (the vectors behind emitted predictions are logged).', registers }),
    customersScored: new Counter({ name: 'creditstream_scoring_customers_scored_total', help: 'Customers whose open invoices were scored.', registers }),
    customersSkipped: new Counter({ name: 'creditstream_scoring_customers_skipped_total', help: 'customer features changed events not newer than the customer\'s input (duplicates after a replay).', registers }),
    predictionsEmitted: new Counter({ name: 'creditstream_scoring_predictions_emitted_total', help: 'invoice payment predicted events produced.', registers }),
    outlooksEmitted: new Counter({ name: 'creditstream_scoring_outlooks_emitted_total', help: 'customer payment outlook events produced.', registers }),
    modelReloads: new Counter({ name: 'creditstream_scoring_model_reloads_total', help: 'Times a newly published model replaced the serving one.', registers }),
    activeModel: new Gauge({ name: 'creditstream_scoring_active_model', help: '1 for the model version that scores.', labelNames: ['model_version'], registers }),
    predictions: new Counter({ name: 'creditstream_scoring_predictions_total', help: 'Invoice predictions emitted, by predicted bucket (on_time, late, very_late) and at-risk flag (true, false).', labelNames: ['bucket', 'at_risk'], registers }),
    modelPublished: new Gauge({ name: 'creditstream_scoring_model_published_timestamp_seconds', help: 'Unix time the serving model was published; 0 for the built-in cold-start model.', registers }),
  };
}
