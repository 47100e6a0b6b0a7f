import type { KafkaSink, SimRecord } from '@creditstream/cli';
import { StateStore } from '@creditstream/feature-service';
import { addDays, applyEvent, type CustomerState } from '@creditstream/features';
import { createScorer, type ModelVersion } from '@creditstream/model';
import { TOPIC, type InvoiceIssuedEvent, type PaymentReceivedEvent } from '@creditstream/schemas';
import { DEFAULT_EXPLANATION_MEMO_MB, PredictionStore, scoreCustomer } from '@creditstream/scoring-service';
import { openStore } from '@creditstream/store';
import type { LatencyTracker } from './latency';
import { waitUntil } from './wait';

const OPEN = 1000;
const REPEATS = 21;

export interface RescoreOptions {
  modelVersion: ModelVersion;
  sink: KafkaSink;
  topic: (t: string) => string;
  tracker: LatencyTracker;
  caughtUp: () => Promise<boolean>;
  /** Whether the benchmark's consumer has read every output event produced so far. */
  outputsDrained: () => Promise<boolean>;
  mongodbUri: string;
  database: string;
  log: (m: string) => void;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Gives one simulated customer 1,000 more open invoices (issued over its last 60 business days, NET30, so some are
 * past due), waits until they are scored, then pays one of them in full and measures the re-scoring: in process
 * (the scoring service's pure work on the state the service itself loads) and end to end through the services.
 */
export async function measureRescore(o: RescoreOptions): Promise<{ inProcessMs: number; probabilitiesOnlyMs: number; repeats: number; emitted: number; endToEndMs: number; endToEndOutputs: number }> {
  const store = await openStore({ uri: o.mongodbUri, database: o.database });
  try {
    const states = new StateStore(store);
    const predictions = new PredictionStore(store);
    // The customer with the most events so far: a long, realistic history.
    const candidate = await states.customers.find({}, { projection: { _id: 1, 'state.asOf': 1, 'state.registration.currency': 1 } }).sort({ version: -1 }).limit(1).toArray();
    const doc = candidate[0];
    if (!doc) throw new Error('no customer in the feature store');
    const customerId = doc._id;
    const loaded0 = (await states.load([customerId], { repair: false })).get(customerId);
    if (!loaded0) throw new Error(`customer ${customerId} could not be loaded`);
    const asOf = loaded0.state.asOf;
    const currency = loaded0.state.registration?.currency ?? 'EUR';
    const invoices: SimRecord[] = [];
    for (let i = 0; i < OPEN; i++) {
      const invoiceDate = addDays(asOf, -(i % 60));
      const event: InvoiceIssuedEvent = {
        eventId: `bench-rescore:invoice:${i}`,
        eventTime: `${invoiceDate}T10:00:00.000Z`,
        customerId,
        causationId: null,
        type: 'InvoiceIssued',
        payload: { invoiceId: `BENCH-${String(i).padStart(4, '0')}`, orderId: null, amountMinor: 10_000 + ((i * 7_919) % 500_000), currency, invoiceDate, dueDate: addDays(invoiceDate, 30), termsCode: 'NET30', netDays: 30 },
      };
      // Creditstream topic names: the sink adds the run's prefix.
      invoices.push({ kind: 'event', record: { topic: TOPIC.invoices, key: customerId, event } });
    }
    await o.sink.write(invoices);
    await waitUntil('the 1,000 invoices to be scored', 300_000, async () => {
      if (!(await o.caughtUp())) return false;
      const p = (await predictions.load([customerId])).get(customerId);
      return p !== undefined && p.predictions.filter((x) => x.invoiceId.startsWith('BENCH-')).length === OPEN;
    });
    const loaded = (await states.load([customerId], { repair: false })).get(customerId);
    const previous = (await predictions.load([customerId])).get(customerId) ?? null;
    if (!loaded || !previous) throw new Error(`customer ${customerId} vanished`);
    const open = loaded.state.invoices.filter((inv) => inv.status === 'OPEN').length;
    o.log(`customer ${customerId}: ${open} open invoices scored; paying BENCH-0000`);

    const paid = loaded.state.invoices.find((inv) => inv.invoiceId === 'BENCH-0000');
    if (!paid) throw new Error('BENCH-0000 is missing');
    const payment: PaymentReceivedEvent = {
      eventId: 'bench-rescore:payment',
      eventTime: `${loaded.state.asOf}T12:00:00.000Z`,
      customerId,
      causationId: null,
      type: 'PaymentReceived',
      payload: { paymentId: 'BENCH-PAY-1', amountMinor: paid.openMinor, currency, method: 'BANK_TRANSFER', receivedOn: loaded.state.asOf, applications: [{ invoiceId: paid.invoiceId, amountMinor: paid.openMinor }], unappliedMinor: 0 },
    };

    // In process: exactly the scoring service's call on the state after the payment, with its default explanation
    // memo warmed as in the service (by the scoring before the payment), a fresh scorer per repeat; and the same with
    // probabilities only (no factors), to show what the explanations cost.
    const memoBytes = DEFAULT_EXPLANATION_MEMO_MB * 1024 * 1024;
    const times: number[] = [];
    const probabilityTimes: number[] = [];
    let emitted = 0;
    for (let r = 0; r < REPEATS; r++) {
      for (const factors of [5, 0]) {
        const scorer = createScorer(o.modelVersion, { shapTreeMemoBytes: memoBytes });
        const policy = { minChange: 0.005, atRisk: scorer.thresholds.atRisk, highLateShare: scorer.thresholds.highLateBalance, factors };
        scoreCustomer({ state: structuredClone(loaded.state) as CustomerState, version: loaded.version, partition: loaded.partition, previous: null }, scorer, policy, { eventId: 'warm-up', eventTime: payment.eventTime });
        const state = structuredClone(loaded.state) as CustomerState;
        applyEvent(state, payment, { topic: o.topic(TOPIC.payments), partition: loaded.partition, offset: 1e12 });
        const t0 = performance.now();
        const result = scoreCustomer({ state, version: loaded.version + 1, partition: loaded.partition, previous }, scorer, policy, { eventId: 'bench', eventTime: payment.eventTime });
        (factors > 0 ? times : probabilityTimes).push(performance.now() - t0);
        if (factors > 0) emitted = result.predictions.length;
      }
    }

    // End to end: the same payment through Kafka and both services.
    o.tracker.input(payment, TOPIC.payments, performance.now());
    await o.sink.write([{ kind: 'event', record: { topic: TOPIC.payments, key: customerId, event: payment } }]);
    await waitUntil('the payment to be scored', 300_000, async () => (await o.caughtUp()) && !Number.isNaN(o.tracker.traced(payment.eventId)?.lastOutput ?? NaN));
    await waitUntil('the output consumer to read every output', 300_000, o.outputsDrained);
    const traced = o.tracker.traced(payment.eventId);
    if (!traced) throw new Error('the payment was not traced');
    const after = (await predictions.load([customerId])).get(customerId);
    return { inProcessMs: median(times), probabilitiesOnlyMs: median(probabilityTimes), repeats: REPEATS, emitted, endToEndMs: traced.lastOutput - traced.sent, endToEndOutputs: (after?.outbox.predictions.length ?? 0) + (after?.outbox.outlooks.length ?? 0) };
  } finally {
    await store.close();
  }
}
