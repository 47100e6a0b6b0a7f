import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { simulate } from '@creditstream/cli';
import type { InputEvent } from '@creditstream/features';
import { createFeatureMetrics, FeatureProcessor, type CustomerValue } from '@creditstream/feature-service';
import { createMetrics } from '@creditstream/metrics';
import { builtInColdStart, createScorer } from '@creditstream/model';
import type { CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { createScoringMetrics, ScoringProcessor, type ModelHolder, type ScoringValue } from '@creditstream/scoring-service';
import { compressedJsonSerde, KeyValueStore, PartitionClock, slotOf, type Processor, type ProcessorContext, type TaskRecord } from '@creditstream/streams';

/**
 * The memory benchmark's measuring process (started by `memory.ts` with `--expose-gc` and a large heap): folds a
 * simulated history through the feature service's and the scoring service's processors, partition by partition,
 * exactly as their tasks do but without Kafka or MongoDB around them, then weighs what their stores hold. Prints
 * one JSON line with the measurements on stdout.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Args {
  customers: number;
  days: number;
  partitions: number;
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** An in-memory task context, as the runtime gives a processor, with outputs handed to `forward`. */
function context<V>(partition: number, forward: ProcessorContext<V>['forward']): ProcessorContext<V> {
  const ctx: ProcessorContext<V> = {
    partition,
    store: new KeyValueStore<V>(),
    clock: new PartitionClock(),
    forward,
    log: () => undefined,
    defer: (work) => {
      while (work(ctx));
    },
  };
  return ctx;
}

function record<E>(topic: string, partition: number, offset: number, key: string | null, event: E & { eventTime: string }): TaskRecord<E> {
  const time = Date.parse(event.eventTime);
  return { topic, partition, offset, key, time, event, message: { topic, partition, offset, key: null, value: null, headers: {}, timestamp: String(time), event }, failure: null };
}

function main(): void {
  const args = JSON.parse(process.argv[2] as string) as Args;
  const { customers, days, partitions } = args;
  const baseline = heapAfterGc();
  let rssMax = process.memoryUsage().rss;

  const lastFeatures = new Map<string, { partition: number; event: CustomerFeaturesChangedEvent }>();
  const registry = createMetrics({ service: 'memory-bench' }).registry;
  const featureMetrics = createFeatureMetrics(registry);
  const scoringMetrics = createScoringMetrics(registry);
  const features = Array.from({ length: partitions }, (_, p) => ({
    processor: new FeatureProcessor({ partition: p, outputTopic: 'features', clockTopic: 'clock', metrics: featureMetrics }) as Processor<InputEvent, CustomerValue>,
    ctx: context<CustomerValue>(p, (_topic, key, event) => void lastFeatures.set(key, { partition: p, event: event as CustomerFeaturesChangedEvent })),
    offset: 0,
  }));

  const t0 = performance.now();
  let events = 0;
  let featuresEvents = 0;
  let simulatedDays = 0;
  for (const day of simulate({ seed: 1, customers, days, partitions })) {
    for (const r of day) {
      if (r.kind !== 'event') continue;
      const { topic, key, event } = r.record;
      const partition = r.record.partition ?? slotOf(key, partitions);
      const task = features[partition] as (typeof features)[number];
      task.processor.process(record(topic, partition, task.offset++, topic === 'clock' ? null : key, event as InputEvent), task.ctx);
      events++;
    }
    featuresEvents = lastFeatures.size;
    const rss = process.memoryUsage().rss;
    if (rss > rssMax) rssMax = rss;
    if (++simulatedDays % 30 === 0) process.stderr.write(`[memory] day ${simulatedDays}: ${events.toLocaleString('en-US')} events folded in ${((performance.now() - t0) / 1000).toFixed(0)} s, RSS ${Math.round(rss / 2 ** 20)} MB\n`);
  }
  const foldSeconds = (performance.now() - t0) / 1000;

  // The scoring state of a customer is derived from its latest features event (its input, and the predictions and
  // outlook scored from it): scoring each customer's latest event gives the state the scoring task holds at the end.
  const scorer = createScorer(builtInColdStart());
  const models = { scorer, active: { scorer, model: null, publication: null } } as unknown as ModelHolder;
  const scoring = Array.from({ length: partitions }, (_, p) => ({
    processor: new ScoringProcessor({ partition: p, models, topics: { predictions: 'predictions', outlooks: 'outlooks' }, policy: { minChange: 0.005, atRisk: undefined, highLateShare: undefined, factors: 5 }, metrics: scoringMetrics }),
    ctx: context<ScoringValue>(p, () => undefined),
    offset: 0,
  }));
  for (const [customerId, { partition, event }] of lastFeatures) {
    const task = scoring[partition] as (typeof scoring)[number];
    task.processor.process(record('features', partition, task.offset++, customerId, event), task.ctx);
  }
  lastFeatures.clear();
  const rssBoth = process.memoryUsage().rss;
  if (rssBoth > rssMax) rssMax = rssBoth;
  const heapBoth = heapAfterGc();

  const serde = compressedJsonSerde<unknown>();
  const weigh = (stores: KeyValueStore<unknown>[]) => {
    let keys = 0;
    let json = 0;
    let compressed = 0;
    const blobs: Buffer[] = [];
    for (const store of stores) {
      for (const value of store.values()) {
        keys++;
        json += Buffer.byteLength(JSON.stringify(value));
        const bytes = serde.serialize(value);
        compressed += bytes.length;
        blobs.push(bytes);
      }
    }
    // The CPU part of a restore: every value decompressed and parsed back (MongoDB's reads come on top).
    const r0 = performance.now();
    for (const b of blobs) serde.deserialize(b);
    return { keys, json, compressed, restoreSeconds: (performance.now() - r0) / 1000 };
  };
  const featureWeight = weigh(features.map((f) => f.ctx.store as KeyValueStore<unknown>));
  const scoringWeight = weigh(scoring.map((s) => s.ctx.store as KeyValueStore<unknown>));

  for (const f of features) f.ctx.store.load([]);
  const heapScoringOnly = heapAfterGc();
  for (const s of scoring) s.ctx.store.load([]);
  const heapNone = heapAfterGc();

  process.stdout.write(
    `${JSON.stringify({
      customers,
      days,
      partitions,
      events,
      featuresCustomers: featuresEvents,
      foldSeconds,
      baselineHeap: baseline,
      heapBoth,
      featureHeap: heapBoth - heapScoringOnly,
      scoringHeap: heapScoringOnly - heapNone,
      residualHeap: heapNone,
      rssMax,
      feature: featureWeight,
      scoring: scoringWeight,
    })}\n`,
  );
}

main();
