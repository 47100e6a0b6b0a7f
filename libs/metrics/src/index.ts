import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Buckets in seconds for per-message and per-batch work: 100 µs to 10 s. */
export const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The standard metrics every creditstream process exposes. Names follow Prometheus conventions: base units
 * (seconds, bytes), `_total` for counters, and only bounded labels (topic, partition, outcome, reason code) — never
 * customer or invoice ids.
 */
export interface StandardMetrics {
  readonly registry: Registry;
  readonly consumedMessages: Counter<'topic' | 'outcome'>;
  readonly consumerBatchDuration: Histogram<'topic'>;
  readonly handlerDuration: Histogram<'topic'>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly consumerRetries: Counter<'topic' | 'code'>;
  readonly deadLetters: Counter<'topic' | 'reason'>;
  readonly producedMessages: Counter<'topic'>;
  readonly producerErrors: Counter<'topic'>;
  readonly produceDuration: Histogram<'topic'>;
  readonly serviceState: Gauge<'state'>;
}

/** Creates a registry with Node's default metrics and the standard consumer, producer and DLQ metrics. */
export function createMetrics(options: { service: string; registry?: Registry }): StandardMetrics {
  const registry = options.registry ?? new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges `_total`, which Prometheus reserves for counters (promtool flags them). The
  // same figures stay available, by type, as nodejs_active_handles / _requests / _resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const registers = [registry];
  return {
    registry,
    consumedMessages: new Counter({
      name: 'creditstream_consumer_messages_total',
      help: 'Messages consumed, by outcome: processed, dead_lettered, skipped_duplicate.',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    consumerBatchDuration: new Histogram({
      name: 'creditstream_consumer_batch_duration_seconds',
      help: 'Time to process one fetched batch, from handler start to offsets resolved.',
      labelNames: ['topic'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    handlerDuration: new Histogram({
      name: 'creditstream_handler_duration_seconds',
      help: 'Time the service handler took for one batch, including its durable writes.',
      labelNames: ['topic'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    consumerLag: new Gauge({
      name: 'creditstream_consumer_lag_messages',
      help: 'Messages between the last processed offset and the partition high watermark, at the last batch.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    consumerRetries: new Counter({
      name: 'creditstream_consumer_retries_total',
      help: 'Handler attempts retried after a retriable error, by error code.',
      labelNames: ['topic', 'code'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'creditstream_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by source topic and machine-readable reason.',
      labelNames: ['topic', 'reason'],
      registers,
    }),
    producedMessages: new Counter({
      name: 'creditstream_producer_messages_total',
      help: 'Messages acknowledged by the broker.',
      labelNames: ['topic'],
      registers,
    }),
    producerErrors: new Counter({
      name: 'creditstream_producer_errors_total',
      help: 'Produce requests that failed after the client retries.',
      labelNames: ['topic'],
      registers,
    }),
    produceDuration: new Histogram({
      name: 'creditstream_producer_send_duration_seconds',
      help: 'Time from send to broker acknowledgement for one send call.',
      labelNames: ['topic'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    serviceState: new Gauge({
      name: 'creditstream_service_state',
      help: 'Lifecycle state of the service: 1 for the current state, 0 otherwise.',
      labelNames: ['state'],
      registers,
    }),
  };
}
