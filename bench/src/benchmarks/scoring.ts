import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKafkaSink, simulate, type EventRecord, type SimRecord } from '@creditstream/cli';
import { COLLECTIONS as FEATURE_COLLECTIONS, FEATURE_INPUTS } from '@creditstream/feature-service';
import type { InputEvent } from '@creditstream/features';
import { committedTotal, createKafka, endOffsetsTotal, type Kafka } from '@creditstream/kafka';
import { ModelRegistry, REGISTRY_INDEXES, trainPaymentModel } from '@creditstream/model';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, type CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { COLLECTIONS as SCORING_COLLECTIONS, DEFAULT_EXPLANATION_MEMO_MB, SCORING_INPUTS } from '@creditstream/scoring-service';
import { openStore } from '@creditstream/store';
import type { Benchmark } from '../benchmark';
import type { Figure } from '../results';
import { measurePassthrough } from '../passthrough';
import { readEnvelopeHeader } from './scoring/envelope';
import { measureLatencyFloor } from './scoring/floor';
import { LatencyTracker, percentile, type TracedOutput } from './scoring/latency';
import { startServiceProcess, type ServiceProcess } from './scoring/processes';
import { ReadModelLag } from './scoring/read-model';
import { measureRescore, type History } from './scoring/rescore';
import { simulatedTrainingData } from './model';
import { waitAtMost, waitUntil } from './scoring/wait';

const PARTITIONS = 6;
const SEED = 1;
const START = '2024-01-01';
/** Consume → produce hops between an input event and the benchmark's consumer: the feature and scoring services. */
const HOPS = 2;
/** The services' checkpoint interval (their default), stated so the figures say what they were measured with. */
const COMMIT_INTERVAL_MS = 2000;
/** Customers whose simulated history is kept for the in-process re-scoring measurement. */
const RESCORE_CANDIDATES = 50;
/**
 * Longest wait for the pipeline to process what a live phase sent. A pipeline that cannot keep up with the rate
 * leaves a backlog: it is reported (live_backlog_records) rather than waited for without end.
 */
const DRAIN_MS = 900_000;
/**
 * The same wait after a recovery phase: recovery_s (processing again) does not depend on it; a backlog left is
 * reported with the recovery, and the next phase starts on it.
 */
const RECOVERY_DRAIN_MS = 180_000;

type Stage = 'feature-service' | 'scoring-service';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function dateOf(day: readonly SimRecord[]): string | null {
  for (const r of day) if (r.kind === 'event' && r.record.event.type === 'BusinessDayTick') return (r.record.event.payload as { businessDate: string }).businessDate;
  return null;
}

/** Records on each service's inputs not committed yet by its group. */
async function backlogOf(kafka: Kafka, topic: (t: string) => string, groups: Record<Stage, string>): Promise<Record<Stage, number>> {
  const inputs = FEATURE_INPUTS.map(topic);
  const scoringInputs = SCORING_INPUTS.map(topic);
  const [inEnd, inDone, scEnd, scDone] = await Promise.all([
    endOffsetsTotal(kafka, inputs),
    committedTotal(kafka, groups['feature-service'], inputs),
    endOffsetsTotal(kafka, scoringInputs),
    committedTotal(kafka, groups['scoring-service'], scoringInputs),
  ]);
  return { 'feature-service': Math.max(0, inEnd - inDone), 'scoring-service': Math.max(0, scEnd - scDone) };
}

/** Whether both services have committed everything there is on their inputs. */
async function caughtUp(kafka: Kafka, topic: (t: string) => string, groups: Record<Stage, string>): Promise<boolean> {
  const backlog = await backlogOf(kafka, topic, groups);
  return backlog['feature-service'] === 0 && backlog['scoring-service'] === 0;
}

/** The partitions a service instance runs tasks for (the partition labels of its state-keys gauge). */
async function partitionsOf(service: ServiceProcess): Promise<number[]> {
  const samples = await service.samples('creditstream_task_state_keys');
  return [...samples.keys()].map((labels) => Number(/partition="(\d+)"/.exec(labels)?.[1] ?? NaN)).filter((p) => !Number.isNaN(p)).sort((a, b) => a - b);
}

/** Sum of a metric over the live instances of the services. */
async function metricOf(services: readonly ServiceProcess[], name: string): Promise<number> {
  let total = 0;
  for (const s of services) total += await s.metric(name);
  return total;
}

/** The sum and count of an instance's task restores so far (creditstream_task_restore_seconds). */
async function restoreTotals(s: ServiceProcess): Promise<{ sum: number; count: number }> {
  const [sum, count] = await Promise.all([s.metric('creditstream_task_restore_seconds_sum'), s.metric('creditstream_task_restore_seconds_count')]);
  return { sum, count };
}

/** Processing's waits (s) summed over the services' tasks, by cause (creditstream_task_backpressure_seconds_total). */
async function backpressureOf(services: readonly ServiceProcess[]): Promise<{ checkpoint: number; broker: number }> {
  const out = { checkpoint: 0, broker: 0 };
  for (const s of services) {
    for (const [labels, v] of await s.samples('creditstream_task_backpressure_seconds_total')) {
      if (labels.includes('cause="checkpoint"')) out.checkpoint += v;
      else if (labels.includes('cause="broker"')) out.broker += v;
    }
  }
  return out;
}

