import type { OrderCancelledEvent, OrderPlacedEvent, OrderShippedEvent } from '@creditstream/schemas';
import { businessDateOfTimestamp, dayNumber } from '../dates';
import { reject } from '../rejections';
import { compareStrings, findSorted, insertSorted } from '../sorted';
import { ORDER_RETENTION_DAYS, type CustomerState, type OrderRecord } from '../state';
import { checkCount, checkCurrency, checkDate, checkId, checkNullableDate, checkPositiveAmount, checkSameCurrency, checkString, checkBoolean, firstRejection } from './checks';
import { IDENTICAL_DUPLICATE, type FoldContext, type Handler } from './context';

// Sales orders. Only order events touch orders, so forgetting closed orders by the orders topic's own business
// time keeps the list bounded without making any outcome depend on how topics interleave.

function findOrder(state: CustomerState, orderId: string): OrderRecord | undefined {
  return findSorted(state.orders, orderId, (o, id) => compareStrings(o.orderId, id));
}

/** Advances the orders watermark and forgets closed orders placed more than ORDER_RETENTION_DAYS before it. */
function advanceOrdersWatermark(ctx: FoldContext): void {
  const state = ctx.state;
  if (state.ordersWatermark !== null && ctx.date <= state.ordersWatermark) return;
  state.ordersWatermark = ctx.date;
  const horizon = dayNumber(ctx.date) - ORDER_RETENTION_DAYS;
  // Runs at most once per business day of the orders topic; the list holds open orders plus ~120 days of closed ones.
  state.orders = state.orders.filter((o) => o.status === 'OPEN' || dayNumber(o.orderDate) >= horizon);
}

export const orderPlaced: Handler<OrderPlacedEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkId(p.orderId, 'OrderPlaced.orderId'),
      checkPositiveAmount(p.amountMinor, 'OrderPlaced.amountMinor'),
      checkCurrency(p.currency, 'OrderPlaced.currency'),
      checkCount(p.lineCount, 'OrderPlaced.lineCount'),
      checkDate(p.orderDate, 'OrderPlaced.orderDate'),
      checkNullableDate(p.requestedShipDate, 'OrderPlaced.requestedShipDate'),
    );
    if (bad !== null) return bad;
    const prior = state === null ? undefined : findOrder(state, p.orderId);
    if (prior === undefined) return null;
    const same = prior.amountMinor === p.amountMinor && prior.currency === p.currency && prior.lineCount === p.lineCount && prior.orderDate === p.orderDate && prior.requestedShipDate === p.requestedShipDate;
    return same ? IDENTICAL_DUPLICATE : reject('DUPLICATE_CONFLICT', `order ${p.orderId} was already placed with different content (${prior.amountMinor} ${prior.currency} on ${prior.orderDate})`);
  },
  businessDate: (e) => e.payload.orderDate,
  apply(ctx, e) {
    const p = e.payload;
    const order: OrderRecord = {
      orderId: p.orderId,
      amountMinor: p.amountMinor,
      currency: p.currency,
      lineCount: p.lineCount,
      orderDate: p.orderDate,
      requestedShipDate: p.requestedShipDate,
      status: 'OPEN',
      shippedMinor: 0,
      shipments: [],
      cancelReason: null,
      closedOn: null,
    };
    insertSorted(ctx.state.orders, order, (a, b) => compareStrings(a.orderId, b.orderId));
    const reg = ctx.state.registration;
    if (reg !== null && reg.currency !== p.currency) ctx.anomalies.push({ code: 'CURRENCY_MISMATCH', message: `order ${p.orderId} is in ${p.currency}, the customer in ${reg.currency}: left out of order values` });
    advanceOrdersWatermark(ctx);
  },
};

export const orderCancelled: Handler<OrderCancelledEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(checkId(p.orderId, 'OrderCancelled.orderId'), checkString(p.reason, 'OrderCancelled.reason'));
    if (bad !== null) return bad;
    const order = state === null ? undefined : findOrder(state, p.orderId);
    if (order === undefined) return reject('UNKNOWN_ORDER', `OrderCancelled for order ${JSON.stringify(p.orderId)}, never placed (or closed more than ${ORDER_RETENTION_DAYS} days ago)`);
    if (order.status === 'CANCELLED') return order.cancelReason === p.reason ? IDENTICAL_DUPLICATE : reject('DUPLICATE_CONFLICT', `order ${p.orderId} was already cancelled (${String(order.cancelReason)})`);
    if (order.status === 'SHIPPED') return reject('INVALID_TRANSITION', `order ${p.orderId} cannot be cancelled: fully shipped on ${String(order.closedOn)}`);
    return null;
  },
  businessDate: (e) => businessDateOfTimestamp(e.eventTime) as string,
  apply(ctx, e) {
    const order = findOrder(ctx.state, e.payload.orderId) as OrderRecord;
    order.status = 'CANCELLED';
    order.cancelReason = e.payload.reason;
    order.closedOn = ctx.date;
    advanceOrdersWatermark(ctx);
  },
};

export const orderShipped: Handler<OrderShippedEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkId(p.orderId, 'OrderShipped.orderId'),
      checkId(p.shipmentId, 'OrderShipped.shipmentId'),
      checkPositiveAmount(p.amountMinor, 'OrderShipped.amountMinor'),
      checkCurrency(p.currency, 'OrderShipped.currency'),
      checkDate(p.shippedOn, 'OrderShipped.shippedOn'),
      checkBoolean(p.finalShipment, 'OrderShipped.finalShipment'),
    );
    if (bad !== null) return bad;
    const order = state === null ? undefined : findOrder(state, p.orderId);
    if (order === undefined) return reject('UNKNOWN_ORDER', `OrderShipped for order ${JSON.stringify(p.orderId)}, never placed (or closed more than ${ORDER_RETENTION_DAYS} days ago)`);
    const prior = order.shipments.find((s) => s.shipmentId === p.shipmentId);
    if (prior !== undefined) {
      return prior.amountMinor === p.amountMinor && prior.shippedOn === p.shippedOn && prior.finalShipment === p.finalShipment
        ? IDENTICAL_DUPLICATE
        : reject('DUPLICATE_CONFLICT', `shipment ${p.shipmentId} of order ${p.orderId} was already folded with amount ${prior.amountMinor}`);
    }
    const mismatch = checkSameCurrency(p.currency, order.currency, 'OrderShipped.currency', `order ${p.orderId}`);
    if (mismatch !== null) return mismatch;
    if (order.status !== 'OPEN') return reject('INVALID_TRANSITION', `order ${p.orderId} cannot ship: it is ${order.status.toLowerCase()} since ${String(order.closedOn)}`);
    return null;
  },
  businessDate: (e) => e.payload.shippedOn,
  apply(ctx, e) {
    const p = e.payload;
    const order = findOrder(ctx.state, p.orderId) as OrderRecord;
    order.shipments.push({ shipmentId: p.shipmentId, amountMinor: p.amountMinor, shippedOn: p.shippedOn, finalShipment: p.finalShipment });
    order.shippedMinor += p.amountMinor;
    if (p.finalShipment) {
      order.status = 'SHIPPED';
      order.closedOn = p.shippedOn;
    }
    advanceOrdersWatermark(ctx);
  },
};
