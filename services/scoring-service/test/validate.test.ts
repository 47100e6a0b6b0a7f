import assert from 'node:assert/strict';
import { INVOICE_FEATURE_NAMES, MAX_AMOUNT_MINOR } from '@creditstream/features';
import { EXAMPLE_EVENTS, type CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { createMetrics } from '@creditstream/metrics';
import { builtInColdStart, createScorer } from '@creditstream/model';
import { KeyValueStore, PartitionClock, type ProcessorContext, type TaskRecord } from '@creditstream/streams';
import { ScoringProcessor, type ModelHolder, type ScoringValue } from '../src';
import { createScoringMetrics } from '../src/metrics';
import { checkFeaturesChanged } from '../src/validate';

describe('scoring: validation of a customer features changed (issue 17 fuzzing)', () => {
  const example = structuredClone(EXAMPLE_EVENTS.CustomerFeaturesChanged) as CustomerFeaturesChangedEvent;
  const good: CustomerFeaturesChangedEvent = { ...example, payload: { ...example.payload, openInvoices: example.payload.openInvoices.map((i) => ({ ...i, features: INVOICE_FEATURE_NAMES.map(() => 1) })) } };
  const invoice = (over: object) => ({ ...good, payload: { ...good.payload, openInvoices: [{ ...(good.payload.openInvoices[0] as CustomerFeaturesChangedEvent['payload']['openInvoices'][number]), ...over }] } });

  it('accepts a well-formed event', () => {
    assert.equal(checkFeaturesChanged(good, good.customerId), null);
  });

  it('refuses what it could not score or keep, with the fold\'s codes', () => {
    const cases: [CustomerFeaturesChangedEvent, string | null, string][] = [
      // Regression: a vector of the wrong width threw a RangeError after the event was kept as the customer's input.
      [invoice({ features: [1, 2, 3] }), good.customerId, 'INVALID_EVENT'],
      [invoice({ openAmountMinor: -1 }), good.customerId, 'INVALID_AMOUNT'],
      [invoice({ openAmountMinor: MAX_AMOUNT_MINOR + 1 }), good.customerId, 'INVALID_AMOUNT'],
      [invoice({ currency: 'ZZZ' }), good.customerId, 'INVALID_CURRENCY'],
      [invoice({ dueDate: '2024-01-01', invoiceDate: '2024-02-01' }), good.customerId, 'INVALID_DATE'],
      [{ ...good, payload: { ...good.payload, currency: 'EURO' } }, good.customerId, 'INVALID_CURRENCY'],
      [{ ...good, payload: { ...good.payload, version: -1 } }, good.customerId, 'INVALID_EVENT'],
      [{ ...good, customerId: '*' }, '*', 'INVALID_EVENT'],
      [good, 'C-OTHER', 'INVALID_EVENT'],
    ];
    for (const [e, key, code] of cases) assert.equal(checkFeaturesChanged(e, key)?.code, code, JSON.stringify(e.payload.openInvoices[0]?.features.length));
  });
});

describe('scoring processor: an event it cannot score (issue 17 fuzzing)', () => {
  it('is refused before it becomes the customer\'s input (it threw a RangeError after it had been stored, so every later re-score threw again)', () => {
    const ctx: ProcessorContext<ScoringValue> = {
      partition: 0,
      store: new KeyValueStore<ScoringValue>(),
      clock: new PartitionClock(),
      forward: () => undefined,
      log: () => undefined,
      defer: (work) => {
        while (work(ctx));
      },
    };
    const scorer = createScorer(builtInColdStart());
    const p = new ScoringProcessor({ partition: 0, models: { scorer, active: { scorer, publication: null } } as unknown as ModelHolder, topics: { predictions: 'pred', outlooks: 'outlook' }, policy: { minChange: 0.005, atRisk: undefined, highLateShare: undefined, factors: 5 }, metrics: createScoringMetrics(createMetrics({ service: 'test' }).registry) });
    const example = EXAMPLE_EVENTS.CustomerFeaturesChanged as CustomerFeaturesChangedEvent;
    const event: CustomerFeaturesChangedEvent = { ...example, payload: { ...example.payload, openInvoices: example.payload.openInvoices.map((i) => ({ ...i, features: [1, 2, 3] })) } };
    const record: TaskRecord<CustomerFeaturesChangedEvent> = { topic: 'fc', partition: 0, offset: 0, key: event.customerId, time: 0, event, message: { topic: 'fc', partition: 0, offset: 0, key: null, value: null, headers: {}, timestamp: '0', event }, failure: null };
    assert.equal((p.process(record, ctx) as { code?: string } | undefined)?.code, 'INVALID_EVENT');
    assert.equal(ctx.store.get(event.customerId), undefined);
  });
});