/**
 * The services on a realistic live stream, both as their own processes (as deployed), on the local stack:
 * a simulated company (≥ 10,000 customers, ≥ half a year of history) is loaded first (the replay: throughput against
 * the raw kafkajs passthrough), then the rest of the simulation streams live at a steady rate with its business-day
 * ticks where the simulated days fall (so the stream rate and the company's business-day cadence agree): latency of
 * the event path and of the business-day sweep against a raw kafkajs pipe with as many hops, MongoDB documents per
 * event, read-model freshness, sweep throughput, recovery after a SIGKILL, and the services' resident memory.
 */
export const scoring: Benchmark = {
  name: 'scoring',
  description: 'simulated company → features → predictions: replay vs ceiling, live latency vs a raw 2-hop pipe, sweeps, MongoDB writes, read-model lag, recovery, RSS',
  async run(ctx) {
    const customers = ctx.argInt('customers', 10_000);
    const historyDays = ctx.argInt('history-days', 183);
    const rate = ctx.argInt('rate', 1000);
    const liveSeconds = ctx.argInt('live-seconds', 120);
    const recoverySeconds = ctx.argInt('recovery-seconds', 30);
    const floorSeconds = ctx.argInt('floor-seconds', Math.min(liveSeconds, 60));
    const sampleEvery = ctx.argInt('read-lag-sample-every', 20);
    const withRecovery = ctx.argFlag('recovery', true);
    const prefix = `${ctx.runId}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const database = ctx.runId.replace(/[^A-Za-z0-9_]/g, '_');
    const env = { ...process.env, KAFKA_BROKERS: ctx.stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: ctx.stack.schemaRegistryUrl, MONGODB_URI: ctx.stack.mongodbUri };
    const notes: string[] = [];

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
    ctx.log(`model ${version.version}: ${trees} trees, ${modelText.length.toLocaleString('en-US')} bytes`);

    // The company: the history is written to Kafka as it is simulated (day by day); the live days are kept.
    const liveBusinessEvents = rate * (liveSeconds + (withRecovery ? 2 * recoverySeconds : 0));
    // ~0.8 business events per customer and business day with the simulator's default mix; the margin is checked below.
    const liveCalendarDays = Math.ceil(((liveBusinessEvents / (0.6 * customers)) * 7) / 5) + 10;
    const days = historyDays + liveCalendarDays;
    const historyEnd = new Date(Date.parse(`${START}T00:00:00Z`) + historyDays * 86_400_000).toISOString().slice(0, 10);
    ctx.log(`simulating ${fmt(customers)} customers for ${days} calendar days from ${START} (seed ${SEED}); history before ${historyEnd} is loaded first`);
    const sink = await openKafkaSink({ brokers: ctx.stack.kafkaBrokers, registryUrl: ctx.stack.schemaRegistryUrl, clientId: 'bench-scoring', topicName: topic });
    const live: EventRecord[][] = [];
    let historyEvents = 0;
    let historyBusinessDays = 0;
    const dayEvents: number[] = [];
    const kept = new Map<string, History>();
    const partition0Ticks: History = [];
    const loadStarted = performance.now();
    for (const records of simulate({ seed: SEED, customers, days, start: START, partitions: PARTITIONS })) {
      const events = records.filter((r): r is Extract<SimRecord, { kind: 'event' }> => r.kind === 'event');
      const date = dateOf(records) ?? '';
      if (date < historyEnd) {
        await sink.write(events);
        historyEvents += events.length;
        historyBusinessDays++;
        dayEvents.push(events.filter((r) => r.record.topic !== TOPIC.clock).length);
        for (const r of events) {
          const e = r.record.event as InputEvent;
          if (e.type === 'BusinessDayTick') {
            if (r.record.partition === 0) partition0Ticks.push({ topic: r.record.topic, event: e });
            continue;
          }
          let h = kept.get(e.customerId);
          if (h === undefined && kept.size < RESCORE_CANDIDATES) kept.set(e.customerId, (h = [...partition0Ticks]));
          h?.push({ topic: r.record.topic, event: e });
        }
        if (historyBusinessDays % 20 === 0) ctx.log(`history: ${date}, ${fmt(historyEvents)} events written`);
      } else {
        live.push(events.map((r) => r.record));
      }
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const liveAvailable = live.reduce((n, d) => n + d.filter((r) => r.topic !== TOPIC.clock).length, 0);
    if (liveAvailable < liveBusinessEvents) throw new Error(`the simulation has ${liveAvailable} live business events, ${liveBusinessEvents} needed`);
    // The company's own cadence: business events per business day over its last 20 history days.
    const recentDays = dayEvents.slice(-20);
    const eventsPerDay = recentDays.reduce((a, b) => a + b, 0) / recentDays.length;
    const daySeconds = eventsPerDay / rate;
    ctx.log(`history: ${fmt(historyEvents)} events over ${historyBusinessDays} business days written in ${loadSeconds.toFixed(0)} s; ${fmt(eventsPerDay)} business events per business day → at ${rate} events/s a business day lasts ${daySeconds.toFixed(1)} s`);

    // Mean encoded size of the live input events: the floor's and the ceiling's message size.
    const codec = new SchemaCodec({ registryUrl: ctx.stack.schemaRegistryUrl });
    for (const t of [...FEATURE_INPUTS, TOPIC.featuresChanged, TOPIC.invoicePredictions, TOPIC.customerOutlook]) await codec.register(topic(t), loadSchema(t));
    const sampleRecords = live.flat().slice(0, 2000);
    const valueBytes = Math.round(sampleRecords.reduce((n, r) => n + codec.encode(topic(r.topic), r.event).length, 0) / sampleRecords.length);

    const kafka = createKafka({ brokers: ctx.stack.kafkaBrokers, clientId: 'bench-scoring' });
    const groups: Record<Stage, string> = { 'feature-service': `${ctx.runId}-feature-service`, 'scoring-service': `${ctx.runId}-scoring-service` };
    const serviceEnv = { ...env, CREDITSTREAM_TOPIC_PREFIX: prefix, MONGODB_DATABASE: database, LOG_LEVEL: 'warn', HTTP_PORT: '0', FEATURE_SERVICE_GROUP_ID: groups['feature-service'], SCORING_SERVICE_GROUP_ID: groups['scoring-service'] };
    const sdDir = mkdtempSync(join(tmpdir(), 'bench-scoring-sd-'));
    const all: ServiceProcess[] = [];
    const current: Record<Stage, ServiceProcess[]> = { 'feature-service': [], 'scoring-service': [] };
    const startService = (stage: Stage): ServiceProcess => {
      const p = startServiceProcess(stage, `@creditstream/${stage}`, serviceEnv, sdDir);
      all.push(p);
      current[stage].push(p);
      return p;
    };
    const running = () => [...current['feature-service'], ...current['scoring-service']];
    const stopAll = async () => {
      for (const s of [...all].reverse()) await s.stop();
      rmSync(sdDir, { recursive: true, force: true });
    };
    // An interrupted run must not leave its service processes behind.
    const onSignal = () => void stopAll().finally(() => process.exit(130));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      startService('feature-service');
      startService('scoring-service');
      await waitUntil('both services to announce themselves', 120_000, async () => running().every((s) => s.announced()));

      // (1) Replay: the loaded history, events in → prediction events out, from the first record the feature service
      // processed (the last poll before it, so start-up is not counted and nothing is credited early) until the scoring
      // service has processed every features event.
      const [feature] = current['feature-service'] as [ServiceProcess];
      const [scorer] = current['scoring-service'] as [ServiceProcess];
      let lastIdle = performance.now();
      let replayEnd = 0;
      let lastLog = performance.now();
      await waitUntil('the history to be replayed', 10_800_000, async () => {
        const t = performance.now();
        const folded = await feature.metric('creditstream_task_records_total');
        if (folded === 0) {
          lastIdle = t;
          return false;
        }
        const scored = await scorer.metric('creditstream_task_records_total');
        if (t - lastLog > 15_000) {
          lastLog = t;
          ctx.log(`replay: ${fmt(folded)} / ${fmt(historyEvents)} events folded, ${fmt(scored)} features events scored; RSS ${running().map((s) => `${s.name} ${s.rssMb()} MB`).join(', ')}`);
        }
        if (folded < historyEvents) return false;
        if (scored < (await endOffsetsTotal(kafka, [topic(TOPIC.featuresChanged)]))) return false;
        replayEnd = t;
        return true;
      });
      const replaySeconds = (replayEnd - lastIdle) / 1000;
      const throughput = historyEvents / replaySeconds;
      await waitUntil('the replay to be committed', 600_000, () => caughtUp(kafka, topic, groups));
      const featuresOut = await endOffsetsTotal(kafka, [topic(TOPIC.featuresChanged)]);
      const predictionsOut = await endOffsetsTotal(kafka, [topic(TOPIC.invoicePredictions)]);
      const outlooksOut = await endOffsetsTotal(kafka, [topic(TOPIC.customerOutlook)]);
      const replayRss = running().map((s) => `${s.name} ${s.rssMaxMb()} MB`).join(', ');
      ctx.log(`replay: ${fmt(historyEvents)} events → ${fmt(featuresOut)} features events → ${fmt(predictionsOut)} predictions in ${replaySeconds.toFixed(1)} s (${fmt(throughput)} events/s); RSS max ${replayRss}`);

      // The benchmark's consumer of every output: traces each back to the input that caused it.
      const tracker = new LatencyTracker();
      const consumer = kafka.consumer({ groupId: `${ctx.runId}-bench-outputs`, maxWaitTimeInMs: 50 });
      await consumer.connect();
      for (const t of [TOPIC.featuresChanged, TOPIC.invoicePredictions, TOPIC.customerOutlook]) await consumer.subscribe({ topic: topic(t), fromBeginning: false });
      let assigned = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
      const featuresTopic = topic(TOPIC.featuresChanged);
      void consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch }) => {
          const received = performance.now();
          for (const m of batch.messages) {
            const header = readEnvelopeHeader(m.value as Buffer);
            if (batch.topic !== featuresTopic) {
              tracker.output(header, received, batch.partition);
              continue;
            }
            // Only a tick's features events are decoded in full: the sweep's size is the open invoices they carry.
            const openInvoices = tracker.isTick(header.causationId) ? (await codec.decode<CustomerFeaturesChangedEvent>(batch.topic, m.value)).payload.openInvoices.length : undefined;
            tracker.featuresChanged({ ...header, ...(openInvoices === undefined ? {} : { openInvoices }) }, received, batch.partition);
          }
        },
      });
      await waitUntil('the output consumer to join', 60_000, async () => assigned);

      // The live stream: the simulation's records in order, business events paced at `rate` (a chunk every 10 ms),
      // each day's ticks where its records start.
      const stream = live.flat();
      let cursor = 0;
      const streamPhase = async (phase: string, seconds: number, at?: { afterSeconds: number; run: () => Promise<void> }): Promise<{ sent: number; seconds: number }> => {
        const quota = rate * seconds;
        const chunk = Math.max(1, Math.round(rate / 100));
        const started = performance.now();
        let sentEvents = 0;
        let sentAll = 0;
        let action: Promise<void> | null = null;
        while (sentEvents < quota) {
          const due = started + (sentEvents / rate) * 1000;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          if (at && action === null && performance.now() - started >= at.afterSeconds * 1000) action = at.run();
          const records: EventRecord[] = [];
          let n = 0;
          while (n < chunk && cursor < stream.length) {
            const r = stream[cursor++] as EventRecord;
            records.push(r);
            if (r.topic !== TOPIC.clock) n++;
          }
          if (records.length === 0) throw new Error('the simulation ran out of live events');
          const sent = performance.now();
          for (const r of records) tracker.input(r.event, sent, phase);
          await sink.write(records.map((record) => ({ kind: 'event', record })));
          sentEvents += n;
          sentAll += records.length;
        }
        await action;
        return { sent: sentAll, seconds: (performance.now() - started) / 1000 };
      };

      // Read-model freshness: every `sampleEvery`-th business event whose features event was received.
      const lag = new ReadModelLag(store, { features: FEATURE_COLLECTIONS.state, predictions: SCORING_COLLECTIONS.state }, 250);
      let seenLive = 0;
      const stopSampling = tracker.onOutput((o) => {
        if (o.stage !== 'features' || o.root.phase !== 'live' || o.root.businessDate !== null) return;
        if (seenLive++ % sampleEvery === 0) lag.sample(o.root.customerId, o.root.version, o.root.sent);
      });

      // (2) The live stream at a steady rate.
      const documents = 'creditstream_task_checkpoint_documents_total';
      const docsBefore = { feature: await metricOf(current['feature-service'], documents), scoring: await metricOf(current['scoring-service'], documents) };
      const checkpointBefore = { sum: await metricOf(running(), 'creditstream_task_checkpoint_seconds_sum'), count: await metricOf(running(), 'creditstream_task_checkpoint_seconds_count'), backpressure: await backpressureOf(running()) };
      for (const s of running()) s.resetRssMax();
      ctx.log(`live: ${fmt(rate * liveSeconds)} business events at ${rate} events/s with the ticks of their days`);
      lag.start();
      const livePhase = await streamPhase('live', liveSeconds);
      const achievedRate = (rate * liveSeconds) / livePhase.seconds;
      const drainStarted = performance.now();
      const liveDrained = await waitAtMost(DRAIN_MS, () => caughtUp(kafka, topic, groups));
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      const liveBacklog = await backlogOf(kafka, topic, groups);
      if (!liveDrained) ctx.log(`live: not processed ${DRAIN_MS / 1000} s after the stream ended; backlog ${fmt(liveBacklog['feature-service'])} feature-service inputs, ${fmt(liveBacklog['scoring-service'])} scoring-service inputs`);
      await waitAtMost(120_000, async () => {
        const ends = await endOffsetsTotal(kafka, [topic(TOPIC.invoicePredictions), topic(TOPIC.customerOutlook)]);
        return tracker.outputsSeen >= ends - predictionsOut - outlooksOut;
      });
      stopSampling();
      await lag.finish(30_000);
      const docsAfter = { feature: await metricOf(current['feature-service'], documents), scoring: await metricOf(current['scoring-service'], documents) };
      const checkpointAfter = { sum: await metricOf(running(), 'creditstream_task_checkpoint_seconds_sum'), count: await metricOf(running(), 'creditstream_task_checkpoint_seconds_count'), backpressure: await backpressureOf(running()) };
      const liveRss = running().map((s) => `${s.name} ${s.rssMaxMb()} MB`).join(', ');
      const events = tracker.eventPath('live');
      const sweeps = tracker.sweeps('live');
      const readLag = lag.summary();
      const writesPerEvent = (docsAfter.feature - docsBefore.feature + docsAfter.scoring - docsBefore.scoring) / livePhase.sent;
      const sweepRates = sweeps.days.map((d) => d.invoicesPerSecond).sort((a, b) => a - b);
      const sweepSeconds = sweeps.days.map((d) => d.seconds * 1000).sort((a, b) => a - b);
      const sweepInvoices = sweeps.days.reduce((n, d) => n + d.invoices, 0);
      const sweepTotalSeconds = sweeps.days.reduce((n, d) => n + d.seconds, 0);
      ctx.log(`event path: ${fmt(events.answered)} of ${fmt(events.inputs)} answered, p50 ${events.p50.toFixed(1)} ms, p99 ${events.p99.toFixed(1)} ms; sweeps: ${sweeps.days.length} days, ${fmt(sweepInvoices)} invoices in ${sweepTotalSeconds.toFixed(1)} s; writes/event ${writesPerEvent.toFixed(4)}; read-model lag p99 ${readLag.bothP99.toFixed(0)} ms; RSS ${liveRss}`);

      // Before the recovery phase adds instances: joins beyond the first were rebalances the running ones caused.
      const joins = { feature: await (current['feature-service'] as [ServiceProcess])[0].metric('creditstream_group_joins_total'), scoring: await (current['scoring-service'] as [ServiceProcess])[0].metric('creditstream_group_joins_total') };

      // (3) Recovery: a second instance joins the group; once both own tasks, one is SIGKILLed while the stream goes
      // on. recovery_s = the kill → the survivor processing records again on every partition the killed instance
      // ran (its creditstream_task_uncommitted_records gauge of that partition above 0, polled every 100 ms): the
      // session timeout, the rebalance and the takeover's restore. The kill → the first output, on each partition, of
      // an input sent after the kill (the backlog of the lost commit interval too) is reported beside it.
      const recovery: Partial<Record<Stage, { seconds: number; outputSeconds: number; killed: number[]; resumed: number[]; partitions: number[]; rebalanceSeconds: number; assignedSeconds: number; restoreSeconds: number; drained: boolean; backlog: Record<Stage, number> }>> = {};
      if (withRecovery) {
        for (const stage of ['feature-service', 'scoring-service'] as const) {
          const [first] = current[stage] as [ServiceProcess];
          const joinStarted = performance.now();
          const second = startService(stage);
          await waitUntil(`a second ${stage} to own tasks`, 180_000, async () => {
            if (!second.announced()) return false;
            const [a, b] = await Promise.all([first.metric('creditstream_tasks'), second.metric('creditstream_tasks')]);
            return a > 0 && b > 0 && a + b === PARTITIONS;
          });
          const rebalanceSeconds = (performance.now() - joinStarted) / 1000;
          const killed = await partitionsOf(first);
          const phase = `recovery-${stage}`;
          let killedAt = NaN;
          const firstAfter = new Map<number, number>();
          const resumedAt = new Map<number, number>();
          // The breakdown: when the survivor owned every partition (the killed member's session expired and the group
          // rebalanced), and how long its restores of the taken tasks took (creditstream_task_restore_seconds).
          let assignedAt = NaN;
          const restoresBefore = await restoreTotals(second);
          const watching: TracedOutput['stage'] = stage === 'feature-service' ? 'features' : 'scoring';
          const stop = tracker.onOutput((o) => {
            if (o.stage !== watching || Number.isNaN(killedAt) || o.root.sent <= killedAt || firstAfter.has(o.partition)) return;
            firstAfter.set(o.partition, o.received);
          });
          let polling = true;
          const poller = (async () => {
            while (polling && resumedAt.size < killed.length) {
              if (!Number.isNaN(killedAt)) {
                const samples = await second.samples('creditstream_task_uncommitted_records').catch(() => new Map<string, number>());
                const t = performance.now();
                if (Number.isNaN(assignedAt) && (await second.metric('creditstream_tasks').catch(() => 0)) === PARTITIONS) assignedAt = t;
                for (const [labels, v] of samples) {
                  const p = Number(/partition="(\d+)"/.exec(labels)?.[1] ?? NaN);
                  if (killed.includes(p) && v > 0 && !resumedAt.has(p)) resumedAt.set(p, t);
                }
              }
              await new Promise((r) => setTimeout(r, 100));
            }
          })();
          ctx.log(`recovery of the ${stage}: two instances own ${PARTITIONS} partitions (rebalance ${rebalanceSeconds.toFixed(1)} s); SIGKILL of pid ${first.pid} (partitions ${killed.join(', ')}) after 5 s of stream`);
          await streamPhase(phase, recoverySeconds, {
            afterSeconds: 5,
            run: async () => {
              killedAt = performance.now();
              await first.kill();
            },
          });
          current[stage] = current[stage].filter((s) => s !== first);
          const drained = await waitAtMost(RECOVERY_DRAIN_MS, () => caughtUp(kafka, topic, groups));
          const backlog = await backlogOf(kafka, topic, groups);
          polling = false;
          await poller;
          stop();
          const restoresAfter = await restoreTotals(second);
          const restoreSeconds = restoresAfter.count > restoresBefore.count ? (restoresAfter.sum - restoresBefore.sum) / (restoresAfter.count - restoresBefore.count) : NaN;
          const assignedSeconds = (assignedAt - killedAt) / 1000;
          const since = (t: number | undefined) => (t === undefined ? Infinity : (t - killedAt) / 1000);
          const resumed = killed.map((p) => since(resumedAt.get(p)));
          const partitions = Array.from({ length: PARTITIONS }, (_, p) => since(firstAfter.get(p)));
          recovery[stage] = { seconds: Math.max(...resumed), outputSeconds: Math.max(...partitions), killed, resumed, partitions, rebalanceSeconds, assignedSeconds, restoreSeconds, drained, backlog };
          ctx.log(`recovery of the ${stage}: the survivor owned every partition after ${assignedSeconds.toFixed(2)} s (session timeout and rebalance); its restores took ${restoreSeconds.toFixed(2)} s on average`);
          ctx.log(`recovery of the ${stage}: processing again on ${killed.map((p, i) => `p${p} ${(resumed[i] as number).toFixed(2)} s`).join(', ')}; first output of a later input: ${partitions.map((x, p) => `p${p} ${x.toFixed(2)} s`).join(', ')}${drained ? '' : `; not processed ${RECOVERY_DRAIN_MS / 1000} s after the stream ended (backlog ${fmt(backlog['feature-service'])} + ${fmt(backlog['scoring-service'])})`}`);
        }
      }
      await consumer.disconnect();
      await sink.close();
      const rssByService = (stage: Stage) => Math.max(...all.filter((s) => s.name === stage).map((s) => s.rssMaxEverMb()));
      const rss = { feature: rssByService('feature-service'), scoring: rssByService('scoring-service') };
      await stopAll();

      // (4) The latency floor, the throughput ceiling and the in-process re-scoring, with the services stopped.
      ctx.log(`latency floor: a raw kafkajs pipe of ${HOPS} hops, ${rate} messages/s of ${valueBytes} bytes for ${floorSeconds} s over ${PARTITIONS} partitions`);
      const floor = await measureLatencyFloor(kafka, { brokers: ctx.stack.kafkaBrokers, runId: ctx.runId, rate, messages: rate * floorSeconds, partitions: PARTITIONS, valueBytes, hops: HOPS, log: ctx.log });
      ctx.log(`latency floor: p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms`);
      ctx.log(`ceiling: raw kafkajs passthrough of ${fmt(historyEvents)} messages of ${valueBytes} bytes`);
      const ceiling = await measurePassthrough(kafka, { messages: historyEvents, partitions: PARTITIONS, valueBytes, runId: ctx.runId });
      const candidate = [...kept.values()].sort((a, b) => b.length - a.length)[0] as History;
      const rescore = measureRescore(version, candidate);
      await store.close();

      const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
      const figures: Record<string, Figure> = {
        latency_p50_ms: { value: Number(events.p50.toFixed(1)), unit: 'ms' },
        latency_p99_ms: { value: Number(events.p99.toFixed(1)), unit: 'ms' },
        latency_floor_p50_ms: { value: Number(floor.p50.toFixed(1)), unit: 'ms' },
        latency_floor_p99_ms: { value: Number(floor.p99.toFixed(1)), unit: 'ms' },
        latency_p50_ratio_to_floor: { value: ratio(events.p50, floor.p50), unit: 'ratio', goal: '≤ 2' },
        latency_p99_ratio_to_floor: { value: ratio(events.p99, floor.p99), unit: 'ratio', goal: '≤ 2' },
        latency_rate_events_per_s: { value: Math.round(achievedRate), unit: 'events/s' },
        sweep_invoices_per_s: { value: Math.round(sweepInvoices / sweepTotalSeconds), unit: 'invoices/s', goal: '≥ 20,000' },
        sweep_invoices_per_day: { value: Math.round(sweepInvoices / Math.max(1, sweeps.days.length)), unit: 'invoices' },
        sweep_seconds_p50: { value: Number((percentile(sweepSeconds, 50) / 1000).toFixed(2)), unit: 's' },
        sweep_seconds_p99: { value: Number((percentile(sweepSeconds, 99) / 1000).toFixed(2)), unit: 's' },
        sweep_latency_p50_ms: { value: Math.round(sweeps.outputP50), unit: 'ms' },
        sweep_latency_p99_ms: { value: Math.round(sweeps.outputP99), unit: 'ms' },
        business_day_seconds: { value: Number(daySeconds.toFixed(1)), unit: 's' },
        ratio_to_ceiling: { value: Number((throughput / ceiling.eventsPerSecond).toFixed(3)), unit: 'ratio', goal: '≥ 0.5' },
        throughput_events_per_s: { value: Math.round(throughput), unit: 'events/s' },
        ceiling_events_per_s: { value: Math.round(ceiling.eventsPerSecond), unit: 'events/s' },
        mongo_writes_per_event: { value: Number(writesPerEvent.toFixed(4)), unit: 'documents/event', goal: '≤ 0.1' },
        read_model_lag_p99_ms: { value: Number.isFinite(readLag.bothP99) ? Math.round(readLag.bothP99) : -1, unit: 'ms', goal: '≤ 5,000' },
        read_model_lag_p50_ms: { value: Number.isFinite(readLag.bothP50) ? Math.round(readLag.bothP50) : -1, unit: 'ms' },
        live_backlog_records: { value: liveBacklog['feature-service'] + liveBacklog['scoring-service'], unit: 'records', goal: '0' },
        live_drain_seconds: { value: Number(drainSeconds.toFixed(1)), unit: 's' },
        ...(recovery['feature-service'] ? { recovery_s_feature_service: { value: Number(recovery['feature-service'].seconds.toFixed(1)), unit: 's', goal: '≤ 15' }, recovery_output_s_feature_service: { value: Number(recovery['feature-service'].outputSeconds.toFixed(1)), unit: 's' }, recovery_assigned_s_feature_service: { value: Number(recovery['feature-service'].assignedSeconds.toFixed(1)), unit: 's' }, recovery_restore_s_feature_service: { value: Number(recovery['feature-service'].restoreSeconds.toFixed(2)), unit: 's' } } : {}),
        ...(recovery['scoring-service'] ? { recovery_s_scoring_service: { value: Number(recovery['scoring-service'].seconds.toFixed(1)), unit: 's', goal: '≤ 15' }, recovery_output_s_scoring_service: { value: Number(recovery['scoring-service'].outputSeconds.toFixed(1)), unit: 's' }, recovery_assigned_s_scoring_service: { value: Number(recovery['scoring-service'].assignedSeconds.toFixed(1)), unit: 's' }, recovery_restore_s_scoring_service: { value: Number(recovery['scoring-service'].restoreSeconds.toFixed(2)), unit: 's' } } : {}),
        rss_mb_max_feature_service: { value: rss.feature, unit: 'MB', goal: '≤ 150' },
        rss_mb_max_scoring_service: { value: rss.scoring, unit: 'MB', goal: '≤ 150' },
        rescore_1000_open_ms: { value: Number(rescore.ms.toFixed(2)), unit: 'ms' },
        rescore_1000_open_probabilities_ms: { value: Number(rescore.probabilitiesOnlyMs.toFixed(2)), unit: 'ms' },
      };
      const goals: string[] = [];
      const check = (name: string, ok: boolean) => goals.push(`${name} ${ok ? 'met' : 'MISSED'}`);
      check('latency_p50_ratio_to_floor', events.p50 / floor.p50 <= 2);
      check('latency_p99_ratio_to_floor', events.p99 / floor.p99 <= 2);
      check('ratio_to_ceiling', throughput / ceiling.eventsPerSecond >= 0.5);
      check('live_backlog_records', liveDrained);
      check('mongo_writes_per_event', writesPerEvent <= 0.1);
      check('read_model_lag_p99_ms', readLag.bothP99 <= 5000);
      check('sweep_invoices_per_s', sweepInvoices / sweepTotalSeconds >= 20_000);
      for (const [stage, r] of Object.entries(recovery)) check(`recovery_s (${stage})`, r.seconds <= 15);
      check('rss_mb_max (feature-service)', rss.feature <= 150);
      check('rss_mb_max (scoring-service)', rss.scoring <= 150);

      notes.push(
        `Setup: both services run as their own processes (dist/src/main.js, default settings: checkpoints every ${COMMIT_INTERVAL_MS} ms, every 30 s while a task is catching up — 10,000 records or more behind, or more than a commit interval of work behind —, session timeout 8 s), with the local stack (Kafka, Apicurio, SecantusDB, Prometheus) and this benchmark on the same ${PARTITIONS}-partition topics and the same 2-core machine. Model ${version.version}: LightGBM with the trainer's defaults trained on another simulated company (seed 2, 300 customers, two years), ${trees} trees; every emitted prediction carries its top 5 factors (exact TreeSHAP, explanation memo ${DEFAULT_EXPLANATION_MEMO_MB} MiB). Goals: ${goals.join('; ')}.`,
        `The company: ${fmt(customers)} customers (seed ${SEED}) from ${START}; the history (${historyDays} calendar days, ${historyBusinessDays} business days before ${historyEnd}: ${fmt(historyEvents)} events with the ticks) is written to Kafka first. Its own cadence: ${fmt(eventsPerDay)} business events per business day (mean of its last 20 history days), so at ${rate} events/s a business day lasts ${daySeconds.toFixed(1)} s (business_day_seconds); the live stream is the rest of the same simulation in order, business events paced at ${rate}/s (a chunk every 10 ms) and each day's ${PARTITIONS} ticks (one per partition) where its records start — no day is compressed beyond what the population's own event rate gives.`,
        `Replay (ratio_to_ceiling, throughput_events_per_s): the ${fmt(historyEvents)} history events folded by the feature service (${fmt(featuresOut)} features events) and scored by the scoring service (${fmt(predictionsOut)} prediction events, ${fmt(outlooksOut)} outlooks), timed from the last poll (every 250 ms of the services' creditstream_task_records_total) before the feature service's first processed record until the scoring service had processed every features event: ${replaySeconds.toFixed(1)} s. Ceiling: a raw kafkajs consumer forwarding ${fmt(historyEvents)} messages of ${valueBytes} bytes (the mean encoded input event) to another topic on the same broker, ${ceiling.seconds.toFixed(1)} s. RSS during the replay: ${replayRss}.`,
        `Event path (latency_p50_ms, latency_p99_ms): ${fmt(rate * liveSeconds)} business events paced at ${rate}/s (achieved ${achievedRate.toFixed(0)}), ${fmt(livePhase.sent - rate * liveSeconds)} ticks among them. ${liveDrained ? `Everything was processed and committed ${drainSeconds.toFixed(1)} s after the stream ended (live_drain_seconds).` : `The pipeline did not keep up: ${DRAIN_MS / 1000} s after the stream ended, ${fmt(liveBacklog['feature-service'])} feature-service and ${fmt(liveBacklog['scoring-service'])} scoring-service input records were still not processed (live_backlog_records); the latencies below are over the events answered by then, so they understate the stream's.`} Latency = this benchmark's consumer received the first prediction or outlook event caused (by causation id) by the features event that the input caused − the input handed to the producer; over the ${fmt(events.answered)} of ${fmt(events.inputs)} business events whose re-scoring emitted something (${fmt(events.announced)} caused a features event; the others moved no probability by 0.005 and no outlook). Max ${events.max.toFixed(0)} ms. Feature service part (input → its features event received): p50 ${events.featuresP50.toFixed(1)} ms, p99 ${events.featuresP99.toFixed(1)} ms. By input: ${events.byType}.`,
        `Latency floor (latency_floor_*): ${fmt(floor.samples)} messages of ${valueBytes} bytes paced at ${rate}/s (achieved ${floor.achievedRate.toFixed(0)}) through ${HOPS} raw kafkajs hops (each its own process: consumer → producer of the fetched batch unchanged, idempotent, acks all) over ${PARTITIONS} partitions to a consumer configured as this benchmark's output consumer; measured after the services were stopped, in the same run. Max ${floor.max.toFixed(0)} ms.`,
        `Business-day sweep (sweep_*): ${sweeps.days.length} live business days; a day's sweep = its ${PARTITIONS} ticks → the feature service announces every customer with open invoices (features events carrying every open invoice) → the scoring service re-scores them; sweep_invoices_per_s = open invoices carried by the ticks' features events / (first tick sent → last prediction or outlook of that day's sweep received), over all days (${fmt(sweepInvoices)} invoices in ${sweepTotalSeconds.toFixed(1)} s; per day p50 ${fmt(percentile(sweepRates, 50))}/s, min ${fmt(sweepRates[0] ?? NaN)}/s; ${fmt(sweepInvoices / Math.max(1, sweeps.days.reduce((n, d) => n + d.customers, 0)), 1)} open invoices per announced customer). The sweep runs inside the live stream: the event path shares the tasks with it. sweep_latency_*: tick sent → each of its outputs received. Per day: ${sweeps.days.map((d) => `${d.businessDate} ${fmt(d.invoices)} in ${d.seconds.toFixed(2)} s`).join(', ')}.`,
        `MongoDB (mongo_writes_per_event): creditstream_task_checkpoint_documents_total of both services over the live stream (slot documents, side-log chunks, task documents): feature service ${fmt(docsAfter.feature - docsBefore.feature)}, scoring service ${fmt(docsAfter.scoring - docsBefore.scoring)}, for ${fmt(livePhase.sent)} input events (ticks included). Checkpoints took ${(((checkpointAfter.sum - checkpointBefore.sum) / Math.max(1, checkpointAfter.count - checkpointBefore.count)) * 1000).toFixed(0)} ms on average (${fmt(checkpointAfter.count - checkpointBefore.count)} checkpoints); processing waited ${(checkpointAfter.backpressure.checkpoint - checkpointBefore.backpressure.checkpoint).toFixed(1)} s for checkpoints and ${(checkpointAfter.backpressure.broker - checkpointBefore.backpressure.broker).toFixed(1)} s for the broker (creditstream_task_backpressure_seconds_total by cause, summed over the tasks).`,
        `Read models (read_model_lag_*): every ${sampleEvery}th live business event that caused a features event (${fmt(readLag.samples + readLag.unseen)} samples, ${readLag.unseen} never seen within 30 s of the end and counted as infinitely late): input handed to the producer → the customer's view in feature_state at the version that folded it AND its predictions view in scoring_state scored from that version, both read through the committed task documents as the services' readers do (only ids and versions projected), polled every 250 ms (${lag.polls} polls; the time is when the read returned, so up to one poll late). Feature read model alone: p50 ${readLag.featuresP50.toFixed(0)} ms, p99 ${readLag.featuresP99.toFixed(0)} ms; predictions alone: p50 ${readLag.predictionsP50.toFixed(0)} ms, p99 ${readLag.predictionsP99.toFixed(0)} ms; both: max ${readLag.bothMax.toFixed(0)} ms.`,
        withRecovery
          ? `Recovery (recovery_s_*): per service, a second instance joins the group (rebalance: ${Object.entries(recovery).map(([s, r]) => `${s} ${r.rebalanceSeconds.toFixed(1)} s`).join(', ')} until both owned tasks), the stream goes on at ${rate}/s, after 5 s the first instance is SIGKILLed; recovery_s = the kill → the survivor processing records again on every partition the killed instance ran (its creditstream_task_uncommitted_records gauge of that partition above 0, polled every 100 ms), the largest over those partitions; recovery_assigned_s = the kill → the survivor owning every partition (session timeout, then the rebalance); recovery_restore_s = the survivor's mean restore time of the tasks it took over (creditstream_task_restore_seconds); recovery_output_s = the kill → the first output (features events for the feature service, predictions/outlooks for the scoring service) on each partition caused by an input sent after the kill, the largest over all partitions (it includes any backlog ahead of that input). ${Object.entries(recovery).map(([s, r]) => `${s}: processing again on ${r.killed.map((p, i) => `p${p} ${(r.resumed[i] as number).toFixed(2)} s`).join(', ')}; first output ${r.partitions.map((x, p) => `p${p} ${x.toFixed(2)} s`).join(', ')}${r.drained ? '' : ` (backlog not processed ${RECOVERY_DRAIN_MS / 1000} s after the stream ended: ${fmt(r.backlog['feature-service'])} feature-service and ${fmt(r.backlog['scoring-service'])} scoring-service inputs)`}`).join('; ')}.`
          : 'Recovery not measured (--recovery=0).',
        `RSS (rss_mb_max_*): the largest VmRSS of any instance of the service (sampled every 250 ms) over the whole run (replay, live stream, recovery); during the live stream alone: ${liveRss}.`,
        `In process (rescore_1000_open_*): the scoring service's scoreCustomer for one simulated customer (${rescore.customerId}, ${rescore.events} history records folded) given 1,000 open invoices, after a payment on one of them: every open invoice re-scored from the prediction inputs, top 5 factors for the ${rescore.emitted} predictions that moved (memo warmed by the scoring before the payment, as in the service), median of ${rescore.repeats} fresh scorers; _probabilities_ms: the same without factors.`,
        `Group joins through the replay and the live stream (creditstream_group_joins_total; 1 = no rebalance): feature service ${joins.feature}, scoring service ${joins.scoring}. More than one: the instance was dropped for heartbeats later than the session timeout (a CPU-starved machine), and each rebalance stopped its fetching for a while.`,
      );
      return { figures, notes };
    } catch (err) {
      await stopAll();
      throw err;
    }
  },
};
