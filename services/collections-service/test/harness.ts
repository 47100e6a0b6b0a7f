import type { Document } from 'mongodb';
import { addDays } from '@creditstream/features';
import type { CollectionActionEnvelope } from '@creditstream/schemas';
import { KeyValueStore, PartitionClock, type ProcessorContext, type Rejection, type TaskRecord } from '@creditstream/streams';
import { CollectionsProcessor, type CollectionsInput, type InputKind } from '../src/processor';
import type { CustomerValue, StoreValue } from '../src/domain/state';

const KINDS: InputKind[] = ['policies', 'customers', 'invoices', 'payments', 'commands', 'outlook', 'predictions', 'clock'];

/**
 * A collections processor on an in-memory task context (the store, the clock, deferred work run at once): records go
 * in one at a time in the order given, what it forwards and logs is collected.
 */
export class Harness {
  readonly processor = new CollectionsProcessor({ partition: 0, inputs: new Map(KINDS.map((k) => [k, k])), actionsTopic: 'actions', invoicesTopic: 'invoices', customersTopic: 'customers', metrics: null });
  readonly forwarded: { topic: string; key: string; event: CollectionActionEnvelope }[] = [];
  readonly logged: { collection: string; document: Document }[] = [];
  readonly rejections: Rejection[] = [];
  readonly ctx: ProcessorContext<StoreValue>;
  private readonly offsets: Record<string, number> = {};
  private lastTick: string | null = null;

  constructor() {
    const ctx: ProcessorContext<StoreValue> = {
      partition: 0,
      store: new KeyValueStore<StoreValue>(),
      clock: new PartitionClock(),
      forward: (topic, key, event) => void this.forwarded.push({ topic, key, event: event as CollectionActionEnvelope }),
      log: (collection, document) => void this.logged.push({ collection, document }),
      defer: (work) => {
        while (work(ctx));
      },
    };
    this.ctx = ctx;
  }

  send(kind: InputKind, type: string, date: string, payload: object, customerId = 'c1', eventId?: string): Rejection | void {
    const offset = this.offsets[kind] ?? 0;
    this.offsets[kind] = offset + 1;
    const event = { eventId: eventId ?? `${kind}-${offset}`, eventTime: `${date}T${kind === 'clock' || kind === 'policies' ? '00:00' : '09:00'}:00.000Z`, customerId, causationId: null, type, payload } as unknown as CollectionsInput;
    const record: TaskRecord<CollectionsInput> = { topic: kind, partition: 0, offset, key: customerId, time: Date.parse(event.eventTime), event, message: { topic: kind, partition: 0, offset, key: null, value: null, headers: {}, timestamp: '0', event }, failure: null };
    const r = this.processor.process(record, this.ctx);
    if (r) this.rejections.push(r);
    return r;
  }

  register(customerId = 'c1', segment = 'smb', date = '2023-01-02'): void {
    this.send('customers', 'CustomerRegistered', date, { name: 'Acme', country: 'DE', segment, currency: 'EUR', groupId: null, paperless: true, openedOn: '2020-01-01' }, customerId);
  }

  issue(invoiceId: string, invoiceDate: string, dueDate: string, amountMinor = 100_000, customerId = 'c1'): void {
    this.send('invoices', 'InvoiceIssued', invoiceDate, { invoiceId, orderId: null, amountMinor, currency: 'EUR', invoiceDate, dueDate, termsCode: 'NET30', netDays: 30 }, customerId);
  }

  pay(paymentId: string, date: string, applications: { invoiceId: string; amountMinor: number }[], customerId = 'c1'): void {
    const amountMinor = applications.reduce((s, a) => s + a.amountMinor, 0);
    this.send('payments', 'PaymentReceived', date, { paymentId, amountMinor, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: date, applications, unappliedMinor: 0 }, customerId);
  }

  tick(date: string): void {
    this.send('clock', 'BusinessDayTick', date, { businessDate: date, previousBusinessDate: this.lastTick, partition: 0 }, '*', `tick-${date}`);
    this.lastTick = date;
  }

  /** A tick for every calendar day from `from` to `to`, inclusive. */
  days(from: string, to: string): void {
    for (let d = from; d <= to; d = addDays(d, 1)) this.tick(d);
  }

  command(type: string, date: string, payload: object, customerId = 'c1'): Rejection | void {
    return this.send('commands', type, date, payload, customerId, `cmd-event-${(payload as { commandId: string }).commandId}`);
  }

  predict(invoiceId: string, date: string, pOnTime: number, customerId = 'c1', pLate = (1 - pOnTime) / 2): void {
    this.send('predictions', 'InvoicePaymentPredicted', date, { invoiceId, businessDate: date, modelId: 'm', modelVersion: '7', pOnTime, pLate, pVeryLate: 1 - pOnTime - pLate, predictedBucket: pOnTime >= 0.5 ? 'ON_TIME' : 'LATE', atRisk: pOnTime < 0.5, openAmountMinor: 100_000, currency: 'EUR', topFactors: [{ feature: 'share_late_90d', value: 0.7, contribution: 0.4 }], featureVectorId: 'fv' }, customerId);
  }

  /** The actions forwarded so far, of one type. */
  actions<T extends CollectionActionEnvelope['type']>(type: T): Extract<CollectionActionEnvelope, { type: T }>[] {
    return this.forwarded.filter((f) => f.topic === 'actions' && f.event.type === type).map((f) => f.event as Extract<CollectionActionEnvelope, { type: T }>);
  }

  value(customerId = 'c1'): CustomerValue {
    return this.ctx.store.get(customerId) as CustomerValue;
  }
}
