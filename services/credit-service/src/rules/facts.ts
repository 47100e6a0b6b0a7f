import { effectiveCreditLimit, overdueSummary, type CustomerState, type EffectiveCreditLimit } from '@creditstream/features';
import type { AccountStatus } from '@creditstream/schemas';
import type { CreditGroupMembership, GroupLimitTerms, GroupPositionFacts } from '../documents';

/** What the customer's payment outlook (the scoring service) last said, as the credit rules read it. */
export interface OutlookFacts {
  modelVersion: string;
  businessDate: string;
  currency: string;
  openBalanceMinor: number;
  expectedOnTimeMinor: number;
  expectedLateMinor: number;
  expectedVeryLateMinor: number;
}

/** A credit group limit in force on a date (amount null: unlimited). */
export interface GroupLimitInForce {
  limitType: 'BALANCE' | 'BALANCE_AND_OPEN_ORDERS';
  amountMinor: number | null;
  temporary: boolean;
  expiresOn: string | null;
}

/** What the group-limit rule looks at: the member's credit group as its task knows it. */
export interface GroupFacts {
  creditGroupId: string;
  /** False until the group task's first position arrived (then no group limit is known yet). */
  known: boolean;
  currency: string | null;
  limit: GroupLimitInForce | null;
  members: number;
  othersBalanceMinor: number;
  othersOpenOrdersMinor: number;
  /** What the group limit is compared with: the others' figures as last received plus this customer's own now. */
  exposureMinor: number;
  positionAsOf: string | null;
  originEventId: string | null;
}

/**
 * The group limit in force on `asOf`: a temporary one up to its expiry (inclusive), otherwise the permanent one;
 * null when the group has none.
 */
export function groupLimitInForce(position: Pick<GroupPositionFacts, 'permanentLimit' | 'temporaryLimit'> | null, asOf: string): GroupLimitInForce | null {
  if (position === null) return null;
  const t = position.temporaryLimit;
  const useTemporary = t !== null && (t.expiresOn === null || asOf <= t.expiresOn);
  const limit: GroupLimitTerms | null = useTemporary ? t : position.permanentLimit;
  if (limit === null) return null;
  return { limitType: limit.limitType, amountMinor: limit.amountMinor, temporary: useTemporary, expiresOn: limit.expiresOn };
}

/**
 * A member's group facts: the group's exposure is the other members' balances (and open orders, for a
 * BALANCE_AND_OPEN_ORDERS limit) as last received, plus this customer's own balance and either this order (BALANCE)
 * or its open orders, as of now. Pure.
 */
export function groupFacts(membership: CreditGroupMembership, own: { balanceMinor: number; openOrdersMinor: number; thisOrderMinor: number }, asOf: string): GroupFacts {
  const p = membership.position;
  const limit = groupLimitInForce(p, asOf);
  const others = p === null ? { balance: 0, openOrders: 0 } : { balance: p.othersBalanceMinor, openOrders: p.othersOpenOrdersMinor };
  const exposure = limit?.limitType === 'BALANCE_AND_OPEN_ORDERS' ? others.balance + others.openOrders + own.balanceMinor + own.openOrdersMinor : others.balance + own.balanceMinor + own.thisOrderMinor;
  return {
    creditGroupId: membership.creditGroupId,
    known: p !== null,
    currency: p?.currency ?? null,
    limit,
    members: p?.members ?? 1,
    othersBalanceMinor: others.balance,
    othersOpenOrdersMinor: others.openOrders,
    exposureMinor: exposure,
    positionAsOf: p?.asOf ?? null,
    originEventId: p?.originEventId ?? null,
  };
}

/** A customer's own exposure as its credit group counts it: open balance and open (not rejected) orders in its currency. */
export function memberExposure(state: CustomerState, excluded: ReadonlySet<string>): { currency: string | null; balanceMinor: number; openOrdersMinor: number } {
  const currency = state.registration?.currency ?? null;
  let openOrders = 0;
  for (const o of state.orders) if (o.status === 'OPEN' && !excluded.has(o.orderId) && (currency === null || o.currency === currency)) openOrders += remaining(o);
  return { currency, balanceMinor: state.openSummary.amountMinor, openOrdersMinor: openOrders };
}

/** Everything the credit rules look at for one order, as of the customer's business date. */
export interface CreditFacts {
  customerId: string;
  registered: boolean;
  groupId: string | null;
  /** The customer's currency (null before registration): every amount below is in it. */
  currency: string | null;
  accountStatus: AccountStatus;
  asOf: string;
  limit: EffectiveCreditLimit | null;
  balanceMinor: number;
  /** Open (not invoiced) order amounts of the customer, this order included, rejected orders excluded. */
  openOrdersMinor: number;
  orderAmountMinor: number;
  orderCurrency: string;
  /** What the limit is compared with: balance + this order, or balance + open orders (BALANCE_AND_OPEN_ORDERS). */
  exposureMinor: number;
  overdueMinor: number;
  maxDaysOverdue: number;
  termsCode: string | null;
  netDays: number | null;
  outlook: OutlookFacts | null;
  /** The customer's credit group, or null when it is in none. */
  creditGroup: GroupFacts | null;
}

/** Amount of an order not shipped yet (what it adds to the exposure). */
function remaining(o: { amountMinor: number; shippedMinor: number }): number {
  return Math.max(0, o.amountMinor - o.shippedMinor);
}

/**
 * The credit facts of one open order of a folded customer state: balance, limit, overdue and exposure come from the
 * feature fold (`@creditstream/features`), never from a second bookkeeping. Orders in `excluded` (rejected by credit)
 * do not count as open orders.
 */
export function creditFacts(
  state: CustomerState,
  order: { orderId: string; amountMinor: number; currency: string },
  context: { accountStatus: AccountStatus; outlook: OutlookFacts | null; excluded: ReadonlySet<string>; creditGroup?: CreditGroupMembership | null },
): CreditFacts {
  const registration = state.registration;
  const currency = registration?.currency ?? null;
  let openOrders = 0;
  let thisOrder = order.amountMinor;
  for (const o of state.orders) {
    if (o.status !== 'OPEN' || context.excluded.has(o.orderId)) continue;
    if (currency !== null && o.currency !== currency) continue;
    openOrders += remaining(o);
    if (o.orderId === order.orderId) thisOrder = remaining(o);
  }
  const limit = effectiveCreditLimit(state);
  const balance = state.openSummary.amountMinor;
  const exposure = limit?.limitType === 'BALANCE_AND_OPEN_ORDERS' ? balance + openOrders : balance + thisOrder;
  const overdue = overdueSummary(state);
  const outlook = context.outlook !== null && (currency === null || context.outlook.currency === currency) ? context.outlook : null;
  return {
    customerId: state.customerId,
    registered: registration !== null,
    groupId: registration?.groupId ?? null,
    currency,
    accountStatus: context.accountStatus,
    asOf: state.asOf,
    limit,
    balanceMinor: balance,
    openOrdersMinor: openOrders,
    orderAmountMinor: order.amountMinor,
    orderCurrency: order.currency,
    exposureMinor: exposure,
    overdueMinor: overdue.amountMinor,
    maxDaysOverdue: overdue.maxDaysOverdue,
    termsCode: state.terms?.termsCode ?? null,
    netDays: state.terms?.netDays ?? null,
    outlook,
    creditGroup: context.creditGroup == null ? null : groupFacts(context.creditGroup, { balanceMinor: balance, openOrdersMinor: openOrders, thisOrderMinor: thisOrder }, state.asOf),
  };
}
