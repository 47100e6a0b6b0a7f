import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKafkaSink, simulate, type SimRecord } from '@creditstream/cli';
import { FEATURE_INPUTS } from '@creditstream/feature-service';
import { committedTotal, createKafka, endOffsetsTotal, type Kafka } from '@creditstream/kafka';
import { ModelRegistry, REGISTRY_INDEXES, trainPaymentModel } from '@creditstream/model';
import { SchemaCodec } from '@creditstream/schema';
import { TOPIC, type CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { DEFAULT_EXPLANATION_MEMO_MB, SCORING_INPUTS } from '@creditstream/scoring-service';
import { openStore } from '@creditstream/store';
import type { Benchmark } from '../benchmark';
import type { Figure } from '../results';
import { measurePassthrough } from '../passthrough';
import { measureRescore } from './scoring/rescore';
import { LatencyTracker } from './scoring/latency';
import { startServiceProcess, type ServiceProcess } from './scoring/processes';
import { simulatedTrainingData } from './model';
import { waitUntil } from './scoring/wait';

const PARTITIONS = 6;
const SEED = 1;
const START = '2024-01-01';
const OUTPUTS = [TOPIC.featuresChanged, TOPIC.invoicePredictions, TOPIC.customerOutlook];

/** Splits a simulation into its first `historyDays` business days and the rest, with ground truth dropped. */
function splitSimulation(customers: number, days: number, historyDays: number, liveTicks: boolean): { history: SimRecord[][]; live: SimRecord[] } {
  const history: SimRecord[][] = [];
  const live: SimRecord[] = [];
  let day = 0;
  for (const records of simulate({ seed: SEED, customers, days, start: START, partitions: PARTITIONS })) {
    const events = records.filter((r) => r.kind === 'event');
    if (day++ < historyDays) history.push(events);
    else live.push(...events.filter((r) => liveTicks || r.kind !== 'event' || r.record.topic !== TOPIC.clock));
  }
  return { history, live };
}

/** Whether both services have committed everything there is on their inputs. */
async function caughtUp(kafka: Kafka, topic: (t: string) => string, groups: { feature: string; scoring: string }): Promise<boolean> {
  const inputs = FEATURE_INPUTS.map(topic);
  const scoringInputs = SCORING_INPUTS.map(topic);
  const [inEnd, inDone, scEnd, scDone] = await Promise.all([
    endOffsetsTotal(kafka, inputs),
    committedTotal(kafka, groups.feature, inputs),
    endOffsetsTotal(kafka, scoringInputs),
    committedTotal(kafka, groups.scoring, scoringInputs),
  ]);
  return inDone >= inEnd && scDone >= scEnd;
}

/**
 * The first end-to-end slice under load: simulated events in → feature service → scoring service → prediction events
 * out, both services as their own processes (as deployed), on the local stack:
 * (a) sustained throughput against the raw kafkajs passthrough ceiling of the same broker in the same run;
 * (b) latency from input event to prediction event at a steady rate (default 1,000 events/s);
 * (c) re-scoring a customer with 1,000 open invoices after one payment (in process, and end to end);
 * (d) resident memory of each service.
 */
export const scoring: Benchmark = {
  name: 'scoring',
  description: 'simulated events → predictions: throughput vs ceiling, latency at a steady rate, re-scoring 1,000 open invoices, RSS',
  async run(ctx) {
    const customers = ctx.argInt('customers', 400);
    const historyDays = ctx.argInt('history-days', 365);
    const rate = ctx.argInt('rate', 1000);
    const liveSeconds = ctx.argInt('live-seconds', 60);
    // While developing: --latency-only=1 stops after the live stream (no re-scoring or ceiling figures).
    const latencyOnly = ctx.argFlag('latency-only', false);
    // --live-ticks=0 leaves the clock ticks out of the live stream: the event path alone, as in production, where a
    // business day (one sweep of every open invoice) lasts 86,400 s rather than a fraction of a second.
    const liveTicks = ctx.argFlag('live-ticks', true);
    const prefix = `${ctx.runId}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const database = ctx.runId.replace(/[^A-Za-z0-9_]/g, '_');
    const env = { ...process.env, KAFKA_BROKERS: ctx.stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: ctx.stack.schemaRegistryUrl, MONGODB_URI: ctx.stack.mongodbUri };

    // The model: LightGBM trained with the trainer's defaults on another simulated company (seed 2), then published.
    ctx.log('training the model on another simulated company (seed 2, 300 customers, two years)');
    const training = simulatedTrainingData(2, 300);
    const outcome = await trainPaymentModel(training.data, { seed: 1 });
    if (outcome.kind !== 'trained') throw new Error(`training failed: ${outcome.reasons.join('; ')}`);
    const modelText = outcome.model.modelText ?? '';
    const trees = (modelText.match(/^Tree=/gm) ?? []).length;
    const store = await openStore({ uri: ctx.stack.mongodbUri, database, indexes: REGISTRY_INDEXES });
    const registry = new ModelRegistry(store);
    const version = await registry.register(outcome.model);
    await registry.publish(version.version, { publishedBy: 'bench', businessTime: `${START}T00:00:00.000Z` });
    await store.close();
    ctx.log(`model ${version.version}: ${trees} trees, ${modelText.length.toLocaleString('en-US')} bytes, holdout log-loss ${outcome.model.metrics?.logLoss.toFixed(4)}`);

    // The company: one year of history replayed as fast as possible, then a live stream at a steady rate.
    const liveEvents = rate * liveSeconds;
    // The simulator's `days` are calendar days and it yields business days (about 5 in 7): enough of them for the
    // history's business days and the live events (under one event per customer and business day).
    const days = Math.ceil(((historyDays + Math.ceil((liveEvents / customers) * 4)) * 7) / 5) + 30;
    ctx.log(`simulating ${customers} customers for ${days} days (seed ${SEED})`);
    const sim = splitSimulation(customers, days, historyDays, liveTicks);
    const historyEvents = sim.history.reduce((n, d) => n + d.length, 0);
    if (sim.live.length < liveEvents) throw new Error(`the simulation has only ${sim.live.length} live events, ${liveEvents} needed`);
    const sink = await openKafkaSink({ brokers: ctx.stack.kafkaBrokers, registryUrl: ctx.stack.schemaRegistryUrl, clientId: 'bench-scoring', topicName: topic });
    for (const day of sim.history) await sink.write(day);
    ctx.log(`wrote ${historyEvents.toLocaleString('en-US')} history events`);

    const kafka = createKafka({ brokers: ctx.stack.kafkaBrokers, clientId: 'bench-scoring' });
    const groups = { feature: `${ctx.runId}-feature-service`, scoring: `${ctx.runId}-scoring-service` };
    const serviceEnv = { ...env, CREDITSTREAM_TOPIC_PREFIX: prefix, MONGODB_DATABASE: database, LOG_LEVEL: 'warn', HTTP_PORT: '0' };
    const sdDir = mkdtempSync(join(tmpdir(), 'bench-scoring-sd-'));
    const services: ServiceProcess[] = [];
    const stopAll = async () => {
      for (const s of [...services].reverse()) await s.stop();
      rmSync(sdDir, { recursive: true, force: true });
    };
    try {
      services.push(startServiceProcess('feature-service', '@creditstream/feature-service', { ...serviceEnv, FEATURE_SERVICE_GROUP_ID: groups.feature, CREDITSTREAM_PROMETHEUS_SD_DIR: sdDir }));
      services.push(startServiceProcess('scoring-service', '@creditstream/scoring-service', { ...serviceEnv, SCORING_SERVICE_GROUP_ID: groups.scoring, CREDITSTREAM_PROMETHEUS_SD_DIR: sdDir }));
      await waitUntil('both services to announce themselves', 120_000, async () => readdirSync(sdDir).length >= 2);

      // (a) throughput: from the feature service's first commit until both services have caught up.
      const inputs = FEATURE_INPUTS.map(topic);
      let start = 0;
      await waitUntil('the feature service to commit', 300_000, async () => {
        if ((await committedTotal(kafka, groups.feature, inputs)) > 0) start = performance.now();
        return start > 0;
      });
      let lastLog = performance.now();
      await waitUntil('the backlog to be scored', 3_600_000, async () => {
        const done = await caughtUp(kafka, topic, groups);
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          ctx.log(`${(await committedTotal(kafka, groups.feature, inputs)).toLocaleString('en-US')} / ${historyEvents.toLocaleString('en-US')} events folded; ${services.map((s) => `${s.name} ${s.rssMb()} MB`).join(', ')}`);
        }
        return done;
      });
      const backlogSeconds = (performance.now() - start) / 1000;
      const throughput = historyEvents / backlogSeconds;
      const predictionsOut = await endOffsetsTotal(kafka, [topic(TOPIC.invoicePredictions)]);
      ctx.log(`backlog: ${historyEvents.toLocaleString('en-US')} events → ${predictionsOut.toLocaleString('en-US')} predictions in ${backlogSeconds.toFixed(1)} s (${throughput.toFixed(0)} events/s)`);
      const backlogRss = services.map((s) => s.rssMaxMb());

      // (b) latency at a steady rate, and (d) RSS at steady state.
      const codec = new SchemaCodec({ registryUrl: ctx.stack.schemaRegistryUrl });
      const tracker = new LatencyTracker();
      const consumer = kafka.consumer({ groupId: `${ctx.runId}-bench-outputs`, maxWaitTimeInMs: 50 });
      await consumer.connect();
      for (const t of OUTPUTS) await consumer.subscribe({ topic: topic(t), fromBeginning: false });
      let assigned = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
      void consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch }) => {
          const received = performance.now();
          for (const m of batch.messages) {
            const event = await codec.decode<{ eventId: string; customerId: string; causationId: string | null }>(batch.topic, m.value);
            if (batch.topic === topic(TOPIC.featuresChanged)) tracker.featuresChanged(event as CustomerFeaturesChangedEvent, received);
            else tracker.output(event, received);
          }
        },
      });
      await waitUntil('the output consumer to join', 60_000, async () => assigned);
      const outputTopics = [topic(TOPIC.invoicePredictions), topic(TOPIC.customerOutlook)];
      const outputsAtJoin = await endOffsetsTotal(kafka, outputTopics);
      const outputsDrained = async () => tracker.outputsSeen >= (await endOffsetsTotal(kafka, outputTopics)) - outputsAtJoin;
      for (const s of services) s.resetRssMax();
      ctx.log(`live: ${liveEvents.toLocaleString('en-US')} events at ${rate} events/s`);
      const live = sim.live.slice(0, liveEvents);
      const liveStarted = performance.now();
      const chunk = Math.max(1, Math.round(rate / 100));
      for (let i = 0; i < live.length; i += chunk) {
        const due = liveStarted + (i / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const records = live.slice(i, i + chunk);
        const sent = performance.now();
        for (const r of records) if (r.kind === 'event') tracker.input(r.record.event, r.record.topic, sent);
        await sink.write(records);
      }
      const achievedRate = live.length / ((performance.now() - liveStarted) / 1000);
      await waitUntil('the live stream to be scored', 600_000, () => caughtUp(kafka, topic, groups));
      // Outputs of the last events are produced before the scoring service commits: give the consumer until they are read.
      await waitUntil('the output consumer to read every output', 60_000, outputsDrained);
      const latency = tracker.summary();
      const steadyRss = services.map((s) => s.rssMaxMb());
      ctx.log(`latency over ${latency.events.samples} business events answered: p50 ${latency.events.p50.toFixed(1)} ms, p99 ${latency.events.p99.toFixed(1)} ms; ${latency.ticks.samples} clock ticks swept: p50 ${latency.ticks.lastP50.toFixed(0)} ms, p99 ${latency.ticks.lastP99.toFixed(0)} ms (achieved ${achievedRate.toFixed(0)} events/s); RSS ${services.map((s, i) => `${s.name} ${steadyRss[i]} MB`).join(', ')}`);

      if (latencyOnly) {
        await consumer.disconnect();
        await sink.close();
        await stopAll();
        const figures: Record<string, Figure> = { latency_p50_ms: { value: Number(latency.events.p50.toFixed(1)), unit: 'ms' }, latency_p99_ms: { value: Number(latency.events.p99.toFixed(1)), unit: 'ms' } };
        return { figures, notes: [JSON.stringify(latency)] };
      }

      // (c) re-scoring 1,000 open invoices after a payment: in process (the scoring work), then end to end.
      ctx.log('re-scoring a customer with 1,000 open invoices after one payment');
      const rescore = await measureRescore({ modelVersion: version, sink, topic, tracker, caughtUp: () => caughtUp(kafka, topic, groups), outputsDrained, mongodbUri: ctx.stack.mongodbUri, database, log: ctx.log });
      await consumer.disconnect();
      await sink.close();
      await stopAll();

      ctx.log('measuring the raw kafkajs passthrough ceiling on the same broker');
      const ceiling = await measurePassthrough(kafka, { messages: historyEvents, partitions: PARTITIONS, valueBytes: 200, runId: ctx.runId });
      const rssMax = Math.max(...steadyRss);
      return {
        figures: {
          ratio_to_ceiling: { value: Number((throughput / ceiling.eventsPerSecond).toFixed(4)), unit: 'ratio', goal: '≥ 0.5' },
          throughput_events_per_s: { value: Math.round(throughput), unit: 'events/s' },
          ceiling_events_per_s: { value: Math.round(ceiling.eventsPerSecond), unit: 'events/s' },
          latency_p50_ms: { value: Number(latency.events.p50.toFixed(1)), unit: 'ms' },
          latency_p99_ms: { value: Number(latency.events.p99.toFixed(1)), unit: 'ms', goal: '≤ 50' },
          tick_sweep_p50_ms: { value: Math.round(latency.ticks.lastP50), unit: 'ms' },
          tick_sweep_p99_ms: { value: Math.round(latency.ticks.lastP99), unit: 'ms' },
          latency_rate_events_per_s: { value: Math.round(achievedRate), unit: 'events/s' },
          rescore_1000_open_ms: { value: Number(rescore.inProcessMs.toFixed(2)), unit: 'ms', goal: '≤ 20' },
          rescore_1000_open_e2e_ms: { value: Number(rescore.endToEndMs.toFixed(1)), unit: 'ms' },
          rescore_1000_open_probabilities_ms: { value: Number(rescore.probabilitiesOnlyMs.toFixed(2)), unit: 'ms' },
          rss_mb_max: { value: rssMax, unit: 'MB', goal: '≤ 150' },
        },
        notes: [
          `Both services run as their own processes (their dist/src/main.js), with the local stack (Kafka, Apicurio, SecantusDB, Prometheus) and this benchmark on the same 2-core machine. Model: ${version.version}, LightGBM with the trainer's defaults trained on another simulated company (seed 2, 300 customers, two years): ${trees} trees, ${modelText.length.toLocaleString('en-US')} bytes; every emitted prediction carries its top 5 factors (exact TreeSHAP).`,
          `(a) ${historyEvents.toLocaleString('en-US')} simulated events (${customers} customers, ${historyDays} days, seed ${SEED}, ${PARTITIONS} partitions) written to Kafka first, then folded and scored: ${backlogSeconds.toFixed(1)} s from the feature service's first commit until both services had committed everything, ${predictionsOut.toLocaleString('en-US')} prediction events out. The ceiling is a raw kafkajs consumer forwarding the same number of 200-byte messages to another topic.`,
          `(b) then ${liveEvents.toLocaleString('en-US')} further events of the same simulation (business days ${historyDays + 1}…) paced at ${rate} events/s (achieved ${achievedRate.toFixed(0)}). Latency = when this benchmark's consumer received the first prediction or outlook event caused by an input event − when the input was handed to the producer; an input is traced to the customer version that folded it (the features-changed event naming it or a later input of the same customer and topic), and answered by the first output of its customer computed from that version or a later one (output ids carry the version); latency_p50_ms and latency_p99_ms are over the business events (payments, invoices, disputes, orders, registrations): ${latency.events.samples.toLocaleString('en-US')} of ${latency.events.inputs.toLocaleString('en-US')} were answered (the others changed no probability by ≥ 0.005 and no later output of their customer came before the end, or their customer has no open invoice). Answered by an output of exactly their own version: ${latency.exact.samples.toLocaleString('en-US')}, p50 ${latency.exact.p50.toFixed(1)} ms, p99 ${latency.exact.p99.toFixed(1)} ms. The feature service's part (input sent → its features-changed event received): p50 ${latency.featureStage.p50.toFixed(1)} ms, p99 ${latency.featureStage.p99.toFixed(1)} ms. A clock tick (a new business day: every open invoice of its partition is re-scored, in the background) is traced by causation; tick_sweep_p50_ms / _p99_ms = tick sent → the last output of its sweep received, over ${latency.ticks.samples.toLocaleString('en-US')} of ${latency.ticks.inputs.toLocaleString('en-US')} ticks (a tick superseded by the next one before its sweep emitted anything has no output of its own); first output: p50 ${latency.ticks.firstP50.toFixed(0)} ms, p99 ${latency.ticks.firstP99.toFixed(0)} ms. ${liveTicks ? `The simulation compresses business days: at ${rate} events/s a business day passes every ${((sim.live.length / Math.max(1, days - historyDays)) / rate).toFixed(2)} s, so every partition is swept that often (in production: once a day).` : 'The live stream had no clock ticks (--live-ticks=0): the business date stayed at the last day of the history, so no sweep ran during it (in production a business day lasts 86,400 s).'} By input: ${latency.byType}.`,
          `(c) rescore_1000_open_ms: the scoring service's work for one customer with 1,000 open invoices after a payment on one of them, in process (scoreCustomer: 1,000 feature vectors, probabilities, emission rule, top 5 factors of the ${rescore.emitted} emitted predictions with the service's default exact TreeSHAP memo (${DEFAULT_EXPLANATION_MEMO_MB} MiB) warmed by the scoring before the payment, the outlook), median of ${rescore.repeats} fresh scorers; rescore_1000_open_probabilities_ms: the same without factors (what the explanations leave). rescore_1000_open_e2e_ms: the same through the running services: the payment handed to the producer → the last of its ${rescore.endToEndOutputs} output events received (feature service fold and write, features-changed, state load, scoring, feature-log and prediction writes of 1,000 vectors, produce).`,
          `(d) rss_mb_max: the largest resident set of either service process during the live stream (VmRSS sampled every 250 ms): ${services.map((s, i) => `${s.name} ${steadyRss[i]} MB`).join(', ')}; during the backlog: ${services.map((s, i) => `${s.name} ${backlogRss[i]} MB`).join(', ')}.`,
        ],
      };
    } catch (err) {
      await stopAll();
      throw err;
    }
  },
};
