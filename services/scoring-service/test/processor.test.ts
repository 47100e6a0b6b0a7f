import assert from 'node:assert/strict';
import { applyEvent, predictionInputs, type CustomerState, type InputEvent } from '@creditstream/features';
import { createMetrics } from '@creditstream/metrics';
import { builtInColdStart, createScorer, type Scorer } from '@creditstream/model';
import type { CustomerFeaturesChangedEvent, InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import { KeyValueStore, PartitionClock, type ProcessorContext, type TaskRecord } from '@creditstream/streams';
import { createScoringMetrics } from '../src/metrics';
import { ScoringProcessor, type ModelHolder, type ScoringValue } from '../src';

function fakeContext() {
  const forwarded: { topic: string; event: { eventId: string } }[] = [];
  const ctx: ProcessorContext<ScoringValue> = {
    partition: 0,
    store: new KeyValueStore<ScoringValue>(),
    clock: new PartitionClock(),
    forward: (topic, _key, event) => void forwarded.push({ topic, event: event as { eventId: string } }),
    log: () => undefined,
    defer: (work) => {
      while (work(ctx));
    },
  };
  return { ctx, forwarded };
}

function state(): CustomerState {
  let s: CustomerState | null = null;
  const events = [
    { type: 'CustomerRegistered', payload: { name: 'Acme', country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: '2024-01-01' } },
    { type: 'InvoiceIssued', payload: { invoiceId: 'A', orderId: null, amountMinor: 10_000, currency: 'EUR', invoiceDate: '2024-01-10', dueDate: '2024-02-09', termsCode: 'NET30', netDays: 30 } },
  ];
  events.forEach((e, offset) => {
    const event = { eventId: `e${offset}`, eventTime: '2024-01-10T09:00:00.000Z', customerId: 'c1', causationId: null, ...e } as unknown as InputEvent;
    s = applyEvent(s, event, { topic: 'in', partition: 0, offset }).state as CustomerState;
  });
  return s as unknown as CustomerState;
}

function changed(version: number): TaskRecord<CustomerFeaturesChangedEvent> {
  const s = state();
  const inputs = predictionInputs(s);
  const event: CustomerFeaturesChangedEvent = { eventId: `c1:features:${version}`, eventTime: '2024-01-10T09:00:00.000Z', customerId: 'c1', causationId: null, type: 'CustomerFeaturesChanged', payload: { version, featureSetVersion: 'features-v1', businessDate: s.asOf, changedFeatures: [], features: inputs.features, openInvoiceIds: ['A'], currency: 'EUR', openInvoices: inputs.openInvoices } };
  return { topic: 'fc', partition: 0, offset: version, key: 'c1', time: 0, event, message: { topic: 'fc', partition: 0, offset: version, key: null, value: null, headers: {}, timestamp: '0', event }, failure: null };
}

/** A model holder serving `scorer` (what the service's holder does after a load or a reload). */
function holder(scorer: Scorer): ModelHolder {
  return { scorer, active: { scorer, publication: null } } as unknown as ModelHolder;
}

describe('scoring processor (against an in-memory task context)', () => {
  const metrics = createScoringMetrics(createMetrics({ service: 'test' }).registry);
  const topics = { predictions: 'pred', outlooks: 'outlook' };
  const policy = { minChange: 0.005, atRisk: undefined, highLateShare: undefined, factors: 5 };

  it('scores a customer from the event alone, and drops an event not newer than the one it has', () => {
    const { ctx, forwarded } = fakeContext();
    const p = new ScoringProcessor({ partition: 0, models: holder(createScorer(builtInColdStart())), topics, policy, metrics });
    p.process(changed(5), ctx);
    assert.deepEqual(forwarded.map((f) => f.topic), ['pred', 'outlook']);
    assert.equal(ctx.store.get('c1')?.scored?.customerVersion, 5);
    p.process(changed(5), ctx);
    p.process(changed(4), ctx);
    assert.equal(forwarded.length, 2, 'a duplicate or an older version produces nothing');
    assert.equal(ctx.store.get('c1')?.input.version, 5);
  });

  it('counts each emitted prediction by its bucket and at-risk flag (creditstream_scoring_predictions_total)', async () => {
    const registry = createMetrics({ service: 'test' }).registry;
    const counting = createScoringMetrics(registry);
    const { ctx, forwarded } = fakeContext();
    const p = new ScoringProcessor({ partition: 0, models: holder(createScorer(builtInColdStart())), topics, policy, metrics: counting });
    p.process(changed(5), ctx);
    const prediction = forwarded.find((f) => f.topic === 'pred')?.event as unknown as InvoicePaymentPredictedEvent;
    const { values } = await counting.predictions.get();
    assert.deepEqual(
      values.map((v) => ({ labels: v.labels, value: v.value })),
      [{ labels: { bucket: prediction.payload.predictedBucket.toLowerCase(), at_risk: String(prediction.payload.atRisk) }, value: 1 }],
    );
  });

  it('after a model swap, re-scores every customer another model scored, once', () => {
    const { ctx, forwarded } = fakeContext();
    const models = holder(createScorer(builtInColdStart()));
    const p = new ScoringProcessor({ partition: 0, models, topics, policy, metrics });
    p.process(changed(5), ctx);
    const other = createScorer({ ...builtInColdStart(), version: 'v9' });
    Object.assign(models, { scorer: other, active: { scorer: other, publication: null } });
    p.rescoreAll(ctx);
    assert.equal(ctx.store.get('c1')?.scored?.modelVersion, 'v9');
    assert.ok(forwarded.some((f) => f.event.eventId === 'c1:prediction:A:v9:5:2024-01-10'));
    const n = forwarded.length;
    p.rescoreAll(ctx);
    assert.equal(forwarded.length, n, 'up to date: nothing to do');
  });
});
