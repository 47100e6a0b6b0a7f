import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKafkaSink, simulate, type EventRecord } from '@creditstream/cli';
import { BUILTIN_RULES, evaluateChecks, FRAUD_INPUTS } from '@creditstream/fraud-service';
import { committedTotal, createKafka, endOffsetsTotal, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, type FraudCheckEvent } from '@creditstream/schemas';
import type { Benchmark } from '../benchmark';
import type { Figure } from '../results';
import { readEnvelopeHeader } from './scoring/envelope';
import { measureLatencyFloor } from './scoring/floor';
import { percentile } from './scoring/latency';
import { startServiceProcess, type ServiceProcess } from './scoring/processes';
import { waitUntil } from './scoring/wait';

const PARTITIONS = 6;
const SEED = 1;
const START = '2024-01-01';
/** Consume → produce hops between an order and its check: the fraud service. */
const HOPS = 1;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Every check on the checks topic up to its end offsets now, decoded. */
async function readChecks(kafka: Kafka, codec: SchemaCodec, topic: string): Promise<FraudCheckEvent[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Set(ends.filter((e) => Number(e.high) > 0).map((e) => e.partition));
  const out: FraudCheckEvent[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `bench-fraud-read-${Date.now()}`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const high = Number(ends.find((e) => e.partition === batch.partition)?.high ?? 0);
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            if (offset >= high) break;
            out.push(await codec.decode<FraudCheckEvent>(topic, m.value));
            if (offset === high - 1) remaining.delete(batch.partition);
          }
          if (remaining.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}

/**
 * The fraud service as its own process on the local stack: a simulated year (seed fixed, ≥ 2,000 customers) is
 * replayed through it and its checks are measured against the simulator's fraud truth (recall and precision at the
 * review threshold, the share of orders reviewed, PR AUC of the score); then the simulation goes on live at 500
 * orders/s within a 1,000 events/s stream: order sent → its check received, against a raw kafkajs one-hop pipe
 * measured in the same run; and the service's resident memory throughout.
 */
export const fraud: Benchmark = {
  name: 'fraud',
  description: 'simulated year → fraud checks: recall, precision, review rate and PR AUC against the simulator\'s truth; check latency at 500 orders/s within 1,000 events/s vs a raw one-hop pipe; RSS',
  async run(ctx) {
    const customers = ctx.argInt('customers', 2000);
    const historyDays = ctx.argInt('history-days', 365);
    const rate = ctx.argInt('rate', 1000);
    const orderRate = ctx.argInt('order-rate', 500);
    const liveSeconds = ctx.argInt('live-seconds', 60);
    const floorSeconds = ctx.argInt('floor-seconds', 30);
    if (orderRate > rate) throw new Error(`--order-rate=${orderRate} is above --rate=${rate}`);
    const prefix = `${ctx.runId}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const database = ctx.runId.replace(/[^A-Za-z0-9_]/g, '_');
    const group = `${ctx.runId}-fraud-service`;
    const notes: string[] = [];

    // The company: the history year is written to Kafka as it is simulated; the fraud truth of its orders is kept,
    // and the days after it are kept for the live stream.
    const liveOrders = orderRate * liveSeconds;
    const liveCalendarDays = Math.ceil(((liveOrders / (0.15 * customers)) * 7) / 5) + 20;
    const days = historyDays + liveCalendarDays;
    const historyEnd = new Date(Date.parse(`${START}T00:00:00Z`) + historyDays * 86_400_000).toISOString().slice(0, 10);
    ctx.log(`simulating ${fmt(customers)} customers for ${days} calendar days from ${START} (seed ${SEED}); the year before ${historyEnd} is the history`);
    const sink = await openKafkaSink({ brokers: ctx.stack.kafkaBrokers, registryUrl: ctx.stack.schemaRegistryUrl, clientId: 'bench-fraud', topicName: topic });
    const fraudulent = new Set<string>();
    const patterns = new Map<string, string>();
    const live: EventRecord[] = [];
    let historyEvents = 0;
    let historyOrders = 0;
    const loadStarted = performance.now();
    for (const records of simulate({ seed: SEED, customers, days, start: START, partitions: PARTITIONS })) {
      const first = records.find((r) => r.kind === 'event');
      const date = first?.kind === 'event' ? first.record.event.eventTime.slice(0, 10) : '';
      if (date < historyEnd) {
        const events = records.filter((r) => r.kind === 'event');
        await sink.write(events);
        historyEvents += events.length;
        for (const r of records) {
          if (r.kind === 'fraud') {
            fraudulent.add(`${r.truth.customerId}/${r.truth.orderId}`);
            patterns.set(`${r.truth.customerId}/${r.truth.orderId}`, r.truth.pattern);
          } else if (r.kind === 'event' && r.record.event.type === 'OrderPlaced') historyOrders++;
        }
      } else {
        for (const r of records) if (r.kind === 'event') live.push(r.record);
      }
    }
    ctx.log(`history: ${fmt(historyEvents)} events (${fmt(historyOrders)} orders, ${fmt(fraudulent.size)} fraudulent) written in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`);

    // The live stream: every order of the days after the history, and as many of the other events (customer master
    // data first, then invoices, payments, shipments in their order) so that orders are half of the business events;
    // each day's ticks where they fall.
    const stream: EventRecord[] = [];
    let orders = 0;
    let others = 0;
    for (const r of live) {
      if (r.topic === TOPIC.clock) stream.push(r);
      else if (r.event.type === 'OrderPlaced') {
        stream.push(r);
        orders++;
      } else if (r.topic === TOPIC.customers || others < orders) {
        stream.push(r);
        others++;
      }
    }
    if (orders < liveOrders) throw new Error(`the simulation has ${orders} live orders, ${liveOrders} needed`);
    const codec = new SchemaCodec({ registryUrl: ctx.stack.schemaRegistryUrl });
    for (const t of [...FRAUD_INPUTS, TOPIC.fraudChecks]) await codec.register(topic(t), loadSchema(t));
    const sample = stream.filter((r) => r.topic !== TOPIC.clock).slice(0, 2000);
    const valueBytes = Math.round(sample.reduce((n, r) => n + codec.encode(topic(r.topic), r.event).length, 0) / sample.length);

    const kafka = createKafka({ brokers: ctx.stack.kafkaBrokers, clientId: 'bench-fraud' });
    const env = { ...process.env, KAFKA_BROKERS: ctx.stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: ctx.stack.schemaRegistryUrl, MONGODB_URI: ctx.stack.mongodbUri, CREDITSTREAM_TOPIC_PREFIX: prefix, MONGODB_DATABASE: database, LOG_LEVEL: 'warn', HTTP_PORT: '0', FRAUD_SERVICE_GROUP_ID: group, FRAUD_SERVICE_AWAIT_DAILY_RUN: 'none' };
    const sdDir = mkdtempSync(join(tmpdir(), 'bench-fraud-sd-'));
    let service: ServiceProcess | null = null;
    const stopAll = async () => {
      await service?.stop();
      rmSync(sdDir, { recursive: true, force: true });
    };
    const onSignal = () => void stopAll().finally(() => process.exit(130));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      service = startServiceProcess('fraud-service', '@creditstream/fraud-service', env, sdDir);
      const s = service;
      await waitUntil('the fraud service to announce itself', 120_000, async () => s.announced());

      // (1) The history replayed through the service, from its first processed record to the last.
      let lastIdle = performance.now();
      let replayEnd = 0;
      let lastLog = performance.now();
      await waitUntil('the history to be checked', 3_600_000, async () => {
        const t = performance.now();
        const done = await s.metric('creditstream_task_records_total');
        if (done === 0) {
          lastIdle = t;
          return false;
        }
        if (t - lastLog > 15_000) {
          lastLog = t;
          ctx.log(`replay: ${fmt(done)} / ${fmt(historyEvents)} events; RSS ${s.rssMb()} MB`);
        }
        if (done < historyEvents) return false;
        replayEnd = t;
        return true;
      });
      const replaySeconds = (replayEnd - lastIdle) / 1000;
      const inputs = FRAUD_INPUTS.map(topic);
      await waitUntil('the replay to be committed', 600_000, async () => (await committedTotal(kafka, group, inputs)) >= (await endOffsetsTotal(kafka, inputs)));
      const replayRss = s.rssMaxMb();
      ctx.log(`replay: ${fmt(historyEvents)} events in ${replaySeconds.toFixed(1)} s (${fmt(historyEvents / replaySeconds)} events/s); RSS max ${replayRss} MB`);

      // (2) The checks of the history against the truth.
      const checks = await readChecks(kafka, codec, topic(TOPIC.fraudChecks));
      const scored = checks.map((c) => ({ customerId: c.customerId, orderId: c.payload.orderId, score: c.payload.score, review: c.payload.outcome === 'REVIEW' }));
      const quality = evaluateChecks(scored, fraudulent);
      const ids = new Set(checks.map((c) => c.eventId));
      const byPattern = new Map<string, { orders: number; caught: number }>();
      for (const c of scored) {
        const p = patterns.get(`${c.customerId}/${c.orderId}`);
        if (p === undefined) continue;
        const x = byPattern.get(p) ?? { orders: 0, caught: 0 };
        x.orders++;
        if (c.review) x.caught++;
        byPattern.set(p, x);
      }
      const falseBy = new Map<string, number>();
      for (const c of checks) {
        if (c.payload.outcome !== 'REVIEW' || fraudulent.has(`${c.customerId}/${c.payload.orderId}`)) continue;
        const top = c.payload.reasons[0]?.code ?? '?';
        falseBy.set(top, (falseBy.get(top) ?? 0) + 1);
      }
      ctx.log(`quality: recall ${quality.recall.toFixed(3)}, precision ${quality.precision.toFixed(3)}, review rate ${(quality.reviewRate * 100).toFixed(2)}%, PR AUC ${quality.prAuc.toFixed(3)} over ${fmt(checks.length)} checks of ${fmt(historyOrders)} orders`);

      // (3) Live: orders paced at `orderRate` within `rate` business events per second; order sent → check received.
      const sent = new Map<string, number>();
      const latencies: number[] = [];
      const consumer = kafka.consumer({ groupId: `${ctx.runId}-bench-checks`, maxWaitTimeInMs: 50 });
      await consumer.connect();
      await consumer.subscribe({ topic: topic(TOPIC.fraudChecks), fromBeginning: false });
      let assigned = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
      void consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch }) => {
          const received = performance.now();
          for (const m of batch.messages) {
            const cause = readEnvelopeHeader(m.value as Buffer).causationId;
            const at = cause === null ? undefined : sent.get(cause);
            if (at !== undefined) latencies.push(received - at);
          }
        },
      });
      await waitUntil('the check consumer to join', 60_000, async () => assigned);
      s.resetRssMax();
      const businessEvents = rate * liveSeconds;
      const chunk = Math.max(1, Math.round(rate / 100));
      ctx.log(`live: ${fmt(businessEvents)} business events at ${rate}/s, orders half of them, for ${liveSeconds} s`);
      const started = performance.now();
      let cursor = 0;
      let sentEvents = 0;
      let sentOrders = 0;
      while (sentEvents < businessEvents) {
        const due = started + (sentEvents / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const records: EventRecord[] = [];
        let n = 0;
        while (n < chunk && cursor < stream.length) {
          const r = stream[cursor++] as EventRecord;
          records.push(r);
          if (r.topic !== TOPIC.clock) n++;
        }
        if (records.length === 0) throw new Error('the simulation ran out of live events');
        const t = performance.now();
        for (const r of records) {
          if (r.event.type !== 'OrderPlaced') continue;
          sent.set(r.event.eventId, t);
          sentOrders++;
        }
        await sink.write(records.map((record) => ({ kind: 'event' as const, record })));
        sentEvents += n;
      }
      const achieved = businessEvents / ((performance.now() - started) / 1000);
      const achievedOrders = sentOrders / ((performance.now() - started) / 1000);
      await waitUntil('every live order\'s check', 300_000, async () => latencies.length >= sentOrders);
      const liveRss = s.rssMaxMb();
      const rssMax = s.rssMaxEverMb();
      await consumer.disconnect();
      await sink.close();
      await stopAll();
      latencies.sort((a, b) => a - b);
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      ctx.log(`live: ${fmt(latencies.length)} checks of ${fmt(sentOrders)} orders, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; RSS max ${rssMax} MB`);

      // (4) The floor: a raw kafkajs one-hop pipe at the same rate, message size and partitions.
      ctx.log(`latency floor: a raw kafkajs pipe of ${HOPS} hop, ${rate} messages/s of ${valueBytes} bytes for ${floorSeconds} s`);
      const floor = await measureLatencyFloor(kafka, { brokers: ctx.stack.kafkaBrokers, runId: ctx.runId, rate, messages: rate * floorSeconds, partitions: PARTITIONS, valueBytes, hops: HOPS, log: ctx.log });
      ctx.log(`latency floor: p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms`);

      const r3 = (x: number) => Number(x.toFixed(3));
      const figures: Record<string, Figure> = {
        recall: { value: r3(quality.recall), unit: 'share', goal: '≥ 0.90' },
        precision: { value: r3(quality.precision), unit: 'share', goal: '≥ 0.50' },
        review_rate: { value: Number(quality.reviewRate.toFixed(4)), unit: 'share of orders', goal: '≤ 0.03' },
        pr_auc: { value: r3(quality.prAuc), unit: 'area' },
        checks_per_order: { value: Number((checks.length / historyOrders).toFixed(4)), unit: 'checks/order', goal: '= 1' },
        check_latency_p50_ms: { value: Number(p50.toFixed(1)), unit: 'ms' },
        check_latency_p99_ms: { value: Number(p99.toFixed(1)), unit: 'ms' },
        latency_floor_p50_ms: { value: Number(floor.p50.toFixed(1)), unit: 'ms' },
        latency_floor_p99_ms: { value: Number(floor.p99.toFixed(1)), unit: 'ms' },
        check_latency_p99_ratio_to_floor: { value: Number((p99 / floor.p99).toFixed(2)), unit: 'ratio', goal: '≤ 2' },
        live_orders_per_s: { value: Math.round(achievedOrders), unit: 'orders/s' },
        live_events_per_s: { value: Math.round(achieved), unit: 'events/s' },
        replay_events_per_s: { value: Math.round(historyEvents / replaySeconds), unit: 'events/s' },
        rss_mb_max: { value: rssMax, unit: 'MB', goal: '≤ 150' },
      };
      const goals: string[] = [];
      const check = (name: string, ok: boolean) => goals.push(`${name} ${ok ? 'met' : 'MISSED'}`);
      check('recall', quality.recall >= 0.9);
      check('precision', quality.precision >= 0.5);
      check('review_rate', quality.reviewRate <= 0.03);
      check('checks_per_order', checks.length === historyOrders && ids.size === checks.length);
      check('check_latency_p99_ratio_to_floor', p99 / floor.p99 <= 2);
      check('rss_mb_max', rssMax <= 150);
      notes.push(
        `Setup: the fraud service as its own process (dist/src/main.js, default settings: checkpoints every 2,000 ms, the built-in rule set ${BUILTIN_RULES.version}, review at ${BUILTIN_RULES.reviewThreshold}), with the local stack and this benchmark on the same ${PARTITIONS}-partition topics and the same 2-core machine. Goals: ${goals.join('; ')}.`,
        `Quality (recall, precision, review_rate, pr_auc): ${fmt(customers)} simulated customers over ${historyDays} days from ${START} (seed ${SEED}): ${fmt(historyEvents)} events, ${fmt(historyOrders)} orders of which ${fmt(fraudulent.size)} fraudulent by the simulator's truth, replayed through the service; every check read back from the checks topic (${fmt(checks.length)} checks, ${fmt(ids.size)} distinct ids). ${fmt(quality.reviewed)} reviewed, ${fmt(quality.caught)} of them fraudulent. Recall by pattern: ${[...byPattern].map(([p, x]) => `${p} ${x.caught}/${x.orders}`).join(', ')}. False reviews by their strongest signal: ${[...falseBy].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}. The rule set was tuned on another seed (11); PR AUC is the average precision of the score over all orders.`,
        `Replay (replay_events_per_s): the history from the service's first processed record (creditstream_task_records_total polled every 100 ms) until every event was processed: ${replaySeconds.toFixed(1)} s; RSS during it: ${replayRss} MB.`,
        `Latency (check_latency_*): ${fmt(businessEvents)} business events paced at ${rate}/s (achieved ${achieved.toFixed(0)}) in 10 ms chunks, ${fmt(sentOrders)} of them orders (achieved ${achievedOrders.toFixed(0)} orders/s): every order of the simulated days after the history, and as many of their other events (customer master data always, then invoices, payments and shipments in their order; the rest of those days' events left out), each day's ticks where they fall. Latency = this benchmark's consumer received the check naming the order as its causation − the order handed to the producer; ${fmt(latencies.length)} of ${fmt(sentOrders)} orders; max ${(latencies[latencies.length - 1] ?? NaN).toFixed(0)} ms. RSS during the live stream: ${liveRss} MB.`,
        `Floor (latency_floor_*): ${fmt(floor.samples)} messages of ${valueBytes} bytes (the mean encoded live event) paced at ${rate}/s (achieved ${floor.achievedRate.toFixed(0)}) through ${HOPS} raw kafkajs hop (its own process: consumer → producer of the fetched batch unchanged, idempotent, acks all) over ${PARTITIONS} partitions to a consumer configured as this benchmark's check consumer; measured after the service was stopped, in the same run. Max ${floor.max.toFixed(0)} ms.`,
        `RSS (rss_mb_max): the largest VmRSS of the service process, sampled every 250 ms, over the whole run (replay and live stream).`,
      );
      return { figures, notes };
    } catch (err) {
      await stopAll();
      throw err;
    }
  },
};
