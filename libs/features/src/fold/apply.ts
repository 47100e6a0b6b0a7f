import type { BusinessDayTickEvent, CustomerEnvelope, InvoiceEnvelope, OrderEnvelope, PaymentEnvelope } from '@creditstream/schemas';
import { advanceAsOf } from '../aggregates';
import { businessDateOfTimestamp, isDate } from '../dates';
import { CustomerMismatchError, InvalidSourceError } from '../errors';
import { reject, type Anomaly, type Rejection } from '../rejections';
import { compareStrings, lowerBound } from '../sorted';
import { newCustomerState, type CustomerState } from '../state';
import { IDENTICAL_DUPLICATE, type FoldContext, type Handler } from './context';
import { accountStatusChanged, creditLimitSet, customerRegistered, paymentTermsSet } from './customer-events';
import { disputeResolved, invoiceAdjusted, invoiceDisputed, invoiceIssued, invoiceWrittenOff } from './invoice-events';
import { orderCancelled, orderPlaced, orderShipped } from './order-events';
import { paymentReceived, paymentReturned } from './payment-events';

/** An input event the fold understands (the clock tick included). */
export type InputEvent = CustomerEnvelope | InvoiceEnvelope | PaymentEnvelope | OrderEnvelope | BusinessDayTickEvent;

/** Where an event was consumed from. */
export interface EventSource {
  topic: string;
  partition: number;
  offset: number;
}

export interface ApplyResult<S extends CustomerState | null = CustomerState> {
  /** The state after the event: the same object that was passed in (mutated), or a new one when null was. */
  state: S;
  /** True when `state` was modified (the applied offset included) and must be persisted. */
  changed: boolean;
  /** Invoices whose InvoiceState changed, sorted, without repeats. */
  changedInvoiceIds: string[];
  /** Set when the event was refused; the state is then untouched. */
  rejection?: Rejection;
  /** Things the fold accepted but that deserve a metric or a log line (see README). */
  anomalies?: Anomaly[];
}

const HANDLERS: Record<string, Handler<never> | undefined> = {
  CustomerRegistered: customerRegistered,
  CreditLimitSet: creditLimitSet,
  PaymentTermsSet: paymentTermsSet,
  AccountStatusChanged: accountStatusChanged,
  InvoiceIssued: invoiceIssued,
  InvoiceAdjusted: invoiceAdjusted,
  InvoiceDisputed: invoiceDisputed,
  DisputeResolved: disputeResolved,
  InvoiceWrittenOff: invoiceWrittenOff,
  PaymentReceived: paymentReceived,
  PaymentReturned: paymentReturned,
  OrderPlaced: orderPlaced,
  OrderCancelled: orderCancelled,
  OrderShipped: orderShipped,
} as Record<string, Handler<never> | undefined>;

/** The key of a source in `appliedOffsets`. */
export function sourceKey(source: { topic: string; partition: number }): string {
  return `${source.topic}:${source.partition}`;
}

function checkSource(source: EventSource): void {
  const ok =
    typeof source === 'object' &&
    source !== null &&
    typeof source.topic === 'string' &&
    source.topic.length > 0 &&
    Number.isSafeInteger(source.partition) &&
    source.partition >= 0 &&
    Number.isSafeInteger(source.offset) &&
    source.offset >= 0;
  if (!ok) throw new InvalidSourceError(source);
}

/** The highest offset of `key` folded into `state`, or -1. */
export function appliedOffset(state: CustomerState, key: string): number {
  for (const a of state.appliedOffsets) if (a.source === key) return a.offset;
  return -1;
}

function recordOffset(state: CustomerState, key: string, offset: number): void {
  const list = state.appliedOffsets;
  const i = lowerBound(list, key, (a, k) => compareStrings(a.source, k));
  const at = list[i];
  if (at !== undefined && at.source === key) at.offset = offset;
  else list.splice(i, 0, { source: key, offset });
}

function unchanged<S extends CustomerState | null>(state: S, rejection?: Rejection): ApplyResult<S> {
  return rejection === undefined ? { state, changed: false, changedInvoiceIds: [] } : { state, changed: false, changedInvoiceIds: [], rejection };
}

function finish(ctx: FoldContext): ApplyResult {
  const ids = ctx.changedInvoiceIds;
  let changedInvoiceIds = ids;
  if (ids.length > 1) {
    ids.sort(compareStrings);
    changedInvoiceIds = ids.filter((id, i) => i === 0 || id !== ids[i - 1]);
  }
  const result: ApplyResult = { state: ctx.state, changed: true, changedInvoiceIds };
  if (ctx.anomalies.length > 0) result.anomalies = ctx.anomalies;
  return result;
}

/**
 * Folds one input event into a customer's state.
 *
 * Contract:
 * - `state` is mutated in place and returned (a new state is created when it is null). The caller owns it; to keep
 *   an earlier version, `structuredClone` it first. On a rejection or a redelivery nothing is touched.
 * - An event whose offset is <= the state's applied offset for `topic:partition` is a redelivery: unchanged.
 * - A rejected event changes nothing, not even the applied offset; the result then carries `rejection` and, when
 *   `state` was null, `state` stays null.
 * - When this creates a state, the caller must also apply the latest clock tick it has seen for the customer's
 *   partition (see {@link foldAll}), so the business date does not depend on whether the customer's first event
 *   came before or after that tick.
 * - The final state after a set of events does not depend on how the input topics were interleaved, as long as
 *   each topic's events for the customer come in their topic order.
 *
 * Clock ticks (customerId "*") are passed on to {@link applyTick}.
 * @throws InvalidSourceError for a malformed source, CustomerMismatchError when the event belongs to another customer.
 */
