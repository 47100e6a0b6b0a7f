import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileRuleSet, CREDIT_INPUTS, DEFAULT_RULE_SET_DOCUMENT, outcomesOf, replayPartition, type ReplayRecord } from '@creditstream/credit-service';
import { readEventLog } from '@creditstream/feature-service';
import { committedTotal, createKafka, createProducer, endOffsetsTotal, type EventProducer } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, type CreditDecisionEnvelope } from '@creditstream/schemas';
import type { Benchmark } from '../benchmark';
import { readEnvelopeHeader } from './scoring/envelope';
import { measureLatencyFloor } from './scoring/floor';
import { percentile } from './scoring/latency';
import { startServiceProcess } from './scoring/processes';
import { waitUntil } from './scoring/wait';

const PARTITIONS = 6;
/** Orders whose fraud check the benchmark sends first (decided at once) and those the fraud hop answers. */
const PRE_CHECKED = 'P';
const WAITING = 'W';
const T0 = Date.parse('2024-03-01T00:00:00.000Z');

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

type Message = { key: string; event: { eventId: string; eventTime: string; customerId: string; causationId: null; type: string; payload: object } };

/**
 * The credit service at 500 orders/s within a 1,000 events/s stream on the local stack: decision latency for orders
 * whose fraud check is in and for orders that wait for it (a minimal fraud hop answers them), re-evaluation latency
 * (clearing payment → release), decisions per order, the service's RSS, the raw kafkajs floors of one and two hops
 * measured in the same run, and the what-if replay's speed over the history the run wrote.
 */
