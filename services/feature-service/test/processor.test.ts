import assert from 'node:assert/strict';
import type { Document } from 'mongodb';
import { createMetrics } from '@creditstream/metrics';
import type { InputEvent } from '@creditstream/features';
import type { CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import type { EventProducer } from '@creditstream/kafka';
import { createLogger } from '@creditstream/logging';
import { compileTaskOptions, compressedJsonSerde, InMemoryCheckpointStore, KeyValueStore, OutputSender, PartitionClock, StreamTask, taskMetrics, type ProcessorContext, type TaskRecord } from '@creditstream/streams';
import { COLLECTIONS, FeatureProcessor, versionOf, type CustomerValue } from '../src';
import { createFeatureMetrics } from '../src/metrics';

/** An in-memory task context: the store, the clock, and what was forwarded and logged. */
function fakeContext() {
  const forwarded: { topic: string; key: string; event: CustomerFeaturesChangedEvent }[] = [];
  const logged: { collection: string; document: Document }[] = [];
  const ctx: ProcessorContext<CustomerValue> = {
    partition: 0,
    store: new KeyValueStore<CustomerValue>(),
    clock: new PartitionClock(),
    forward: (topic, key, event) => void forwarded.push({ topic, key, event: event as CustomerFeaturesChangedEvent }),
    log: (collection, document) => void logged.push({ collection, document }),
    defer: (work) => {
      while (work(ctx));
    },
  };
  return { ctx, forwarded, logged };
}

const offsets: Record<string, number> = {};
function record(topic: string, type: string, date: string, payload: object, customerId = 'c1'): TaskRecord<InputEvent> {
  const offset = offsets[topic] ?? 0;
  offsets[topic] = offset + 1;
  const event = { eventId: `${topic}-${offset}`, eventTime: `${date}T09:00:00.000Z`, customerId, causationId: null, type, payload } as unknown as InputEvent;
  return { topic, partition: 0, offset, key: customerId, time: Date.parse(event.eventTime), event, message: { topic, partition: 0, offset, key: null, value: null, headers: {}, timestamp: '0', event }, failure: null };
}

const registered = (date: string) => record('customers', 'CustomerRegistered', date, { name: 'Acme', country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: date });
const issued = (id: string, date: string, due: string) => record('invoices', 'InvoiceIssued', date, { invoiceId: id, orderId: null, amountMinor: 10_000, currency: 'EUR', invoiceDate: date, dueDate: due, termsCode: 'NET30', netDays: 30 });
const tick = (date: string) => ({ ...record('clock', 'BusinessDayTick', date, { businessDate: date, previousBusinessDate: null, partition: 0 }, '*'), key: null });

describe('feature processor (against an in-memory task context)', () => {
  const processor = new FeatureProcessor({ partition: 0, outputTopic: 'out', clockTopic: 'clock', metrics: createFeatureMetrics(createMetrics({ service: 'test' }).registry) });

  it('announces each change with the customer features and every open invoice\'s features, and logs the issued vector', () => {
    const { ctx, forwarded, logged } = fakeContext();
    assert.equal(processor.process(registered('2024-01-02'), ctx), undefined);
    processor.process(issued('A', '2024-01-03', '2024-02-02'), ctx);
    processor.process(issued('B', '2024-01-04', '2024-02-03'), ctx);
    const last = forwarded[forwarded.length - 1]?.event;
    assert.ok(last);
    assert.equal(last.eventId, `c1:features:${last.payload.version}`);
    assert.equal(last.payload.version, versionOf((ctx.store.get('c1') as CustomerValue).state));
    assert.deepEqual(last.payload.openInvoices.map((i) => i.invoiceId), ['A', 'B']);
    assert.equal(last.payload.currency, 'EUR');
    assert.deepEqual(logged.map((l) => [l.collection, l.document._id]), [[COLLECTIONS.featureLog, '2:c1:A:issued'], [COLLECTIONS.featureLog, '2:c1:B:issued']]);
    assert.ok(ctx.store.dirtyCount > 0, 'the change is to be checkpointed');
  });

  it('a business-day tick moves the clock forward only, and re-announces the customers with open invoices as of the new day', () => {
    const { ctx, forwarded } = fakeContext();
    processor.process(registered('2024-01-02'), ctx);
    processor.process(issued('A', '2024-01-03', '2024-02-02'), ctx);
    processor.process({ ...registered('2024-01-02'), key: 'c2', event: { ...registered('2024-01-02').event, customerId: 'c2' } as InputEvent }, ctx);
    const before = forwarded.length;
    assert.equal(processor.process(tick('2024-01-05'), ctx), undefined);
    const announced = forwarded.slice(before);
    assert.deepEqual(announced.map((f) => f.key), ['c1'], 'only the customer with an open invoice');
    assert.equal(announced[0]?.event.payload.businessDate, '2024-01-05');
    assert.equal(ctx.clock.businessDate, '2024-01-05');
    const again = forwarded.length;
    processor.process(tick('2024-01-04'), ctx);
    assert.equal(forwarded.length, again, 'an older tick changes nothing');
    assert.equal(ctx.clock.businessDate, '2024-01-05');
  });

  it('refuses an invalid event with its reason, and drops a duplicate without a new announcement', () => {
    const { ctx, forwarded } = fakeContext();
    processor.process(registered('2024-01-02'), ctx);
    const bad = record('invoices', 'InvoiceIssued', '2024-01-03', { invoiceId: 'Z', orderId: null, amountMinor: 0, currency: 'EUR', invoiceDate: '2024-01-03', dueDate: '2024-02-02', termsCode: 'NET30', netDays: 30 });
    assert.equal(processor.process(bad, ctx)?.code, 'INVALID_AMOUNT');
    const inv = issued('A', '2024-01-03', '2024-02-02');
    processor.process(inv, ctx);
    const n = forwarded.length;
    assert.equal(processor.process(inv, ctx), undefined);
    assert.equal(forwarded.length, n);
  });
});

describe('feature processor on a task (in-memory checkpoint store)', () => {
  it('a tick writes nothing to the checkpoint, and a restore re-derives the ticked customers exactly', async () => {
    const metrics = createMetrics({ service: 'test' });
    const featureMetrics = createFeatureMetrics(metrics.registry);
    const processor = () => new FeatureProcessor({ partition: 0, outputTopic: 'out', clockTopic: 'clock', metrics: featureMetrics });
    const checkpoints = new InMemoryCheckpointStore();
    const logger = createLogger({ name: 'test', level: 'silent' });
    const producer: EventProducer = { connect: async () => undefined, disconnect: async () => undefined, send: async () => undefined, sendBatch: async () => undefined, sendRaw: async () => undefined };
    const makeTask = () =>
      new StreamTask<InputEvent, CustomerValue>({
        partition: 0, topics: ['customers', 'invoices', 'clock'], processor: processor(), checkpoints, serde: compressedJsonSerde(),
        sender: new OutputSender(producer, logger, { initialMs: 1, maxMs: 2 }), encode: () => Buffer.alloc(0),
        deadLetter: () => ({ topic: 'dlq', key: null, value: Buffer.alloc(0) }),
        hooks: { pause: () => undefined, resume: () => undefined, seek: () => undefined, commitOffsets: async () => undefined, onClosed: () => undefined },
        options: compileTaskOptions({ commitIntervalMs: 60_000, maxIdleMs: 0 }), metrics: taskMetrics(metrics.registry), logger,
      });
    const q = (r: TaskRecord<InputEvent>) => ({ offset: r.offset, time: r.time, record: r });
    const live = makeTask();
    await live.restore();
    live.begin();
    for (const k in offsets) delete offsets[k];
    live.enqueue('customers', [q(registered('2024-01-02'))], 1);
    live.enqueue('invoices', [q(issued('A', '2024-01-03', '2024-02-02'))], 1);
    await until(() => live.positions.invoices === 1);
    await live.checkpoint();
    const written = checkpoints.commits;
    live.enqueue('clock', [q(tick('2024-01-10')), q(tick('2024-01-11'))], 2);
    await until(() => live.positions.clock === 2 && live.pendingWork === 0);
    await live.checkpoint();
    assert.equal(checkpoints.commits, written + 1, 'the ticks moved the positions');
    assert.deepEqual([...(checkpoints.tasks.get(0)?.slots.values() ?? [])].flat().length, 1, 'one customer in the checkpoint');
    const restored = makeTask();
    await restored.restore();
    assert.deepEqual(restored.store.get('c1'), live.store.get('c1'), 'restored = the live state brought to the clock, features included');
    assert.equal(restored.store.dirtyCount, 0);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}
