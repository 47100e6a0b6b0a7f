import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKafkaSink, simulate, type SimRecord } from '@creditstream/cli';
import { COLLECTIONS_INPUTS } from '@creditstream/collections-service';
import { CREDIT_INPUTS } from '@creditstream/credit-service';
import { FEATURE_INPUTS } from '@creditstream/feature-service';
import { FRAUD_INPUTS } from '@creditstream/fraud-service';
import { committedTotal, createKafka, endOffsetsTotal } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { SCORING_INPUTS } from '@creditstream/scoring-service';
import { TOPIC, type CreditDecisionEnvelope, type FraudCheckEnvelope, type OrderEnvelope } from '@creditstream/schemas';
import { scanTopic } from '@creditstream/test';
import type { Benchmark } from '../benchmark';
import type { Figure } from '../results';
import { startServiceProcess, type ServiceProcess } from './scoring/processes';
import { waitUntil } from './scoring/wait';

const SERVICES = [
  { name: 'feature', envPrefix: 'FEATURE_SERVICE', inputs: FEATURE_INPUTS as readonly string[] },
  { name: 'scoring', envPrefix: 'SCORING_SERVICE', inputs: SCORING_INPUTS as readonly string[] },
  { name: 'fraud', envPrefix: 'FRAUD_SERVICE', inputs: FRAUD_INPUTS as readonly string[] },
  { name: 'credit', envPrefix: 'CREDIT_SERVICE', inputs: CREDIT_INPUTS as readonly string[] },
  { name: 'collections', envPrefix: 'COLLECTIONS_SERVICE', inputs: COLLECTIONS_INPUTS.map(([t]) => t) },
] as const;

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * The pipeline (feature, scoring, fraud, credit and collections services, one process each) on the local stack for
 * `--minutes` (30) at `--rate` (300) events/s of a simulated company, after a replayed history: resident memory of
 * each service sampled every 5 s (growth from the end of the warm-up, the first sixth of the live stream, to the
 * last sixth), the largest consumer lag per service, and at the end every order's credit decision and fraud check.
 */
