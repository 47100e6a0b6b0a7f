import { randomBytes } from 'node:crypto';
import { Partitioners, type Kafka } from 'kafkajs';
import { simulate } from '@creditstream/cli';
import { COLLECTIONS_INPUTS, createCollectionsService, createSimulation, loadCollectionsServiceConfig, type InputKind } from '@creditstream/collections-service';
import { addDays } from '@creditstream/features';
import { createKafka, createProducer, ensureTopics } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, topic as topicSpec, type BusinessDayTickEvent } from '@creditstream/schemas';
import { slotOf } from '@creditstream/streams';
import type { Benchmark, BenchContext } from '../benchmark';

const KIND_OF = new Map<string, InputKind>(COLLECTIONS_INPUTS.map(([t, kind]) => [t, kind]));
const PARTITIONS = 6;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * The process simulation over a simulated year, in memory (the generator's records pushed one at a time into one
 * in-memory partition task per partition, customers placed by a hash of their id), then more business-day ticks on
 * the state it built: the daily run's cost per customer.
 */
function replayAndDailyRun(ctx: BenchContext, customers: number, extraTicks: number) {
  const sim = createSimulation();
  let rssMax = process.memoryUsage().rss;
  let lastDate = '';
  const started = performance.now();
  let days = 0;
  for (const day of simulate({ seed: 1, customers, days: 365 })) {
    for (const r of day) {
      if (r.kind !== 'event') continue;
      const kind = KIND_OF.get(r.record.topic);
      if (kind === undefined) continue; // orders: not a collections input
      const partition = r.record.partition ?? slotOf(r.record.key, PARTITIONS);
      if (kind === 'clock') lastDate = (r.record.event as BusinessDayTickEvent).payload.businessDate;
      sim.push(kind, partition, r.record.event as never);
    }
    days += 1;
    if (days % 20 === 0) {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      ctx.log(`replayed ${days} business days, ${sim.result.records.toLocaleString('en-US')} records, ${sim.result.outputs.toLocaleString('en-US')} actions, RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`);
    }
  }
  const replaySeconds = (performance.now() - started) / 1000;
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  const replay = { seconds: replaySeconds, days, records: sim.result.records, actions: sim.result.outputs, rejected: sim.result.rejected.length };

  // Daily run: further ticks on the final state (every customer of each partition is looked at; those with
  // something open are aged and dunned).
  const contexts = sim.contexts();
  let keys = 0;
  for (const c of contexts.values()) keys += [...c.store.keys()].filter((k) => !k.startsWith('*')).length;
  const actionsBefore = sim.result.outputs;
  let date = lastDate;
  // Ordinary business days, and the first day of a month apart (its run also closes the month: interest notes and
  // month-end statements).
  let tickSeconds = 0;
  let ordinaryTicks = 0;
  let monthCloseSeconds = 0;
  let monthCloseTicks = 0;
  for (let i = 0; i < extraTicks; i++) {
    const previous = date;
    date = addDays(date, 1);
    const t0 = performance.now();
    for (let partition = 0; partition < PARTITIONS; partition++) {
      sim.push('clock', partition, { eventId: `bench-tick-${date}-p${partition}`, eventTime: `${date}T00:00:00.000Z`, customerId: '*', causationId: null, type: 'BusinessDayTick', payload: { businessDate: date, previousBusinessDate: previous, partition } } as never);
    }
    const seconds = (performance.now() - t0) / 1000;
    if (previous.slice(0, 7) !== date.slice(0, 7)) {
      monthCloseSeconds += seconds;
      monthCloseTicks += 1;
    } else {
      tickSeconds += seconds;
      ordinaryTicks += 1;
    }
  }
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  const open = [...contexts.values()].reduce((n, c) => n + [...c.store.values()].filter((v) => v.kind === 'customer' && v.fold.open.length > 0).length, 0);
  // State size: the JSON of every 20th customer (what a checkpoint serialises before compression).
  let sampled = 0;
  let jsonBytes = 0;
  let k = 0;
  for (const c of contexts.values()) {
    for (const v of c.store.values()) {
      if (v.kind !== 'customer' || k++ % 20 !== 0) continue;
      sampled += 1;
      jsonBytes += JSON.stringify(v).length;
    }
  }
  return { replay, stateJsonBytes: sampled === 0 ? 0 : jsonBytes / sampled, daily: { customers: keys, withOpen: open, ticks: ordinaryTicks, seconds: tickSeconds, monthCloseTicks, monthCloseSeconds, actions: sim.result.outputs - actionsBefore }, rssMax };
}

