import { dayNumber } from './dates';
import { compareStrings, lowerBound } from './sorted';
import type { CustomerState } from './state';

export interface OverdueSummary {
  count: number;
  amountMinor: number;
  /** Days overdue of the oldest overdue invoice; 0 when none is overdue. */
  maxDaysOverdue: number;
}

/**
 * Counted open invoices whose due date is before `asOf`. The open list is in due-date order, so the overdue ones
 * are a prefix found by binary search: O(log n + overdue).
 */
export function overdueSummary(state: CustomerState, asOf: string = state.asOf): OverdueSummary {
  const open = state.open;
  const end = lowerBound(open, asOf, (e, d) => compareStrings(e.dueDate, d));
  let count = 0;
  let amountMinor = 0;
  let oldest: string | null = null;
  for (let i = 0; i < end; i++) {
    const e = open[i];
    if (e === undefined || !e.counted) continue;
    count += 1;
    amountMinor += e.openMinor;
    if (oldest === null) oldest = e.dueDate;
  }
  return { count, amountMinor, maxDaysOverdue: oldest === null ? 0 : dayNumber(asOf) - dayNumber(oldest) };
}

export interface AgingBucket {
  /** Smallest days overdue in the bucket (0 = not due yet, i.e. current). */
  fromDays: number;
  /** Largest days overdue in the bucket; null for the last, open-ended one. */
  toDays: number | null;
  count: number;
  amountMinor: number;
}

/**
 * Aging of the counted open balance on `asOf`: a "current" bucket (not overdue) and one per period boundary, e.g.
 * the default [30, 60, 90, 120] gives current, 1-30, 31-60, 61-90, 91-120 and over 120 days overdue.
 */
export function agingOf(state: CustomerState, asOf: string = state.asOf, periods: readonly number[] = [30, 60, 90, 120]): AgingBucket[] {
  const buckets: AgingBucket[] = [{ fromDays: 0, toDays: 0, count: 0, amountMinor: 0 }];
  let from = 1;
  for (const to of periods) {
    if (!Number.isSafeInteger(to) || to < from) throw new RangeError(`aging periods must be increasing integers >= 1, got ${JSON.stringify(periods)}`);
    buckets.push({ fromDays: from, toDays: to, count: 0, amountMinor: 0 });
    from = to + 1;
  }
  buckets.push({ fromDays: from, toDays: null, count: 0, amountMinor: 0 });
  const asOfDay = dayNumber(asOf);
  for (const e of state.open) {
    if (!e.counted) continue;
    const overdue = Math.max(0, asOfDay - dayNumber(e.dueDate));
    const b = buckets.find((x) => overdue >= x.fromDays && (x.toDays === null || overdue <= x.toDays)) as AgingBucket;
    b.count += 1;
    b.amountMinor += e.openMinor;
  }
  return buckets;
}
