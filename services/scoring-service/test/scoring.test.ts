import assert from 'node:assert/strict';
import { applyEvent, findInvoice, invoiceFeatures, predictionInputs, vectorFromInputs, type ApplyResult, type CustomerState, type InputEvent, type InvoiceState } from '@creditstream/features';
import { builtInColdStart, createScorer } from '@creditstream/model';
import { outlookOf, sameOutlook, scoreCustomer, shouldEmit, upToDate, type CurrentPrediction, type Emittable, type ScoringValue } from '../src';

const scorer = createScorer(builtInColdStart());
const policy = { minChange: 0.005, atRisk: 0.5, highLateShare: 0.5, factors: 5 };
const trigger = { eventId: 'c1:features:7', eventTime: '2024-03-01T00:00:00.000Z' };

/** Folds hand-written events of customer c1 (one offset per event, one topic per family). */
function fold(events: { type: string; date: string; payload: object }[]): CustomerState {
  let state: CustomerState | null = null;
  const offsets: Record<string, number> = {};
  for (const [i, e] of events.entries()) {
    const topic = e.type.startsWith('Payment') ? 'payments' : e.type === 'CustomerRegistered' ? 'customers' : 'invoices';
    const offset = offsets[topic] ?? 0;
    offsets[topic] = offset + 1;
    const event = { eventId: `ev-${i}`, eventTime: `${e.date}T09:00:00.000Z`, customerId: 'c1', causationId: null, type: e.type, payload: e.payload } as unknown as InputEvent;
    const result: ApplyResult<CustomerState | null> = applyEvent(state, event, { topic, partition: 0, offset });
    assert.equal(result.rejection, undefined, JSON.stringify(result.rejection));
    state = result.state as CustomerState;
  }
  return state as CustomerState;
}

const registered = { type: 'CustomerRegistered', date: '2024-01-01', payload: { name: 'Acme', country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: '2024-01-01' } };
const invoice = (id: string, date: string, due: string, amountMinor: number, currency = 'EUR') => ({ type: 'InvoiceIssued', date, payload: { invoiceId: id, orderId: null, amountMinor, currency, invoiceDate: date, dueDate: due, termsCode: 'NET30', netDays: 30 } });
const payment = (id: string, date: string, invoiceId: string, amountMinor: number) => ({ type: 'PaymentReceived', date, payload: { paymentId: id, amountMinor, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: date, applications: [{ invoiceId, amountMinor }], unappliedMinor: 0 } });

const base: Emittable = { pOnTime: 0.6, pLate: 0.3, pVeryLate: 0.1, predictedBucket: 'ON_TIME', atRisk: false, modelVersion: 'v1' };

describe('scoring: when a prediction is emitted', () => {
  it('always without a current prediction or when the model changed', () => {
    assert.equal(shouldEmit(undefined, base, 0.005), true);
    assert.equal(shouldEmit(base, { ...base, modelVersion: 'v2' }, 0.005), true);
  });
  it('when a probability moved by at least the threshold, not below it', () => {
    assert.equal(shouldEmit(base, { ...base, pOnTime: 0.604, pLate: 0.296 }, 0.005), false);
    assert.equal(shouldEmit(base, { ...base, pOnTime: 0.6055, pLate: 0.2945 }, 0.005), true);
    assert.equal(shouldEmit(base, { ...base, pLate: 0.294, pVeryLate: 0.106 }, 0.005), true);
  });
  it('when the bucket or the at-risk flag changed, however small the move', () => {
    assert.equal(shouldEmit(base, { ...base, predictedBucket: 'LATE' }, 0.005), true);
    assert.equal(shouldEmit(base, { ...base, atRisk: true }, 0.005), true);
  });
});

describe('scoring: the customer payment outlook', () => {
  const p = (invoiceId: string, amount: number, probs: [number, number, number], over: Partial<CurrentPrediction> = {}): CurrentPrediction => ({
    invoiceId, pOnTime: probs[0], pLate: probs[1], pVeryLate: probs[2], predictedBucket: 'ON_TIME', atRisk: probs[0] < 0.5, topFactors: [], modelId: 'm', modelVersion: 'v1',
    businessDate: '2024-03-01', featureVectorId: 'x', eventId: 'e', openAmountMinor: amount, currency: 'EUR', inOutlook: true, ...over,
  });
  const context = { businessDate: '2024-03-01', modelVersion: 'v1', currency: 'EUR', highLateShare: 0.5 };

  it('weights each open amount by its probabilities, counts the at-risk ones and leaves other currencies out', () => {
    const o = outlookOf([p('a', 1000, [0.7, 0.2, 0.1]), p('b', 3001, [0.4, 0.4, 0.2]), p('c', 5000, [0, 0, 1], { currency: 'USD', inOutlook: false })], context);
    assert.deepEqual(o, {
      businessDate: '2024-03-01', modelVersion: 'v1', currency: 'EUR', openBalanceMinor: 4001,
      expectedOnTimeMinor: Math.round(700 + 3001 * 0.4), expectedLateMinor: Math.round(200 + 3001 * 0.4), expectedVeryLateMinor: Math.round(100 + 3001 * 0.2),
      highLateBalance: true, openInvoiceCount: 2, atRiskInvoiceCount: 1,
    });
  });
  it('flags a high late balance only above the share, and never for an empty balance', () => {
    assert.equal(outlookOf([p('a', 1000, [0.5, 0.25, 0.25])], context).highLateBalance, false);
    assert.equal(outlookOf([p('a', 1000, [0.49, 0.26, 0.25])], context).highLateBalance, true);
    assert.equal(outlookOf([], context).highLateBalance, false);
  });
  it('is the same when only the business date moved', () => {
    const a = outlookOf([p('a', 1000, [0.7, 0.2, 0.1])], context);
    assert.equal(sameOutlook(a, { ...a, businessDate: '2024-03-02' }), true);
    assert.equal(sameOutlook(a, { ...a, atRiskInvoiceCount: 1 }), false);
    assert.equal(sameOutlook(null, a), false);
  });
});