/** The one-hop floor: a raw kafkajs producer → topic → raw consumer forwarding to a second topic → raw consumer, at `rate`/s. */
async function rawHopLatencies(kafka: Kafka, runId: string, count: number, intervalMs: number): Promise<number[]> {
  const a = `bench.collections-hop-a.${runId}`;
  const b = `bench.collections-hop-b.${runId}`;
  await ensureTopics(kafka, [{ name: a, partitions: PARTITIONS }, { name: b, partitions: PARTITIONS }]);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const forwarder = kafka.consumer({ groupId: `${runId}-hop-forward`, maxWaitTimeInMs: 100 });
  const receiver = kafka.consumer({ groupId: `${runId}-hop-receive`, maxWaitTimeInMs: 100 });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  await forwarder.connect();
  await receiver.connect();
  await forwarder.subscribe({ topic: a, fromBeginning: true });
  await receiver.subscribe({ topic: b, fromBeginning: true });
  const joined = (c: typeof forwarder) => new Promise<void>((r) => c.on(c.events.GROUP_JOIN, () => r()));
  const bothJoined = Promise.all([joined(forwarder), joined(receiver)]);
  await forwarder.run({ eachMessage: async ({ message }) => void (await producer.send({ topic: b, messages: [{ key: message.key, value: message.value }] })) });
  await receiver.run({
    eachMessage: async ({ message }) => {
      const id = message.key?.toString() ?? '';
      const t = sentAt.get(id);
      if (t === undefined) return;
      latencies.push(performance.now() - t);
      sentAt.delete(id);
      if (latencies.length >= count) resolveAll();
    },
  });
  await bothJoined;
  await new Promise((r) => setTimeout(r, 1000));
  const value = randomBytes(300);
  for (let i = 0; i < count; i++) {
    const key = `C${i}`;
    sentAt.set(key, performance.now());
    await producer.send({ topic: a, messages: [{ key, value }] });
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
  await forwarder.disconnect();
  await receiver.disconnect();
  await producer.disconnect();
  return latencies.sort((x, y) => x - y);
}

/** Prediction crossing the threshold → CollectionStarted, through the running service on the real stack. */
async function serviceLatencies(ctx: BenchContext, kafka: Kafka, count: number, intervalMs: number): Promise<number[]> {
  const prefix = `${ctx.runId}.`;
  const name = (t: string) => `${prefix}${t}`;
  const codec = new SchemaCodec({ registryUrl: ctx.stack.schemaRegistryUrl });
  const inputs = COLLECTIONS_INPUTS.map(([t]) => t);
  await ensureTopics(kafka, inputs.map((t) => ({ ...topicSpec(t), name: name(t) })));
  for (const t of inputs) await codec.register(name(t), loadSchema(t));
  const producer = createProducer({ kafka, codec });
  await producer.connect();
  const at = (d: string) => `${d}T09:00:00.000Z`;
  const ids = Array.from({ length: count }, (_, i) => `L${String(i).padStart(5, '0')}`);
  await producer.send(name(TOPIC.customers), ids.map((c) => ({ key: c, event: { eventId: `${c}-reg`, eventTime: at('2024-06-01'), customerId: c, causationId: null, type: 'CustomerRegistered', payload: { name: c, country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: '2020-01-01' } } })));
  await producer.send(name(TOPIC.invoices), ids.map((c) => ({ key: c, event: { eventId: `${c}-inv`, eventTime: at('2024-06-01'), customerId: c, causationId: null, type: 'InvoiceIssued', payload: { invoiceId: `${c}-1`, orderId: null, amountMinor: 100_000, currency: 'EUR', invoiceDate: '2024-06-01', dueDate: '2024-07-01', termsCode: 'NET30', netDays: 30 } } })));
  await producer.send(name(TOPIC.clock), Array.from({ length: PARTITIONS }, (_, partition) => ({ key: '*', partition, event: { eventId: `tick-2024-06-03-p${partition}`, eventTime: '2024-06-03T00:00:00.000Z', customerId: '*', causationId: null, type: 'BusinessDayTick', payload: { businessDate: '2024-06-03', previousBusinessDate: null, partition } } })));
  const env = { ...process.env, KAFKA_BROKERS: ctx.stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: ctx.stack.schemaRegistryUrl, MONGODB_URI: ctx.stack.mongodbUri };
  const config = loadCollectionsServiceConfig({ ...env, MONGODB_DATABASE: ctx.runId.replace(/[^A-Za-z0-9_]/g, '_'), COLLECTIONS_SERVICE_GROUP_ID: `${ctx.runId}-collections`, HTTP_PORT: '0', LOG_LEVEL: 'warn', COLLECTIONS_SERVICE_AWAIT_PROGRESS: 'none' });
  const service = createCollectionsService({ config, topicPrefix: prefix });
  await service.start();
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const receiver = kafka.consumer({ groupId: `${ctx.runId}-latency`, maxWaitTimeInMs: 100 });
  await receiver.connect();
  await receiver.subscribe({ topic: name(TOPIC.collectionActions), fromBeginning: true });
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  const receiverJoined = new Promise<void>((r) => receiver.on(receiver.events.GROUP_JOIN, () => r()));
  await receiver.run({
    eachMessage: async ({ message }) => {
      const event = await codec.decode<{ type: string; customerId: string }>(name(TOPIC.collectionActions), message.value);
      if (event.type !== 'CollectionStarted') return;
      const t = sentAt.get(event.customerId);
      if (t === undefined) return;
      latencies.push(performance.now() - t);
      sentAt.delete(event.customerId);
      if (latencies.length >= count) resolveAll();
    },
  });
  try {
    // Warm-up: the service has folded the invoices once a first prediction is answered.
    ctx.log('waiting for the service to fold the invoices');
    const setup = 2 * count + PARTITIONS;
    const processed = async () => {
      const m = service.metrics.registry.getSingleMetric('creditstream_task_records_total');
      return m === undefined ? 0 : (await m.get()).values.reduce((n, v) => n + v.value, 0);
    };
    const deadline = performance.now() + 120_000;
    while ((await processed()) < setup && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await receiverJoined;
    const warm = (c: string, p: number) => ({ key: c, event: { eventId: `${c}-pred-${p}`, eventTime: at('2024-06-03'), customerId: c, causationId: null, type: 'InvoicePaymentPredicted', payload: { invoiceId: `${c}-1`, businessDate: '2024-06-03', modelId: 'bench', modelVersion: '1', pOnTime: p, pLate: (1 - p) / 2, pVeryLate: (1 - p) / 2, predictedBucket: p >= 0.5 ? 'ON_TIME' : 'LATE', atRisk: p < 0.5, openAmountMinor: 100_000, currency: 'EUR', topFactors: [], featureVectorId: 'fv' } } });
    await new Promise((r) => setTimeout(r, 2000));
    ctx.log(`measuring ${count} predictions crossing the threshold, one every ${intervalMs} ms`);
    for (const c of ids) {
      sentAt.set(c, performance.now());
      await producer.send(name(TOPIC.invoicePredictions), [warm(c, 0.3)]);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    await Promise.race([all, new Promise((r) => setTimeout(r, 60_000))]);
  } finally {
    await receiver.disconnect();
    await producer.disconnect();
    await service.stop();
  }
  if (latencies.length < count) ctx.log(`only ${latencies.length} of ${count} starts arrived within 60 s`);
  return latencies.sort((x, y) => x - y);
}

/**
 * Collections: the daily run's customers per second, the process simulation's business days per second over a
 * simulated year, and the latency from a prediction crossing the threshold to CollectionStarted against the raw
 * kafkajs one-hop floor measured in the same run.
 */
export const collections: Benchmark = {
  name: 'collections',
  description: 'collections daily run customers/s, process-simulation days/s over a year, prediction→CollectionStarted p99 vs the kafkajs floor, RSS',
  async run(ctx) {
    const customers = ctx.argInt('customers', 10_000);
    const extraTicks = ctx.argInt('ticks', 8);
    const count = ctx.argInt('latency-samples', 300);
    const intervalMs = ctx.argInt('interval-ms', 20);
    ctx.log(`process simulation: a simulated year of ${customers} customers, in memory`);
    const { replay, daily, rssMax, stateJsonBytes } = replayAndDailyRun(ctx, customers, extraTicks);
    const kafka = createKafka({ brokers: ctx.stack.kafkaBrokers, clientId: 'bench' });
    ctx.log('latency: the raw kafkajs one-hop floor');
    const floor = await rawHopLatencies(kafka, ctx.runId, count, intervalMs);
    ctx.log('latency: prediction → CollectionStarted through the service');
    const service = await serviceLatencies(ctx, kafka, count, intervalMs);
    const rss = Math.max(rssMax, process.memoryUsage().rss);
    const floorP99 = percentile(floor, 99);
    const p99 = percentile(service, 99);
    return {
      figures: {
        daily_run_customers_per_s: { value: Math.round((daily.customers * daily.ticks) / daily.seconds), unit: 'customers/s', goal: '≥ 50,000' },
        month_close_customers_per_s: { value: Math.round((daily.customers * daily.monthCloseTicks) / daily.monthCloseSeconds), unit: 'customers/s' },
        action_latency_p99_ms: { value: Number(p99.toFixed(1)), unit: 'ms', goal: `≤ 2 × floor (${(2 * floorP99).toFixed(1)} ms)` },
        action_latency_p50_ms: { value: Number(percentile(service, 50).toFixed(1)), unit: 'ms' },
        floor_latency_p99_ms: { value: Number(floorP99.toFixed(1)), unit: 'ms' },
        floor_latency_p50_ms: { value: Number(percentile(floor, 50).toFixed(1)), unit: 'ms' },
        replay_days_per_s: { value: Number((replay.days / replay.seconds).toFixed(2)), unit: 'business days/s' },
        replay_events_per_s: { value: Math.round(replay.records / replay.seconds), unit: 'events/s' },
        rss_mb_max: { value: Math.round(rss / 2 ** 20), unit: 'MB', goal: '≤ 150' },
        state_kb_per_customer: { value: Number((stateJsonBytes / 1024).toFixed(1)), unit: 'KB (JSON)' },
      },
      notes: [
        `Process simulation: the simulator's year (seed 1, ${customers.toLocaleString('en-US')} customers, ${replay.days} business days, ${replay.records.toLocaleString('en-US')} collections input events: customers, invoices, payments, clock; no orders) pushed one record at a time into one in-memory collections partition task per partition (6; the service's processor, the shared fold, the built-in policy), in ${replay.seconds.toFixed(1)} s; ${replay.actions.toLocaleString('en-US')} actions, ${replay.rejected} records refused.`,
        `Daily run: further business-day ticks on the state the year built, each on all 6 partitions: ${daily.customers.toLocaleString('en-US')} customers looked at per tick (${daily.withOpen.toLocaleString('en-US')} with open invoices aged and dunned, the rest skipped as idle); daily_run_customers_per_s over ${daily.ticks} ordinary days (${daily.seconds.toFixed(3)} s), month_close_customers_per_s over ${daily.monthCloseTicks} first day(s) of a month (interest notes and month-end statements too, ${daily.monthCloseSeconds.toFixed(3)} s); ${daily.actions.toLocaleString('en-US')} actions in all. In memory, without Kafka: the service's tick costs this plus producing the actions.`,
        `Latency: ${count} customers with an open invoice are folded by one collections-service instance (in the benchmark process, default settings); then one InvoicePaymentPredicted with P(on time) 0.3 per customer is produced every ${intervalMs} ms, and the time from before the send to the CollectionStarted arriving at a kafkajs consumer of the actions topic is measured (${service.length} samples). The floor is the same shape with raw kafkajs only: produce → a consumer that forwards each message to a second topic → a consumer of that topic (${floor.length} samples), in the same run at the same rate.`,
        `rss_mb_max is the benchmark process: the in-memory simulation holds every customer's state at once (the shared fold keeps every invoice and payment of the year: state_kb_per_customer is the mean JSON size of a customer's state, fold and collections state, over every 20th customer), then the service of the latency part.`,
      ],
    };
  },
};
