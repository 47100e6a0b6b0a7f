import { Counter, Gauge, type Registry } from '@creditstream/metrics';

/** Feature-service specific metrics, beside the standard consumer/producer ones. */
export interface FeatureMetrics {
  cacheHits: Counter;
  cacheMisses: Counter;
  redeliveries: Counter;
  anomalies: Counter<'code'>;
  featuresChanged: Counter;
  invoicesWritten: Counter;
  businessDate: Gauge<'partition'>;
  mongoRoundTrips: Counter;
}

export function createFeatureMetrics(registry: Registry): FeatureMetrics {
  const registers = [registry];
  return {
    cacheHits: new Counter({ name: 'creditstream_features_cache_hits_total', help: 'Customer states found in the in-memory cache.', registers }),
    cacheMisses: new Counter({ name: 'creditstream_features_cache_misses_total', help: 'Customer states loaded from MongoDB.', registers }),
    redeliveries: new Counter({ name: 'creditstream_features_redeliveries_total', help: 'Events already folded (redelivered after a crash or rebalance) and skipped.', registers }),
    anomalies: new Counter({ name: 'creditstream_features_anomalies_total', help: 'Events accepted with an anomaly (pending application, over-application, currency mismatch), by code.', labelNames: ['code'], registers }),
    featuresChanged: new Counter({ name: 'creditstream_features_changed_events_total', help: 'customer features changed events produced.', registers }),
    invoicesWritten: new Counter({ name: 'creditstream_features_invoice_writes_total', help: 'Invoice documents written.', registers }),
    mongoRoundTrips: new Counter({ name: 'creditstream_features_mongo_roundtrips_total', help: 'MongoDB requests made by the feature service (finds and bulk writes).', registers }),
    businessDate: new Gauge({ name: 'creditstream_features_business_date_seconds', help: 'Latest business date per clock partition, as a Unix timestamp.', labelNames: ['partition'], registers }),
  };
}
