import assert from 'node:assert/strict';
import { addDays } from '@creditstream/features';
import type { EventProducer } from '@creditstream/kafka';
import { createLogger } from '@creditstream/logging';
import { createMetrics } from '@creditstream/metrics';
import { compileTaskOptions, compressedJsonSerde, InMemoryCheckpointStore, OutputSender, StreamTask, taskMetrics, type TaskRecord } from '@creditstream/streams';
import type { StoreValue } from '../src/domain/state';
import { CollectionsProcessor, type CollectionsInput, type InputKind } from '../src/processor';
import { simulateHistory, type HistoryRecord } from '../src/simulation';

const KINDS: InputKind[] = ['policies', 'customers', 'invoices', 'payments', 'commands', 'outlook', 'predictions', 'clock'];

/** One customer's history on partition 0: invoices, a partial payment, a dispute, a promise, predictions, daily ticks. */
function history(): HistoryRecord[] {
  const out: HistoryRecord[] = [];
  const offsets: Record<string, number> = {};
  const add = (kind: InputKind, date: string, type: string, payload: object, time = '09:00', customerId = 'c1') => {
    const offset = offsets[kind] ?? 0;
    offsets[kind] = offset + 1;
    out.push({ kind, partition: 0, offset, event: { eventId: `${kind}-${offset}`, eventTime: `${date}T${time}:00.000Z`, customerId, causationId: null, type, payload } as unknown as CollectionsInput });
  };
  add('customers', '2024-01-01', 'CustomerRegistered', { name: 'Acme', country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: '2020-01-01' });
  add('invoices', '2024-01-02', 'InvoiceIssued', { invoiceId: 'A', orderId: null, amountMinor: 100_000, currency: 'EUR', invoiceDate: '2024-01-02', dueDate: '2024-02-01', termsCode: 'NET30', netDays: 30 });
  add('invoices', '2024-01-05', 'InvoiceIssued', { invoiceId: 'B', orderId: null, amountMinor: 70_000, currency: 'EUR', invoiceDate: '2024-01-05', dueDate: '2024-02-04', termsCode: 'NET30', netDays: 30 });
  add('invoices', '2024-02-20', 'InvoiceIssued', { invoiceId: 'C', orderId: null, amountMinor: 20_000, currency: 'EUR', invoiceDate: '2024-02-20', dueDate: '2024-03-21', termsCode: 'NET30', netDays: 30 });
  add('predictions', '2024-02-25', 'InvoicePaymentPredicted', { invoiceId: 'C', businessDate: '2024-02-25', modelId: 'm', modelVersion: '3', pOnTime: 0.3, pLate: 0.4, pVeryLate: 0.3, predictedBucket: 'LATE', atRisk: true, openAmountMinor: 20_000, currency: 'EUR', topFactors: [], featureVectorId: 'fv' });
  add('payments', '2024-02-15', 'PaymentReceived', { paymentId: 'P1', amountMinor: 60_000, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: '2024-02-15', applications: [{ invoiceId: 'A', amountMinor: 60_000 }], unappliedMinor: 0 });
  add('invoices', '2024-02-16', 'InvoiceDisputed', { invoiceId: 'B', disputeId: 'D1', amountMinor: 70_000, currency: 'EUR', reason: 'quantity' });
  add('commands', '2024-03-02', 'PromiseToPay', { commandId: 'k1', actor: 'jo', invoiceIds: ['A'], amountMinor: 40_000, currency: 'EUR', promisedDate: '2024-03-10' });
  let previous: string | null = null;
  for (let d = '2024-01-29'; d <= '2024-04-15'; d = addDays(d, 1)) {
    add('clock', d, 'BusinessDayTick', { businessDate: d, previousBusinessDate: previous, partition: 0 }, '00:00', '*');
    previous = d;
  }
  return out;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

describe('collections processor on a partition task (in-memory checkpoint store)', () => {
  it('records arriving topic by topic are processed in business-time order, and a task restored from a checkpoint goes on with the same actions as the in-memory replay', async () => {
    const all = history();
    const expected: string[] = [];
    simulateHistory(all, { onOutput: (o) => void expected.push(JSON.stringify(o.event)) });
    assert.ok(expected.length >= 10, `${expected.length} actions`);

    const metrics = createMetrics({ service: 'test' });
    const checkpoints = new InMemoryCheckpointStore();
    const logger = createLogger({ name: 'test', level: 'silent' });
    const producer: EventProducer = { connect: async () => undefined, disconnect: async () => undefined, send: async () => undefined, sendBatch: async () => undefined, sendRaw: async () => undefined, sendRawBatch: async () => undefined };
    const produced: string[] = [];
    const makeTask = () =>
      new StreamTask<CollectionsInput, StoreValue>({
        partition: 0,
        topics: KINDS,
        processor: new CollectionsProcessor({ partition: 0, inputs: new Map(KINDS.map((k) => [k, k])), actionsTopic: 'actions', invoicesTopic: 'invoices', customersTopic: 'customers', metrics: null }),
        checkpoints,
        serde: compressedJsonSerde(),
        sender: new OutputSender(producer, logger, { initialMs: 1, maxMs: 2 }),
        encode: (_topic, event) => {
          produced.push(JSON.stringify(event));
          return Buffer.alloc(0);
        },
        deadLetter: () => ({ topic: 'dlq', key: null, value: Buffer.alloc(0) }),
        hooks: { pause: () => undefined, resume: () => undefined, seek: () => undefined, commitOffsets: async () => undefined, onClosed: () => undefined },
        options: compileTaskOptions({ commitIntervalMs: 60_000, maxIdleMs: 0 }),
        metrics: taskMetrics(metrics.registry),
        logger,
      });
    const queued = (h: HistoryRecord) => {
      const time = Date.parse((h.event as { eventTime: string }).eventTime);
      const record: TaskRecord<CollectionsInput> = { topic: h.kind, partition: 0, offset: h.offset, key: null, time, event: h.event, message: { topic: h.kind, partition: 0, offset: h.offset, key: null, value: null, headers: {}, timestamp: '0', event: h.event } as never, failure: null };
      return { offset: h.offset, time, record };
    };
    // Everything before 1 March first (each topic whole, one after the other), then a checkpoint and a new owner.
    const cut = Date.parse('2024-03-01T00:00:00.000Z');
    const before = all.filter((h) => Date.parse((h.event as { eventTime: string }).eventTime) < cut);
    const after = all.filter((h) => !before.includes(h));
    const feed = (task: StreamTask<CollectionsInput, StoreValue>, part: HistoryRecord[], ends: (kind: InputKind) => number) => {
      for (const kind of [...KINDS].reverse()) task.enqueue(kind, part.filter((h) => h.kind === kind).map(queued), ends(kind));
    };
    const first = makeTask();
    await first.restore();
    first.begin();
    const countBefore = (kind: InputKind) => before.filter((h) => h.kind === kind).length;
    // Each topic says it ends where its part ends: nothing is waited for, and the cut falls between two business times.
    for (const kind of KINDS) first.setWatermarks(kind, 0, countBefore(kind));
    feed(first, before, countBefore);
    await until(() => KINDS.every((k) => first.positions[k] === countBefore(k)) && first.pendingWork === 0);
    await first.checkpoint();
    await first.close({ checkpoint: false });

    const second = makeTask();
    await second.restore();
    second.begin();
    const total = (kind: InputKind) => all.filter((h) => h.kind === kind).length;
    for (const kind of KINDS) second.setWatermarks(kind, 0, total(kind));
    feed(second, after, total);
    await until(() => KINDS.every((k) => second.positions[k] === total(k)) && second.pendingWork === 0);
    await second.close({ checkpoint: true });
    assert.deepEqual(produced, expected, 'the same actions in the same order, byte for byte');
  });
});