/** A customer's value as the processor holds it after `customer features changed` at `version`. */
function valueOf(state: CustomerState, version: number, previous: ScoringValue | null = null): ScoringValue {
  const inputs = predictionInputs(state);
  const input = { version, businessDate: state.asOf, features: inputs.features, customerCurrency: state.registration?.currency ?? null, openInvoices: inputs.openInvoices, trigger };
  return previous === null ? { input, scored: null, predictions: [], outlook: null } : { ...structuredClone(previous), input };
}

describe('scoring: one customer', () => {
  const history = [registered, invoice('A', '2024-01-10', '2024-02-09', 10_000), invoice('B', '2024-01-20', '2024-02-19', 20_000), invoice('X', '2024-01-21', '2024-02-20', 5_000, 'USD')];

  it('the vector rebuilt from the event\'s inputs equals the feature function\'s vector of the state, bit for bit', () => {
    const state = fold(history);
    const inputs = predictionInputs(state);
    for (const inv of inputs.openInvoices) {
      const direct = invoiceFeatures(state, findInvoice(state, inv.invoiceId) as InvoiceState);
      assert.deepEqual(Array.from(vectorFromInputs(inputs.features, inv.features)), Array.from(direct));
    }
  });

  it('scores every open invoice, logs the emitted vectors, and emits predictions equal to scoring the logged vector', () => {
    const state = fold(history);
    const value = valueOf(state, 7);
    const r = scoreCustomer('c1', value, scorer, policy, trigger);
    assert.deepEqual(r.log.map((l) => l.invoiceId), ['A', 'B', 'X']);
    assert.deepEqual(r.predictions.map((e) => e.eventId), ['c1:prediction:A:cold-start-default:7:2024-01-21', 'c1:prediction:B:cold-start-default:7:2024-01-21', 'c1:prediction:X:cold-start-default:7:2024-01-21']);
    for (const e of r.predictions) {
      const entry = r.log.find((l) => l.id === e.payload.featureVectorId);
      assert.ok(entry, `${e.payload.invoiceId}: logged vector ${e.payload.featureVectorId}`);
      assert.equal(entry.kind, 'scored');
      const direct = scorer.score(entry.values.map((x) => (x === null ? NaN : x)), { factors: 5 });
      assert.deepEqual([e.payload.pOnTime, e.payload.pLate, e.payload.pVeryLate, e.payload.predictedBucket], [direct.pOnTime, direct.pLate, direct.pVeryLate, direct.predictedBucket]);
      assert.deepEqual(e.payload.topFactors, direct.factors.map((f) => ({ ...f })));
      assert.equal(e.causationId, trigger.eventId);
    }
    assert.equal(r.outlook?.payload.openInvoiceCount, 2, 'the USD invoice is scored but not in the EUR outlook');
    assert.equal(r.outlook?.payload.openBalanceMinor, 30_000);
    assert.deepEqual(value.scored, { customerVersion: 7, asOf: '2024-01-21', modelVersion: scorer.modelVersion });
    assert.equal(upToDate(value, scorer.modelVersion), true);
  });

  it('emits nothing when nothing moved, and drops a settled invoice from the outlook at once', () => {
    const first = valueOf(fold(history), 7);
    scoreCustomer('c1', first, scorer, policy, trigger);
    const again = valueOf(fold(history), 7, first);
    const r = scoreCustomer('c1', again, scorer, policy, trigger);
    assert.deepEqual(r.predictions, []);
    assert.equal(r.outlook, null);
    assert.deepEqual(again.predictions, first.predictions);

    const paid = valueOf(fold([...history, payment('P1', '2024-01-25', 'A', 10_000)]), 9, first);
    const after = scoreCustomer('c1', paid, scorer, policy, { eventId: 'c1:features:9', eventTime: '2024-01-25T09:00:00.000Z' });
    assert.deepEqual(paid.predictions.map((p) => p.invoiceId), ['B', 'X']);
    assert.equal(after.outlook?.payload.openBalanceMinor, 20_000);
    assert.equal(after.outlook?.payload.openInvoiceCount, 1);
    assert.equal(after.outlook?.eventId, 'c1:outlook:cold-start-default:9:2024-01-25');
    assert.equal(after.invoices, 2, 'the other open invoices are re-scored');
  });
});
