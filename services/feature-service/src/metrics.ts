import { Counter, Gauge, type Registry } from '@creditstream/metrics';

/** Feature-service specific metrics, beside the standard ones and the partition-task runtime's. */
export interface FeatureMetrics {
  redeliveries: Counter;
  anomalies: Counter<'code'>;
  featuresChanged: Counter;
  businessDate: Gauge<'partition'>;
}

export function createFeatureMetrics(registry: Registry): FeatureMetrics {
  const registers = [registry];
  return {
    redeliveries: new Counter({ name: 'creditstream_features_redeliveries_total', help: 'Events already folded into their customer (a replay after a crash) and skipped.', registers }),
    anomalies: new Counter({ name: 'creditstream_features_anomalies_total', help: 'Events accepted with an anomaly (pending application, over-application, currency mismatch), by code.', labelNames: ['code'], registers }),
    featuresChanged: new Counter({ name: 'creditstream_features_changed_events_total', help: 'customer features changed events produced.', registers }),
    businessDate: new Gauge({ name: 'creditstream_features_business_date_seconds', help: 'Latest business date per partition, as a Unix timestamp.', labelNames: ['partition'], registers }),
  };
}