export const soak: Benchmark = {
  name: 'soak',
  description: 'the pipeline at 300 events/s for 30 minutes: RSS growth per service, lag max, decisions lost',
  async run(ctx) {
    const minutes = ctx.argInt('minutes', 30);
    const rate = ctx.argInt('rate', 300);
    const customers = ctx.argInt('customers', 3000);
    const historyDays = ctx.argInt('history-days', 60);
    const prefix = `${ctx.runId}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const database = ctx.runId.replace(/[-.]/g, '_');
    const brokers = ctx.stack.kafkaBrokers;
    const kafka = createKafka({ brokers, clientId: 'bench-soak' });
    const codec = new SchemaCodec({ registryUrl: ctx.stack.schemaRegistryUrl });
    const sink = await openKafkaSink({ brokers, registryUrl: ctx.stack.schemaRegistryUrl, clientId: 'bench-soak', topicName: topic });
    const sdDir = mkdtempSync(join(tmpdir(), 'bench-soak-sd-'));
    const env = { ...process.env, KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: ctx.stack.schemaRegistryUrl, MONGODB_URI: ctx.stack.mongodbUri, MONGODB_DATABASE: database, CREDITSTREAM_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn', HTTP_PORT: '0' };
    const groupOf = (name: string) => `${prefix}${name}-service`;
    const processes: ServiceProcess[] = [];
    const rss = new Map<string, { t: number; mb: number }[]>(SERVICES.map((s) => [s.name, []]));
    const lagMax = new Map<string, number>(SERVICES.map((s) => [s.name, 0]));
    let sampling: NodeJS.Timeout | null = null;
    try {
      for (const s of SERVICES) processes.push(startServiceProcess(`${s.name}-service`, `@creditstream/${s.name}-service`, { ...env, [`${s.envPrefix}_GROUP_ID`]: groupOf(s.name) }, sdDir));
      await waitUntil('every service to announce itself', 120_000, async () => processes.every((p) => p.announced()));

      // The history, as fast as possible; then the live stream, paced, for `minutes`.
      const days = simulate({ seed: ctx.argInt('seed', 7), customers, days: 36_500, start: '2020-01-01', partitions: sink.clockPartitions });
      let events = 0;
      const count = (records: readonly SimRecord[]) => records.reduce((n, r) => n + (r.kind === 'event' ? 1 : 0), 0);
      for (let d = 0; d < historyDays; d++) {
        const day = days.next();
        if (day.done) throw new Error(`the simulation ended after ${d} days of history`);
        events += count(day.value);
        await sink.write(day.value);
      }
      ctx.log(`history: ${events} events in ${historyDays} days; waiting for the services to replay it`);
      const caughtUp = async (s: (typeof SERVICES)[number]) => (await committedTotal(kafka, groupOf(s.name), s.inputs.map(topic))) >= (await endOffsetsTotal(kafka, s.inputs.map(topic)));
      // Checked once a second at most (each check reads every group's offsets).
      const allCaughtUp = async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        for (const s of SERVICES) if (!(await caughtUp(s))) return false;
        return true;
      };
      await waitUntil('the pipeline to replay the history', 30 * 60_000, async () => allCaughtUp());

      const liveStarted = performance.now();
      const elapsed = () => (performance.now() - liveStarted) / 1000;
      const sample = async () => {
        const t = elapsed();
        for (const [i, s] of SERVICES.entries()) {
          rss.get(s.name)?.push({ t, mb: (processes[i] as ServiceProcess).rssMb() });
          const lag = (await endOffsetsTotal(kafka, s.inputs.map(topic))) - (await committedTotal(kafka, groupOf(s.name), s.inputs.map(topic)));
          lagMax.set(s.name, Math.max(lagMax.get(s.name) ?? 0, lag));
        }
      };
      let sampled: Promise<void> = Promise.resolve();
      sampling = setInterval(() => void (sampled = sampled.then(sample).catch((err: unknown) => ctx.log(`sampling failed: ${String(err)}`))), 5_000);
      const chunk = Math.max(1, Math.floor(rate / 20));
      let live = 0;
      let lastLog = 0;
      while (elapsed() < minutes * 60) {
        const day = days.next();
        if (day.done) throw new Error('the simulation ended before the soak did');
        for (let i = 0; i < day.value.length && elapsed() < minutes * 60; i += chunk) {
          const part = day.value.slice(i, i + chunk);
          // Pacing is the point of a soak: wait until the events sent so far are due at `rate`.
          const due = (live * 1000) / rate - (performance.now() - liveStarted);
          if (due > 0) await new Promise((r) => setTimeout(r, due));
          await sink.write(part);
          live += count(part);
        }
        if (elapsed() - lastLog >= 60) {
          lastLog = elapsed();
          ctx.log(`live: ${live} events in ${elapsed().toFixed(0)} s (${(live / elapsed()).toFixed(0)} events/s); RSS ${processes.map((p) => `${p.name} ${p.rssMb()} MB`).join(', ')}`);
        }
      }
      const liveSeconds = elapsed();
      clearInterval(sampling);
      sampling = null;
      await sampled;
      await sink.close();
      ctx.log(`live stream done: ${live} events in ${liveSeconds.toFixed(0)} s; waiting for the pipeline to catch up`);
      await waitUntil('the pipeline to catch up', 10 * 60_000, async () => allCaughtUp());

      const orders = new Set<string>();
      await scanTopic<OrderEnvelope>(kafka, codec, topic(TOPIC.orders), ({ event }) => void (event.type === 'OrderPlaced' && orders.add(`${event.customerId}/${event.payload.orderId}`)));
      const decided = new Map<string, Set<string>>();
      await scanTopic<CreditDecisionEnvelope>(kafka, codec, topic(TOPIC.creditDecisions), ({ event }) => {
        if (event.type !== 'CreditDecision') return;
        const key = `${event.customerId}/${event.payload.orderId}`;
        decided.set(key, (decided.get(key) ?? new Set()).add(event.eventId));
      });
      const checked = new Set<string>();
      await scanTopic<FraudCheckEnvelope>(kafka, codec, topic(TOPIC.fraudChecks), ({ event }) => void checked.add(`${event.customerId}/${event.payload.orderId}`));
      const lost = [...orders].filter((o) => !decided.has(o)).length;
      const unchecked = [...orders].filter((o) => !checked.has(o)).length;
      const several = [...decided.values()].filter((ids) => ids.size > 1).length;

      const figures: Record<string, Figure> = {
        live_events_per_s: { value: Math.round(live / liveSeconds), unit: 'events/s', goal: `${rate}` },
        live_minutes: { value: Number((liveSeconds / 60).toFixed(1)), unit: 'minutes', goal: `${minutes}` },
        decisions_lost: { value: lost, unit: 'orders', goal: '0' },
        fraud_checks_lost: { value: unchecked, unit: 'orders', goal: '0' },
        orders_with_several_decisions: { value: several, unit: 'orders', goal: '0' },
        orders: { value: orders.size, unit: 'orders' },
      };
      const notes: string[] = [];
      for (const s of SERVICES) {
        const samples = rss.get(s.name) ?? [];
        const sixth = liveSeconds / 6;
        const base = mean(samples.filter((x) => x.t >= sixth && x.t < 2 * sixth).map((x) => x.mb));
        const end = mean(samples.filter((x) => x.t >= 5 * sixth).map((x) => x.mb));
        figures[`rss_growth_pct_${s.name}`] = { value: base > 0 ? Number(((100 * (end - base)) / base).toFixed(1)) : 0, unit: '%', goal: '≤ 10' };
        figures[`rss_mb_end_${s.name}`] = { value: Math.round(end), unit: 'MB' };
        figures[`lag_max_${s.name}`] = { value: lagMax.get(s.name) ?? 0, unit: 'messages' };
        notes.push(`${s.name}: RSS ${Math.round(base)} MB after the warm-up (mean of the second sixth of the live stream) → ${Math.round(end)} MB (mean of the last sixth), ${samples.length} samples`);
      }
      return {
        figures,
        notes: [
          `${customers} customers from 2020-01-01 (seed ${ctx.argInt('seed', 7)}): ${historyDays} days of history replayed first (${events} events), then ${live} events paced at ${rate} events/s for ${(liveSeconds / 60).toFixed(1)} minutes; feature, scoring, fraud, credit and collections services, one process each, on the local stack.`,
          'RSS growth: from the mean of the second sixth of the live stream (after the warm-up) to the mean of the last sixth, sampled every 5 s. Lag: input end offsets minus committed offsets of the group, sampled every 5 s.',
          ...notes,
        ],
      };
    } finally {
      if (sampling !== null) clearInterval(sampling);
      await Promise.all(processes.map((p) => p.stop()));
    }
  },
};
