import { addDays, applyEvent, createFolder, predictionInputs, type CustomerState, type InputEvent } from '@creditstream/features';
import { createScorer, type ModelVersion } from '@creditstream/model';
import type { InvoiceIssuedEvent, PaymentReceivedEvent } from '@creditstream/schemas';
import { DEFAULT_EXPLANATION_MEMO_MB, scoreCustomer, type ScoringValue } from '@creditstream/scoring-service';

const OPEN = 1000;
const REPEATS = 21;

/** A customer's simulated history: its events (and its partition's ticks) in order, with their topics. */
export type History = { topic: string; event: InputEvent }[];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** The scoring service's value of a customer after `customer features changed` at `version` (as its processor builds it). */
function valueOf(state: CustomerState, version: number, previous: ScoringValue | null): ScoringValue {
  const inputs = predictionInputs(state);
  const input = { version, businessDate: state.asOf, features: inputs.features, customerCurrency: state.registration?.currency ?? null, openInvoices: inputs.openInvoices, trigger: { eventId: `bench:features:${version}`, eventTime: `${state.asOf}T12:00:00.000Z` } };
  return previous === null ? { input, scored: null, predictions: [], outlook: null } : { ...structuredClone(previous), input };
}

/**
 * The scoring service's in-process work for one customer with 1,000 open invoices after a payment on one of them:
 * a simulated customer's history is folded, 1,000 invoices are issued over its last 60 business days (NET30, so some
 * are past due) and scored once (which warms the explanation memo, as in the service), then the payment arrives and
 * `scoreCustomer` re-scores every open invoice from the prediction inputs the feature service would send: with the
 * top 5 factors of the predictions that moved, and with probabilities only. Median of fresh scorers.
 */
export function measureRescore(modelVersion: ModelVersion, history: History): { ms: number; probabilitiesOnlyMs: number; repeats: number; emitted: number; customerId: string; events: number } {
  const folder = createFolder();
  const offsets = new Map<string, number>();
  const source = (topic: string) => {
    const offset = offsets.get(topic) ?? 0;
    offsets.set(topic, offset + 1);
    return { topic, partition: 0, offset };
  };
  for (const { topic, event } of history) folder.apply(event, source(topic));
  const customerId = history.find((h) => h.event.type !== 'BusinessDayTick')?.event.customerId;
  const folded = customerId === undefined ? undefined : folder.customers.get(customerId);
  if (customerId === undefined || folded === undefined) throw new Error('the re-scoring customer has no history');
  let state: CustomerState = folded;
  const currency = state.registration?.currency ?? 'EUR';
  for (let i = 0; i < OPEN; i++) {
    const invoiceDate = addDays(state.asOf, -(i % 60));
    const event: InvoiceIssuedEvent = {
      eventId: `bench-rescore:invoice:${i}`,
      eventTime: `${invoiceDate}T10:00:00.000Z`,
      customerId,
      causationId: null,
      type: 'InvoiceIssued',
      payload: { invoiceId: `BENCH-${String(i).padStart(4, '0')}`, orderId: null, amountMinor: 10_000 + ((i * 7_919) % 500_000), currency, invoiceDate, dueDate: addDays(invoiceDate, 30), termsCode: 'NET30', netDays: 30 },
    };
    const r = applyEvent(state, event, source('invoices'));
    if (r.rejection) throw new Error(`invoice ${i}: ${r.rejection.message}`);
    state = r.state as CustomerState;
  }
  const before = structuredClone(state);
  const paid = state.invoices.find((inv) => inv.invoiceId === 'BENCH-0000');
  if (!paid) throw new Error('BENCH-0000 is missing');
  const payment: PaymentReceivedEvent = {
    eventId: 'bench-rescore:payment',
    eventTime: `${state.asOf}T12:00:00.000Z`,
    customerId,
    causationId: null,
    type: 'PaymentReceived',
    payload: { paymentId: 'BENCH-PAY-1', amountMinor: paid.openMinor, currency, method: 'BANK_TRANSFER', receivedOn: state.asOf, applications: [{ invoiceId: paid.invoiceId, amountMinor: paid.openMinor }], unappliedMinor: 0 },
  };
  const r = applyEvent(structuredClone(before), payment, source('payments'));
  if (r.rejection) throw new Error(`payment: ${r.rejection.message}`);
  const after = r.state as CustomerState;

  const memoBytes = DEFAULT_EXPLANATION_MEMO_MB * 1024 * 1024;
  const times: number[] = [];
  const probabilityTimes: number[] = [];
  let emitted = 0;
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const factors of [5, 0]) {
      const scorer = createScorer(modelVersion, { shapTreeMemoBytes: memoBytes });
      const policy = { minChange: 0.005, atRisk: scorer.thresholds.atRisk, highLateShare: scorer.thresholds.highLateBalance, factors };
      const previous = valueOf(before, 1, null);
      scoreCustomer(customerId, previous, scorer, policy, previous.input.trigger);
      const value = valueOf(after, 2, previous);
      const t0 = performance.now();
      const result = scoreCustomer(customerId, value, scorer, policy, value.input.trigger);
      (factors > 0 ? times : probabilityTimes).push(performance.now() - t0);
      if (factors > 0) emitted = result.predictions.length;
    }
  }
  return { ms: median(times), probabilitiesOnlyMs: median(probabilityTimes), repeats: REPEATS, emitted, customerId, events: history.length };
}
