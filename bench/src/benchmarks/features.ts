import { runSimulate } from '@creditstream/cli';
import { createFeatureService, FEATURE_INPUTS, loadFeatureServiceConfig } from '@creditstream/feature-service';
import { committedTotal, createKafka, endOffsetsTotal } from '@creditstream/kafka';
import type { Benchmark } from '../benchmark';
import { measurePassthrough } from '../passthrough';

/**
 * Feature-service throughput on a simulated stream (default 1,000,000 events), against the raw kafkajs passthrough
 * ceiling measured on the same broker in the same run, and MongoDB round trips per event.
 */
export const features: Benchmark = {
  name: 'features',
  description: 'feature service events/s vs the kafkajs passthrough ceiling; MongoDB round trips per event',
  async run(ctx) {
    const target = ctx.argInt('events', 1_000_000);
    // ~220 events per customer-year with the simulator's default mix (measured: 242,078 for 1,099): size the company to the target.
    const customers = Math.max(10, Math.round(target / 220));
    const prefix = `${ctx.runId}.`;
    const env = { ...process.env, KAFKA_BROKERS: ctx.stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: ctx.stack.schemaRegistryUrl, MONGODB_URI: ctx.stack.mongodbUri };
    ctx.log(`simulating ${customers} customers for a year into Kafka (topics ${prefix}*)`);
    const sim = await runSimulate({ seed: 1, customers, days: 365 }, { out: () => undefined, err: (t) => ctx.log(t), now: () => performance.now() }, { ...env, CREDITSTREAM_TOPIC_PREFIX: prefix });
    ctx.log(`simulated ${sim.events} events`);

    const kafka = createKafka({ brokers: ctx.stack.kafkaBrokers, clientId: 'bench' });
    const inputs = FEATURE_INPUTS.map((t) => `${prefix}${t}`);
    const total = await endOffsetsTotal(kafka, inputs);
    const groupId = `${ctx.runId}-feature-service`;
    // The state cache must hold the working set (every customer of the partitions this instance owns); below that,
    // each batch reloads whole customer histories. --cache overrides; the default covers the simulated company.
    const cache = ctx.argInt('cache', customers + 100);
    const config = loadFeatureServiceConfig({ ...env, MONGODB_DATABASE: ctx.runId.replace(/[^A-Za-z0-9_]/g, '_'), FEATURE_SERVICE_GROUP_ID: groupId, FEATURE_SERVICE_CACHE_CUSTOMERS: String(cache), HTTP_PORT: '0', LOG_LEVEL: 'warn' });
    const service = createFeatureService({ config, topicPrefix: prefix });
    await service.start();
    // The window starts at the first commit, so group join and start-up are not counted as processing time.
    let windowStart: { t: number; done: number } | null = null;
    let last = { t: performance.now(), done: 0 };
    let rssMax = 0;
    while (last.done < total) {
      await new Promise((r) => setTimeout(r, 500));
      const done = await committedTotal(kafka, groupId, inputs);
      const t = performance.now();
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      if (windowStart === null && done > 0) windowStart = { t, done };
      if (done !== last.done) ctx.log(`${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} events folded`);
      last = { t, done };
    }
    const start = windowStart ?? { t: 0, done: 0 };
    const throughput = (last.done - start.done) / ((last.t - start.t) / 1000);
    const roundTrips = service.stateStore().roundTrips;
    await service.stop();

    ctx.log('measuring the raw kafkajs passthrough ceiling on the same broker');
    const ceiling = await measurePassthrough(kafka, { messages: total, partitions: 6, valueBytes: 200, runId: ctx.runId });
    return {
      figures: {
        throughput_events_per_s: { value: Math.round(throughput), unit: 'events/s' },
        ceiling_events_per_s: { value: Math.round(ceiling.eventsPerSecond), unit: 'events/s' },
        ratio_to_ceiling: { value: Number((throughput / ceiling.eventsPerSecond).toFixed(3)), unit: 'ratio' },
        mongo_roundtrips_per_event: { value: Number((roundTrips / total).toFixed(4)), unit: 'round trips/event', goal: '< 0.2' },
        events: { value: total, unit: 'events' },
        rss_mb_max: { value: Math.round(rssMax / 2 ** 20), unit: 'MB' },
      },
      notes: [
        `${total.toLocaleString('en-US')} simulated events (${customers} customers, one year, seed 1) in 5 input topics × 6 partitions, folded by one feature-service instance (in the benchmark process) into MongoDB (SecantusDB) on the same 2-core machine as Kafka, the registry and the database.`,
        'Throughput is measured from the first committed offset to the last, from committed offsets polled every 500 ms; the ceiling is a raw kafkajs consumer forwarding the same number of 200-byte messages to another topic.',
        `MongoDB round trips: ${roundTrips.toLocaleString('en-US')} (finds and bulk writes) for ${total.toLocaleString('en-US')} events.`,
        `State cache: ${cache.toLocaleString('en-US')} customers (FEATURE_SERVICE_CACHE_CUSTOMERS; the working set is ${customers.toLocaleString('en-US')}); rss_mb_max is the benchmark process, which hosts the service.`,
      ],
    };
  },
};