export function applyEvent(state: CustomerState, event: InputEvent, source: EventSource): ApplyResult;
export function applyEvent(state: CustomerState | null, event: InputEvent, source: EventSource): ApplyResult<CustomerState | null>;
export function applyEvent(state: CustomerState | null, event: InputEvent, source: EventSource): ApplyResult<CustomerState | null> {
  checkSource(source);
  if (event !== null && typeof event === 'object' && event.type === 'BusinessDayTick') return applyTick(state, event, source);
  if (state !== null && event.customerId !== state.customerId) throw new CustomerMismatchError(state.customerId, String(event.customerId));
  const key = sourceKey(source);
  if (state !== null && source.offset <= appliedOffset(state, key)) return unchanged(state);

  const envelope = checkEnvelope(event);
  if (envelope !== null) return unchanged(state, envelope);
  const handler = HANDLERS[event.type] as Handler<InputEvent> | undefined;
  if (handler === undefined) return unchanged(state, reject('INVALID_EVENT', `unknown event type ${JSON.stringify(event.type)}`));
  const verdict = handler.check(state, event);
  if (verdict !== null && verdict !== IDENTICAL_DUPLICATE) return unchanged(state, verdict);

  const date = handler.businessDate(event);
  const s = state ?? newCustomerState(event.customerId, date);
  recordOffset(s, key, source.offset);
  advanceAsOf(s, date);
  const ctx: FoldContext = { state: s, date, changedInvoiceIds: [], anomalies: [] };
  if (verdict === null) handler.apply(ctx, event as never);
  return finish(ctx);
}

function checkEnvelope(event: InputEvent): Rejection | null {
  if (typeof event !== 'object' || event === null || typeof event.payload !== 'object' || event.payload === null) return reject('INVALID_EVENT', 'event must be an object with a payload');
  if (typeof event.customerId !== 'string' || event.customerId.length === 0 || event.customerId === '*') {
    return reject('INVALID_EVENT', `customerId must name a customer, got ${JSON.stringify(event.customerId)}`);
  }
  if (typeof event.eventId !== 'string' || event.eventId.length === 0) return reject('INVALID_EVENT', `eventId must be a non-empty string, got ${JSON.stringify(event.eventId)}`);
  if (businessDateOfTimestamp(event.eventTime) === null) return reject('INVALID_DATE', `eventTime must be an ISO-8601 UTC timestamp, got ${JSON.stringify(event.eventTime)}`);
  return null;
}

/**
 * Folds a business-day tick (customerId "*", one per clock partition) into one customer of that partition: the
 * business date moves to the tick's date if it is later, so windows expire and days overdue grow. Same contract as
 * {@link applyEvent}; a null state stays null (customers are created by their own events, and seeded with the
 * latest tick then).
 */
export function applyTick(state: CustomerState, tick: BusinessDayTickEvent, source: EventSource): ApplyResult;
export function applyTick(state: CustomerState | null, tick: BusinessDayTickEvent, source: EventSource): ApplyResult<CustomerState | null>;
export function applyTick(state: CustomerState | null, tick: BusinessDayTickEvent, source: EventSource): ApplyResult<CustomerState | null> {
  checkSource(source);
  const rejection = checkTick(tick, source);
  if (rejection !== null) return unchanged(state, rejection);
  if (state === null) return unchanged(state);
  const key = sourceKey(source);
  if (source.offset <= appliedOffset(state, key)) return unchanged(state);
  recordOffset(state, key, source.offset);
  advanceAsOf(state, tick.payload.businessDate);
  return { state, changed: true, changedInvoiceIds: [] };
}

function checkTick(tick: BusinessDayTickEvent, source: EventSource): Rejection | null {
  if (typeof tick !== 'object' || tick === null || tick.type !== 'BusinessDayTick' || typeof tick.payload !== 'object' || tick.payload === null) {
    return reject('INVALID_EVENT', 'a tick must be a BusinessDayTick event with a payload');
  }
  if (tick.customerId !== '*') return reject('INVALID_EVENT', `a tick's customerId must be "*", got ${JSON.stringify(tick.customerId)}`);
  const p = tick.payload;
  if (!isDate(p.businessDate)) return reject('INVALID_DATE', `BusinessDayTick.businessDate must be a calendar date YYYY-MM-DD, got ${JSON.stringify(p.businessDate)}`);
  if (p.previousBusinessDate !== null && !isDate(p.previousBusinessDate)) return reject('INVALID_DATE', `BusinessDayTick.previousBusinessDate must be a date or null, got ${JSON.stringify(p.previousBusinessDate)}`);
  if (p.partition !== source.partition) return reject('INVALID_EVENT', `BusinessDayTick for partition ${JSON.stringify(p.partition)} consumed from partition ${source.partition}`);
  return null;
}
