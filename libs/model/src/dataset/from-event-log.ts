import { businessDateOfTimestamp, createFolder, dayNumber, FEATURE_SET_VERSION, findInvoice, invoiceFeatures, isDate, type EventSource, type InputEvent, type SourcedEvent } from '@creditstream/features';
import { TOPIC } from '@creditstream/schemas';
import { compareExamples, type TrainingData, type TrainingExample } from './examples';

/**
 * Within one business date, the order topics are folded in. Invoices come before payments, so a payment made on
 * the issue date is not in the invoice's vector at issue (as in live operation, where the payment arrives after the
 * invoice); master data, orders and ticks of the day come first, as they describe the customer that day.
 */
const TOPIC_RANK: readonly string[] = [TOPIC.clock, TOPIC.customers, TOPIC.orders, TOPIC.invoices, TOPIC.payments];

function topicRank(topic: string): number {
  // Topic names may carry a prefix (isolated test runs): match on the suffix.
  const i = TOPIC_RANK.findIndex((t) => topic.endsWith(t));
  return i < 0 ? TOPIC_RANK.length : i;
}

/**
 * The business date of an input event, by the features library's rules (its README, "Business time"): the
 * payload's own date for issues, receipts, returns, orders, shipments and ticks; the UTC date of eventTime for the
 * rest. An event without a valid date sorts first (the fold rejects it anyway).
 */
export function eventBusinessDay(event: InputEvent): number {
  const date = ownDate(event) ?? businessDateOfTimestamp(event.eventTime);
  return isDate(date) ? dayNumber(date) : Number.NEGATIVE_INFINITY;
}

function ownDate(event: InputEvent): unknown {
  switch (event.type) {
    case 'InvoiceIssued':
      return event.payload.invoiceDate;
    case 'PaymentReceived':
      return event.payload.receivedOn;
    case 'PaymentReturned':
      return event.payload.returnedOn;
    case 'OrderPlaced':
      return event.payload.orderDate;
    case 'OrderShipped':
      return event.payload.shippedOn;
    case 'BusinessDayTick':
      return event.payload.businessDate;
    default:
      return undefined;
  }
}

interface Stream {
  readonly events: SourcedEvent[];
  readonly rank: number;
  readonly days: Float64Array;
  next: number;
}

/** Folds input events one by one and takes each invoice's vector at the moment it is issued. */
export interface PointInTimeBuilder {
  /** Folds one event (events must come in business-time order; see trainingDataFromEventLog). */
  apply(event: InputEvent, source: EventSource): void;
  /** The training data: every vector taken, labelled with its invoice's state after all events applied. */
  finish(): TrainingData;
}

/**
 * Creates a {@link PointInTimeBuilder}: the same pure fold and the same `invoiceFeatures` as the feature service.
 * When an invoice is issued its vector is taken as of the customer's business date; if that date is already past
 * the invoice date (an event earlier in business time came later in the stream), the vector is not point-in-time:
 * it is counted in `notPointInTime` and left out.
 */
export function createPointInTimeBuilder(): PointInTimeBuilder {
  const folder = createFolder();
  const issued: { customerId: string; invoiceId: string; asOf: string; values: Float64Array }[] = [];
  let notPointInTime = 0;
  return {
    apply(event, source) {
      const result = folder.apply(event, source);
      if (event.type !== 'InvoiceIssued' || result.rejection !== undefined || result.state === null) return;
      const invoiceId = event.payload.invoiceId;
      // An identical re-issue or a redelivery changes nothing: the vector was taken at the first issue.
      if (!result.changedInvoiceIds.includes(invoiceId)) return;
      const state = result.state;
      const invoice = findInvoice(state, invoiceId);
      if (invoice === undefined) return;
      if (state.asOf > invoice.invoiceDate) {
        notPointInTime++;
        return;
      }
      issued.push({ customerId: state.customerId, invoiceId, asOf: state.asOf, values: invoiceFeatures(state, invoice, state.asOf) });
    },
    finish() {
      let dataEnd = '';
      for (const state of folder.customers.values()) if (state.asOf > dataEnd) dataEnd = state.asOf;
      const examples: TrainingExample[] = [];
      for (const v of issued) {
        const state = folder.customers.get(v.customerId);
        const invoice = state === undefined ? undefined : findInvoice(state, v.invoiceId);
        if (state === undefined || invoice === undefined) continue;
        examples.push({
          customerId: v.customerId,
          invoiceId: v.invoiceId,
          invoiceDate: invoice.invoiceDate,
          dueDate: invoice.dueDate,
          asOf: v.asOf,
          amountMinor: invoice.amountMinor,
          currency: invoice.currency,
          segment: state.registration?.segment ?? null,
          values: v.values,
          outcome: { status: invoice.status, dueDate: invoice.dueDate, daysLate: invoice.daysLate },
        });
      }
      examples.sort(compareExamples);
      return { source: 'event-log', featureSetVersion: FEATURE_SET_VERSION, dataEnd, examples, notPointInTime };
    },
  };
}

/**
 * Builds the training data by folding the input event log **in business-time order** with the same pure fold and
 * the same `invoiceFeatures` as the feature service, taking each invoice's vector at the moment it is issued.
 *
 * Each topic-partition keeps its offset order (the fold's contract); the partitions are merged by business date, so
 * when each partition is in date order (as the simulator, the importer and live producers write them) every vector
 * contains exactly the facts dated on or before its invoice date — and all of them, whatever the topics' lag was
 * when the feature service folded them. A back-dated event in a partition can still put a customer past an invoice
 * date before that invoice is folded: such vectors are counted in `notPointInTime` and left out. Labels come from
 * each invoice's state after the whole log.
 *
 * This is the exact path for a history replayed fast (an import, a simulation), whose feature log interleaved the
 * topics arbitrarily; see `trainingDataFromFeatureLog` for training from what serving logged.
 */
export function trainingDataFromEventLog(events: readonly SourcedEvent[]): TrainingData {
  const byPartition = new Map<string, SourcedEvent[]>();
  for (const e of events) {
    const key = `${e.source.topic}:${e.source.partition}`;
    let list = byPartition.get(key);
    if (list === undefined) byPartition.set(key, (list = []));
    list.push(e);
  }
  const streams: Stream[] = [...byPartition.keys()].sort().map((key) => {
    const list = (byPartition.get(key) as SourcedEvent[]).sort((a, b) => a.source.offset - b.source.offset);
    return { events: list, rank: topicRank((list[0] as SourcedEvent).source.topic), days: Float64Array.from(list, (e) => eventBusinessDay(e.event)), next: 0 };
  });
  const builder = createPointInTimeBuilder();
  for (;;) {
    // The stream whose next event is earliest in business time; ties by topic rank (streams are few: a linear scan).
    let best: Stream | null = null;
    for (const s of streams) {
      if (s.next >= s.events.length) continue;
      if (best === null) best = s;
      else {
        const d = (s.days[s.next] as number) - (best.days[best.next] as number);
        if (d < 0 || (d === 0 && s.rank < best.rank)) best = s;
      }
    }
    if (best === null) break;
    const { event, source } = best.events[best.next++] as SourcedEvent;
    builder.apply(event, source);
  }
  return builder.finish();
}