export const credit: Benchmark = {
  name: 'credit',
  description: 'credit service: decision latency (with and without the fraud wait) vs the kafkajs floors, re-evaluation latency, decisions per order, RSS, what-if replay orders/s',
  async run(ctx) {
    const customers = ctx.argInt('customers', 2000);
    const seconds = ctx.argInt('seconds', 30);
    const rate = ctx.argInt('rate', 1000);
    const floorSeconds = ctx.argInt('floor-seconds', 15);
    const prefix = `${ctx.runId}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const database = ctx.runId.replace(/[^A-Za-z0-9_]/g, '_');
    const groupId = `${ctx.runId}-credit-service`;
    const env = { ...process.env, KAFKA_BROKERS: ctx.stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: ctx.stack.schemaRegistryUrl, MONGODB_URI: ctx.stack.mongodbUri };
    const kafka = createKafka({ brokers: ctx.stack.kafkaBrokers, clientId: 'bench-credit' });
    const codec = new SchemaCodec({ registryUrl: ctx.stack.schemaRegistryUrl });
    const sdDir = mkdtempSync(join(tmpdir(), 'bench-credit-sd-'));
    const service = startServiceProcess('credit-service', '@creditstream/credit-service', { ...env, CREDITSTREAM_TOPIC_PREFIX: prefix, MONGODB_DATABASE: database, LOG_LEVEL: 'warn', HTTP_PORT: '0', CREDIT_SERVICE_GROUP_ID: groupId, CREDIT_FRAUD_CHECKS: 'wait', CREDIT_FRAUD_WAIT_MS: '60000', CREDIT_FRAUD_WAIT_MAX_DAYS: '365', CREDIT_SERVICE_AWAIT_PROGRESS: 'none', CREDIT_SERVICE_AWAIT_DAILY_RUN: 'none' }, sdDir);
    let hop: ChildProcess | null = null;
    const producer: EventProducer = createProducer({ kafka, codec });
    const consumer = kafka.consumer({ groupId: `${ctx.runId}-bench-decisions`, maxWaitTimeInMs: 50 });
    try {
      await waitUntil('the credit service to announce itself', 120_000, async () => service.announced());
      for (const t of [...CREDIT_INPUTS, TOPIC.creditDecisions]) await codec.register(topic(t), loadSchema(t));
      hop = spawn(process.execPath, [join(__dirname, 'credit', 'fraud-stand-in.js')], {
        env: { ...env, BENCH_ORDERS_TOPIC: topic(TOPIC.orders), BENCH_FRAUD_TOPIC: topic(TOPIC.fraudChecks), BENCH_FRAUD_PREFIX: WAITING, BENCH_FRAUD_GROUP: `${ctx.runId}-fraud-hop` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let hopJoined = false;
      hop.stdout?.on('data', (d: Buffer) => (hopJoined ||= d.toString().includes('joined')));
      await producer.connect();

      // Set-up: the customers, their limits; a quarter have a small limit and an invoice near it, so that an order
      // is held until the invoice is paid.
      let seq = 0;
      // One millisecond of business time per event: the fraud wait (60 s of business time) is a minute of the stream.
      const at = () => new Date(T0 + seq++).toISOString();
      const small = (i: number) => i % 4 === 0;
      /** A customer with a large limit, spread by `k`. */
      const large = (k: number) => {
        const i = 1 + (k % (customers - 1));
        return small(i) ? i - 1 : i;
      };
      const id = (i: number) => `B${String(i).padStart(6, '0')}`;
      const event = (customerId: string, type: string, payload: object, eventId = `${customerId}-${type}-${seq}`): Message => ({ key: customerId, event: { eventId, eventTime: at(), customerId, causationId: null, type, payload } });
      const setup: { customers: Message[]; invoices: Message[] } = { customers: [], invoices: [] };
      for (let i = 0; i < customers; i++) {
        const c = id(i);
        setup.customers.push(event(c, 'CustomerRegistered', { name: c, country: 'DE', segment: 'mid-market', currency: 'EUR', groupId: null, paperless: true, openedOn: '2020-01-01' }));
        setup.customers.push(event(c, 'CreditLimitSet', { limitType: 'BALANCE', amountMinor: small(i) ? 1_000_00 : 1_000_000_00, currency: 'EUR', unlimited: false, expiresOn: null, temporary: false, reason: 'bench' }));
        if (small(i)) setup.invoices.push(event(c, 'InvoiceIssued', { invoiceId: `INV-${c}-0`, orderId: null, amountMinor: 900_00, currency: 'EUR', invoiceDate: '2024-03-01', dueDate: '2024-04-30', termsCode: 'NET60', netDays: 60 }));
      }
      for (let i = 0; i < setup.customers.length; i += 1000) await producer.send(topic(TOPIC.customers), setup.customers.slice(i, i + 1000));
      await producer.send(topic(TOPIC.invoices), setup.invoices);
      const inputs = CREDIT_INPUTS.map(topic);
      await waitUntil('the set-up to be folded', 600_000, async () => (await committedTotal(kafka, groupId, inputs)) >= (await endOffsetsTotal(kafka, inputs)));
      await waitUntil('the fraud hop to join', 60_000, async () => hopJoined);
      ctx.log(`${fmt(customers)} customers set up; streaming ${fmt(rate)} events/s for ${seconds} s (half of them orders)`);

      // The benchmark's consumer of the decisions: header only (event id, causation).
      const orderSent = new Map<string, { at: number; kind: string; customer: number }>();
      const paymentSent = new Map<string, number>();
      const latency = { preChecked: [] as number[], waiting: [] as number[], release: [] as number[] };
      const decided = new Map<string, number>();
      let duplicates = 0;
      const clearing: Message[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: topic(TOPIC.creditDecisions), fromBeginning: true });
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
      void consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch }) => {
          const received = performance.now();
          for (const m of batch.messages) {
            const h = readEnvelopeHeader(m.value as Buffer);
            if (h.eventId.endsWith(':credit-decision') && h.causationId !== null) {
              const n = (decided.get(h.causationId) ?? 0) + 1;
              decided.set(h.causationId, n);
              if (n > 1) {
                duplicates += 1;
                continue;
              }
              const sent = orderSent.get(h.causationId);
              if (sent === undefined) continue;
              (sent.kind === WAITING ? latency.waiting : latency.preChecked).push(received - sent.at);
              if (small(sent.customer) && !paymentSent.has(`${id(sent.customer)}-clear`)) {
                const c = id(sent.customer);
                const pay = event(c, 'PaymentReceived', { paymentId: `PAY-${c}-0`, amountMinor: 900_00, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: '2024-03-01', applications: [{ invoiceId: `INV-${c}-0`, amountMinor: 900_00 }], unappliedMinor: 0 }, `${c}-clear`);
                paymentSent.set(pay.event.eventId, NaN);
                clearing.push(pay);
              }
            } else if (h.eventId.endsWith(':released') && h.causationId !== null) {
              const sent = paymentSent.get(h.causationId);
              if (sent !== undefined && Number.isFinite(sent)) latency.release.push(received - sent);
            }
          }
        },
      });
      await waitUntil('the decisions consumer to join', 60_000, async () => joined);

      // The live stream: every 10 ms, half orders (most with their fraud check sent first, a fifth waiting for the
      // fraud hop, a small-limit customer's held until the clearing payment), half invoices and payments.
      const chunk = Math.max(2, Math.round(rate / 100));
      const total = rate * seconds;
      const openInvoices: { c: string; id: string }[] = [];
      let orders = 0;
      let smallUsed = 0;
      service.resetRssMax();
      const started = performance.now();
      for (let i = 0; i < total; i += chunk) {
        const due = started + (i / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const batch = { orders: [] as Message[], checks: [] as Message[], invoices: [] as Message[], payments: clearing.splice(0) };
        for (let j = 0; j < chunk / 2; j++) {
          const n = orders++;
          const useSmall = n % 10 === 0 && smallUsed < customers / 4;
          const customer = useSmall ? 4 * smallUsed++ : large(n * 7919);
          const kind = n % 5 === 0 && !useSmall ? WAITING : PRE_CHECKED;
          const c = id(customer);
          const orderId = `${kind}${n}`;
          const order = event(c, 'OrderPlaced', { orderId, amountMinor: 200_00, currency: 'EUR', lineCount: 1, orderDate: '2024-03-01', requestedShipDate: null }, `${c}-order-${orderId}`);
          if (kind === PRE_CHECKED) batch.checks.push({ key: c, event: { eventId: `${c}:fraud-check:${orderId}`, eventTime: order.event.eventTime, customerId: c, causationId: null, type: 'FraudCheck', payload: { orderId, outcome: 'CLEAR', score: 0, reasons: [], ruleSetVersion: 'bench', reviewThreshold: null } } });
          batch.orders.push(order);
          orderSent.set(order.event.eventId, { at: NaN, kind, customer });
          const oc = id(large(n * 104_729));
          if (n % 2 === 0 || openInvoices.length === 0) {
            const inv = { c: oc, id: `INV-${oc}-${n}` };
            openInvoices.push(inv);
            batch.invoices.push(event(oc, 'InvoiceIssued', { invoiceId: inv.id, orderId: null, amountMinor: 50_00, currency: 'EUR', invoiceDate: '2024-03-01', dueDate: '2024-03-31', termsCode: 'NET30', netDays: 30 }));
          } else {
            const inv = openInvoices.shift() as { c: string; id: string };
            batch.invoices.push(event(inv.c, 'PaymentReceived', { paymentId: `PAY-${inv.id}`, amountMinor: 50_00, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: '2024-03-01', applications: [{ invoiceId: inv.id, amountMinor: 50_00 }], unappliedMinor: 0 }));
          }
        }
        const t = performance.now();
        for (const o of batch.orders) (orderSent.get(o.event.eventId) as { at: number }).at = t;
        for (const p of batch.payments) paymentSent.set(p.event.eventId, t);
        const invoices = batch.invoices.filter((m) => m.event.type === 'InvoiceIssued');
        const payments = [...batch.payments, ...batch.invoices.filter((m) => m.event.type === 'PaymentReceived')];
        await Promise.all([
          batch.checks.length > 0 ? producer.send(topic(TOPIC.fraudChecks), batch.checks) : undefined,
          invoices.length > 0 ? producer.send(topic(TOPIC.invoices), invoices) : undefined,
          payments.length > 0 ? producer.send(topic(TOPIC.payments), payments) : undefined,
        ]);
        await producer.send(topic(TOPIC.orders), batch.orders);
      }
      const achieved = (2 * orders) / ((performance.now() - started) / 1000);
      await waitUntil('every order to be decided', 180_000, async () => [...orderSent.keys()].every((k) => decided.has(k))).catch((err: unknown) => {
        const missing = [...orderSent].filter(([k]) => !decided.has(k));
        throw new Error(`${err instanceof Error ? err.message : String(err)}: ${missing.length} of ${orderSent.size} orders undecided (${missing.filter(([, v]) => v.kind === WAITING).length} waiting for the fraud hop)`);
      });
      // The last clearing payments.
      if (clearing.length > 0) {
        const t = performance.now();
        const rest = clearing.splice(0);
        for (const p of rest) paymentSent.set(p.event.eventId, t);
        await producer.send(topic(TOPIC.payments), rest);
      }
      await waitUntil('the releases', 60_000, async () => latency.release.length >= smallUsed);
      const rssMax = service.rssMaxMb();
      const decisionsPerOrder = [...orderSent.keys()].reduce((n, k) => n + Math.min(1, decided.get(k) ?? 0), 0) / orderSent.size;
      const rawPerOrder = [...orderSent.keys()].reduce((n, k) => n + (decided.get(k) ?? 0), 0) / orderSent.size;
      await service.stop();

      // The what-if replay over the history this run wrote (read back, then replayed in memory).
      ctx.log('what-if replay of the run\'s history with the built-in rules');
      const log = await readEventLog(kafka, codec, inputs);
      const records: ReplayRecord[] = log.map((e) => ({ topic: e.source.topic, partition: e.source.partition, offset: e.source.offset, event: e.event as ReplayRecord['event'] }));
      const replayStarted = performance.now();
      const replayed: CreditDecisionEnvelope[] = [];
      const names = { customers: topic(TOPIC.customers), orders: topic(TOPIC.orders), clock: topic(TOPIC.clock), fraudChecks: topic(TOPIC.fraudChecks), outlooks: topic(TOPIC.customerOutlook), commands: topic(TOPIC.creditCommands), rules: topic(TOPIC.creditRules), decisions: topic(TOPIC.creditDecisions), groupExposure: topic(TOPIC.creditGroupExposure), groupPositions: topic(TOPIC.creditGroupPositions) };
      for (let p = 0; p < PARTITIONS; p++) replayed.push(...replayPartition(p, records, { inputs, topics: names, ruleSet: compileRuleSet(DEFAULT_RULE_SET_DOCUMENT), fraud: { mode: 'wait', marginMs: 60_000, maxDays: 365 }, approvalThresholdMinor: 1_000_000 }));
      const replaySeconds = (performance.now() - replayStarted) / 1000;
      const replayedOrders = outcomesOf(replayed).size;

      ctx.log('measuring the kafkajs floors (one and two hops) at the same rate');
      const valueBytes = Math.round([...setup.customers.slice(0, 200)].reduce((n, m) => n + codec.encode(topic(TOPIC.customers), m.event).length, 0) / 200);
      const floor1 = await measureLatencyFloor(kafka, { brokers: ctx.stack.kafkaBrokers, runId: `${ctx.runId}-1`, rate, messages: rate * floorSeconds, partitions: PARTITIONS, valueBytes, hops: 1, log: ctx.log });
      const floor2 = await measureLatencyFloor(kafka, { brokers: ctx.stack.kafkaBrokers, runId: `${ctx.runId}-2`, rate, messages: rate * floorSeconds, partitions: PARTITIONS, valueBytes, hops: 2, log: ctx.log });
      for (const l of Object.values(latency)) l.sort((a, b) => a - b);
      const p = (l: number[], q: number) => Number(percentile(l, q).toFixed(1));
      return {
        figures: {
          decision_latency_p50_ms: { value: p(latency.preChecked, 50), unit: 'ms' },
          decision_latency_p99_ms: { value: p(latency.preChecked, 99), unit: 'ms', goal: `≤ 2 × one-hop floor p99 (${fmt(2 * floor1.p99, 1)} ms)` },
          decision_with_fraud_p99_ms: { value: p(latency.waiting, 99), unit: 'ms', goal: `≤ 2 × two-hop floor p99 (${fmt(2 * floor2.p99, 1)} ms)` },
          reevaluation_p99_ms: { value: p(latency.release, 99), unit: 'ms', goal: `≤ 2 × two-hop floor p99 (${fmt(2 * floor2.p99, 1)} ms)` },
          floor_one_hop_p99_ms: { value: Number(floor1.p99.toFixed(1)), unit: 'ms' },
          floor_two_hop_p99_ms: { value: Number(floor2.p99.toFixed(1)), unit: 'ms' },
          decisions_per_order: { value: Number(decisionsPerOrder.toFixed(3)), unit: 'decisions/order', goal: '= 1.000' },
          replay_orders_per_s: { value: Math.round(replayedOrders / replaySeconds), unit: 'orders/s', goal: '≥ 20,000' },
          rss_mb_max: { value: rssMax, unit: 'MB', goal: '≤ 150' },
        },
        notes: [
          `One credit-service process (its dist/src/main.js, default settings: checkpoints every 2,000 ms) with the local stack (Kafka, Apicurio, SecantusDB, Prometheus) and this benchmark on the same 2-core machine. ${fmt(customers)} customers set up (a quarter with a 1,000.00 limit and a 900.00 invoice), then ${seconds} s of a stream paced at ${fmt(rate)} events/s (achieved ${fmt(achieved)}): every 10 ms ${chunk / 2} orders of 200.00 and ${chunk / 2} invoices or payments. ${fmt(orderSent.size)} orders in all.`,
          `decision_latency_*: orders whose fraud check the benchmark sent just before the order (${fmt(latency.preChecked.length)} orders): order handed to the producer → its CreditDecision received by this benchmark's consumer. decision_with_fraud_p99_ms: every fifth order has no check sent; a minimal fraud hop (its own process: consume the order, decode, produce a CLEAR check) answers it, and the service waits for it (${fmt(latency.waiting.length)} orders; p50 ${p(latency.waiting, 50)} ms). reevaluation_p99_ms: every tenth order goes to a small-limit customer and is held (limit exceeded); when its decision is received the benchmark sends the payment of the customer's invoice, and the latency is that payment handed to the producer → the CreditHoldReleased it caused received (${fmt(latency.release.length)} releases; p50 ${p(latency.release, 50)} ms).`,
          `Floors: raw kafkajs pipes of one and two consume → produce hops (each hop its own process, forwarding unchanged), ${fmt(rate)} messages/s of ${valueBytes} bytes for ${floorSeconds} s over ${PARTITIONS} partitions, read by a consumer configured like this benchmark's: one hop p50 ${fmt(floor1.p50, 1)} ms, p99 ${fmt(floor1.p99, 1)} ms; two hops p50 ${fmt(floor2.p50, 1)} ms, p99 ${fmt(floor2.p99, 1)} ms.`,
          `decisions_per_order: distinct CreditDecision events per order sent (an order missing its decision counts 0); ${fmt(rawPerOrder, 3)} counting redelivered copies (${duplicates} duplicates received). The SIGKILL variant is not measured here: the e2e test test/src/e2e/credit-service.test.ts SIGKILLs the service at random moments during a replay and asserts every order ends with exactly one decision, identical to an uninterrupted run's, and the chaos test does so across the whole pipeline.`,
          `replay_orders_per_s: the what-if engine (replayPartition, the same processor and merge as a partition task, in memory) over the ${fmt(records.length)} input records this run wrote, ${fmt(replayedOrders)} orders decided in ${replaySeconds.toFixed(2)} s; reading the topics back is not counted.`,
          'rss_mb_max: the largest resident set of the credit-service process during the live stream (VmRSS sampled every 250 ms).',
        ],
      };
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      if (hop !== null && hop.exitCode === null) {
        const exited = new Promise((r) => hop?.on('exit', r));
        hop.kill('SIGTERM');
        await exited;
      }
      await service.stop();
      rmSync(sdDir, { recursive: true, force: true });
    }
  },
};
