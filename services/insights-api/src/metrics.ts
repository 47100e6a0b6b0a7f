import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry } from '@creditstream/metrics';

export interface InsightsApiMetrics {
  requests: Histogram<'operation' | 'status'>;
  snapshotLoadSeconds: Histogram;
  snapshotLoadedTimestamp: Gauge;
  commands: Counter<'type' | 'outcome'>;
}

export function createInsightsApiMetrics(registry: Registry): InsightsApiMetrics {
  const registers = [registry];
  return {
    requests: new Histogram({ name: 'creditstream_api_request_duration_seconds', help: 'API requests by operation (OpenAPI operationId, or "unmatched") and status.', labelNames: ['operation', 'status'], buckets: DURATION_BUCKETS, registers }),
    snapshotLoadSeconds: new Histogram({ name: 'creditstream_api_snapshot_load_seconds', help: 'Time to reload the read models the API serves.', buckets: DURATION_BUCKETS, registers }),
    snapshotLoadedTimestamp: new Gauge({ name: 'creditstream_api_snapshot_loaded_timestamp_seconds', help: 'When the read models the API serves were last reloaded (Unix time).', registers }),
    commands: new Counter({ name: 'creditstream_api_commands_total', help: 'Commands the API sent (outcome "accepted") and outcomes it saw ("effected", "refused"), by command type.', labelNames: ['type', 'outcome'], registers }),
  };
}
