import { effectiveCreditLimit, overdueSummary, type CustomerState, type EffectiveCreditLimit } from '@creditstream/features';
import type { AccountStatus } from '@creditstream/schemas';

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
  context: { accountStatus: AccountStatus; outlook: OutlookFacts | null; excluded: ReadonlySet<string> },
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
  };
}
