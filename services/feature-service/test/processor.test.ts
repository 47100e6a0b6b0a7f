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
    assert.match(last.eventId, new RegExp(`^c1:features:${last.payload.version}:[0-9a-f]{8}$`));
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

  it('one id names one content: a version reached through other inputs (live arrival order vs a replay\'s business-time order) gets another id', () => {
    // Regression (chaos test, CI of b697558): live, a record became visible after a later one of another topic; the
    // replay after a crash merged them in business-time order and announced version 506 of a customer with another
    // cause and other changed features under the same id '<customer>:features:506'.
    const at = (topic: string, offset: number, type: string, time: string, payload: object, customerId = 'c1'): TaskRecord<InputEvent> => {
      const event = { eventId: `${topic}-${offset}`, eventTime: time, customerId, causationId: null, type, payload } as unknown as InputEvent;
      return { topic, partition: 0, offset, key: customerId, time: Date.parse(time), event, message: { topic, partition: 0, offset, key: null, value: null, headers: {}, timestamp: '0', event }, failure: null };
    };
    const invoice = (offset: number, id: string, date: string, due = '2024-01-20') => at('invoices', offset, 'InvoiceIssued', `${date}T09:00:00.000Z`, { invoiceId: id, orderId: null, amountMinor: 10_000, currency: 'EUR', invoiceDate: date, dueDate: due, termsCode: 'NET30', netDays: 30 });
    const dayTick = (offset: number, date: string) => ({ ...at('clock', offset, 'BusinessDayTick', `${date}T00:00:00.000Z`, { businessDate: date, previousBusinessDate: null, partition: 0 }, '*'), key: null });
    const base = [at('customers', 0, 'CustomerRegistered', '2024-01-02T09:00:00.000Z', { name: 'Acme', country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: '2024-01-02' }), invoice(0, 'A', '2024-01-03'), invoice(1, 'B', '2024-01-03'), dayTick(1, '2024-01-24')];
    const payment = at('payments', 0, 'PaymentReceived', '2024-01-25T15:41:00.000Z', { paymentId: 'P', amountMinor: 10_000, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: '2024-01-25', applications: [{ invoiceId: 'A', amountMinor: 10_000 }], unappliedMinor: 0 });
    const later = invoice(2, 'C', '2024-01-25', '2024-02-24');
    const run = (tail: TaskRecord<InputEvent>[]) => {
      const { ctx, forwarded } = fakeContext();
      for (const r of [...base, ...tail]) processor.process(r, ctx);
      return forwarded.map((f) => f.event);
    };
    const content = (e: CustomerFeaturesChangedEvent) => JSON.stringify(e);
    const byId = new Map<string, string>();
    const tails = [[later, payment], [payment, later], [dayTick(2, '2024-01-25'), payment], [payment, dayTick(2, '2024-01-25')], [later, payment]];
    const runs = tails.map(run);
    for (const e of runs.flat()) {
      const known = byId.get(e.eventId);
      assert.ok(known === undefined || known === content(e), `${e.eventId}: one id, one content`);
      byId.set(e.eventId, content(e));
      assert.match(e.eventId, new RegExp(`^c1:features:${e.payload.version}:[0-9a-f]{8}$`));
    }
    const [first, second, ticked, paidFirst, again] = runs.map((r) => r[r.length - 1] as CustomerFeaturesChangedEvent);
    assert.equal(first?.payload.version, second?.payload.version, 'the same inputs: the same version');
    assert.deepEqual(first?.payload.features, second?.payload.features, 'and the same features');
    assert.notEqual(first?.eventId, second?.eventId, 'reached through another input: another id');
    assert.notEqual(first?.causationId, second?.causationId);
    assert.equal(ticked?.payload.version, (paidFirst?.payload.version ?? 0) + 1, 'the sums differ by one here');
    assert.equal(again?.eventId, first?.eventId, 'the same order: the same ids');
    // Two different states with one version sum: the tick after the invoices (offset 2) and the payment (offset 2).
    const tickOnly = runs[2]?.find((e) => e.causationId === 'clock-2');
    const payOnly = runs[3]?.find((e) => e.causationId === 'payments-0');
    assert.equal(tickOnly?.payload.version, payOnly?.payload.version, 'one version sum');
    assert.notEqual(tickOnly?.eventId, payOnly?.eventId, 'two ids');
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
    const producer: EventProducer = { connect: async () => undefined, disconnect: async () => undefined, send: async () => undefined, sendBatch: async () => undefined, sendRaw: async () => undefined, sendRawBatch: async () => undefined };
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

describe('feature processor under a state budget (values leave memory and come back)', () => {
  /** A seeded company: customers registering, invoices issued and paid (some late), a tick per business day. */
  function history(customers: number, days: number): TaskRecord<InputEvent>[][] {
    for (const k in offsets) delete offsets[k];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const open = new Map<string, string[]>();
    const perDay: TaskRecord<InputEvent>[][] = [];
    let n = 0;
    for (let d = 0; d < days; d++) {
      const date = new Date(Date.UTC(2024, 0, 2 + d)).toISOString().slice(0, 10);
      const due = new Date(Date.UTC(2024, 0, 2 + d + 20)).toISOString().slice(0, 10);
      const records: TaskRecord<InputEvent>[] = [];
      for (let c = 0; c < customers; c++) {
        const id = `cust-${c}`;
        if (d === 0) records.push(record('customers', 'CustomerRegistered', date, { name: id, country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: date }, id));
        const invoices = open.get(id) ?? [];
        if (rnd() < 0.3) {
          const invoiceId = `${id}-inv-${n++}`;
          records.push(record('invoices', 'InvoiceIssued', date, { invoiceId, orderId: null, amountMinor: 1000 + Math.floor(rnd() * 9000), currency: 'EUR', invoiceDate: date, dueDate: due, termsCode: 'NET20', netDays: 20 }, id));
          invoices.push(invoiceId);
        }
        if (invoices.length > 0 && rnd() < 0.15) {
          const invoiceId = invoices.shift() as string;
          records.push(record('payments', 'PaymentReceived', date, { paymentId: `pay-${invoiceId}`, amountMinor: 500, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: date, applications: [{ invoiceId, amountMinor: 500 }], unappliedMinor: 0 }, id));
        }
        open.set(id, invoices);
      }
      records.push(tick(date));
      perDay.push(records);
    }
    return perDay;
  }

  async function run(perDay: TaskRecord<InputEvent>[][], stateBudgetBytes: number) {
    const metrics = createMetrics({ service: 'test' });
    const featureMetrics = createFeatureMetrics(metrics.registry);
    const logger = createLogger({ name: 'test', level: 'silent' });
    const sent: string[] = [];
    const producer: EventProducer = { connect: async () => undefined, disconnect: async () => undefined, send: async () => undefined, sendBatch: async () => undefined, sendRaw: async (_t, messages) => void sent.push(...messages.map((m) => m.value.toString())), sendRawBatch: async (batches) => void sent.push(...batches.flatMap((b) => b.messages.map((m) => m.value.toString()))) };
    const topics = ['customers', 'invoices', 'payments', 'clock'];
    const task = new StreamTask<InputEvent, CustomerValue>({
      partition: 0, topics, processor: new FeatureProcessor({ partition: 0, outputTopic: 'out', clockTopic: 'clock', metrics: featureMetrics }), checkpoints: new InMemoryCheckpointStore(), serde: compressedJsonSerde(),
      sender: new OutputSender(producer, logger, { initialMs: 1, maxMs: 2 }), encode: (_t, event) => Buffer.from(JSON.stringify(event)),
      deadLetter: () => ({ topic: 'dlq', key: null, value: Buffer.alloc(0) }),
      hooks: { pause: () => undefined, resume: () => undefined, seek: () => undefined, commitOffsets: async () => undefined, onClosed: () => undefined },
      options: compileTaskOptions({ commitIntervalMs: 60_000, maxIdleMs: 0, stateBudgetBytes }), metrics: taskMetrics(metrics.registry), logger,
    });
    await task.restore();
    task.begin();
    const ends: Record<string, number> = {};
    for (const records of perDay) {
      for (const topic of topics) {
        const mine = records.filter((r) => r.topic === topic);
        if (mine.length === 0) continue;
        ends[topic] = (mine[mine.length - 1] as TaskRecord<InputEvent>).offset + 1;
        task.enqueue(topic, mine.map((r) => ({ offset: r.offset, time: r.time, record: r })), ends[topic] as number);
      }
      await until(() => topics.every((t) => (task.positions[t] ?? 0) === (ends[t] ?? 0)) && task.pendingWork === 0);
      // A checkpoint a day: what it covers becomes evictable.
      await task.checkpoint();
    }
    const stats = task.store.stats;
    const states = [...task.store.keys()].sort().map((k) => [k, task.store.get(k)]);
    return { sent, states, stats };
  }

  it('with a budget far below the state, the outputs and the states equal the unbounded run, although nearly every value left memory and came back', async () => {
    const perDay = history(40, 45);
    const unbounded = await run(perDay, Infinity);
    const bounded = await run(perDay, 20_000);
    assert.ok(unbounded.sent.length > 500, `the history gives ${unbounded.sent.length} announcements`);
    assert.deepEqual(bounded.sent, unbounded.sent, 'the same announcements, in the same order, with the same content');
    assert.deepEqual(bounded.states, unbounded.states, 'the same states, features included');
    assert.ok(bounded.stats.loads > 1000 && bounded.stats.evictions > 1000, JSON.stringify(bounded.stats));
    assert.ok(bounded.stats.liveBytes <= 20_000 * 2, `live ${bounded.stats.liveBytes} bytes against a budget of 20,000`);
    assert.equal(unbounded.stats.loads, 0);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}
