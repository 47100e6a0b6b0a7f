import { bucketOf } from './buckets';
import { dateOfDay, dayNumber } from './dates';
import { compareStrings, insertSorted, lowerBound, removeSorted, upperBound } from './sorted';
import { LAST_N, type CustomerState, type InvoiceState, type LatenessSums, type OpenEntry, type SettlementEntry } from './state';

// Customer aggregates are sums of per-invoice contributions. An invoice change withdraws the invoice's old
// contribution and adds its new one, so every sum equals what a from-scratch recomputation over the invoices gives,
// whatever order the changes came in. Windowed sums additionally move with asOf (see advanceAsOf).

/** What one invoice adds to the customer aggregates. */
export interface Contribution {
  invoiceId: string;
  status: InvoiceState['status'];
  counted: boolean;
  dueDate: string;
  openMinor: number;
  settledOn: string | null;
  daysLate: number | null;
  writtenOffMinor: number;
}

export function contributionOf(inv: InvoiceState): Contribution {
  return {
    invoiceId: inv.invoiceId,
    status: inv.status,
    counted: !inv.currencyMismatch,
    dueDate: inv.dueDate,
    openMinor: inv.openMinor,
    settledOn: inv.settledOn,
    daysLate: inv.daysLate,
    writtenOffMinor: inv.writeOff === null ? 0 : inv.writeOff.amountMinor,
  };
}

export function sameContribution(a: Contribution, b: Contribution): boolean {
  return (
    a.status === b.status &&
    a.counted === b.counted &&
    a.dueDate === b.dueDate &&
    a.openMinor === b.openMinor &&
    a.settledOn === b.settledOn &&
    a.daysLate === b.daysLate &&
    a.writtenOffMinor === b.writtenOffMinor
  );
}

export function compareOpen(a: OpenEntry, b: OpenEntry): number {
  return compareStrings(a.dueDate, b.dueDate) || compareStrings(a.invoiceId, b.invoiceId);
}

export function compareSettlements(a: SettlementEntry, b: SettlementEntry): number {
  return compareStrings(a.settledOn, b.settledOn) || compareStrings(a.invoiceId, b.invoiceId);
}

function addLateness(sums: LatenessSums, daysLate: number, sign: 1 | -1): void {
  sums.count += sign;
  sums.daysLateSum += sign * daysLate;
  const bucket = bucketOf(daysLate);
  if (bucket === 'ON_TIME') sums.onTime += sign;
  else if (bucket === 'LATE') sums.late += sign;
  else sums.veryLate += sign;
}

function addToHistogram(state: CustomerState, daysLate: number, sign: 1 | -1): void {
  const bins = state.lateness.histogram;
  const i = lowerBound(bins, daysLate, (b, d) => b.daysLate - d);
  const bin = bins[i];
  if (bin !== undefined && bin.daysLate === daysLate) {
    bin.count += sign;
    if (bin.count === 0) bins.splice(i, 1);
  } else if (sign === 1) {
    bins.splice(i, 0, { daysLate, count: 1 });
  } else {
    throw new Error(`lateness histogram has no bin for ${daysLate} days late to remove`);
  }
}

/** True when a settlement on `settledOn` is inside the window of `days` ending at asOf. */
function inWindow(settledDay: number, asOfDay: number, days: number): boolean {
  return settledDay > asOfDay - days;
}

/** Adds (sign 1) or withdraws (sign -1) one invoice's contribution. */
export function applyContribution(state: CustomerState, c: Contribution, sign: 1 | -1): void {
  if (c.status === 'OPEN') {
    const entry: OpenEntry = { dueDate: c.dueDate, invoiceId: c.invoiceId, openMinor: c.openMinor, counted: c.counted };
    if (sign === 1) insertSorted(state.open, entry, compareOpen);
    else if (removeSorted(state.open, entry, compareOpen) === undefined) throw new Error(`open invoice ${c.invoiceId} missing from the open list`);
    if (c.counted) {
      state.openSummary.count += sign;
      state.openSummary.amountMinor += sign * c.openMinor;
    }
    return;
  }
  if (!c.counted) return;
  if (c.status === 'WRITTEN_OFF') {
    state.writtenOff.count += sign;
    state.writtenOff.amountMinor += sign * c.writtenOffMinor;
    return;
  }
  const settledOn = c.settledOn as string;
  const daysLate = c.daysLate as number;
  addLateness(state.lateness.all, daysLate, sign);
  addToHistogram(state, daysLate, sign);
  const asOfDay = dayNumber(state.asOf);
  const settledDay = dayNumber(settledOn);
  for (const w of state.lateness.windows) if (inWindow(settledDay, asOfDay, w.days)) addLateness(w, daysLate, sign);
  const entry: SettlementEntry = { settledOn, invoiceId: c.invoiceId, daysLate };
  if (sign === 1) {
    insertSorted(state.settlements, entry, compareSettlements);
    pruneSettlements(state);
  } else {
    // Not finding it is normal: settlements older than 365 days and not among the last N live only in the sums.
    removeSorted(state.settlements, entry, compareSettlements);
  }
}

/**
 * Drops settlements that are neither within the longest window nor among the last N. They form a prefix of the
 * list, because the list is in date order and everything it drops is older than everything it keeps.
 */
export function pruneSettlements(state: CustomerState): void {
  const list = state.settlements;
  if (list.length <= LAST_N) return;
  const longest = state.lateness.windows[state.lateness.windows.length - 1];
  if (longest === undefined) return;
  const cutoff = dateOfDay(dayNumber(state.asOf) - longest.days);
  const old = upperBound(list, cutoff, (e, d) => compareStrings(e.settledOn, d));
  const drop = Math.min(old, list.length - LAST_N);
  if (drop > 0) list.splice(0, drop);
}

/**
 * True when the settlement list no longer holds the last N settlements: a withdrawal (an NSF return that reopened
 * a settled invoice, a settlement date that moved) took one away while older ones live only in the sums.
 */
export function settlementsShort(state: CustomerState): boolean {
  return state.settlements.length < LAST_N && state.lateness.all.count > state.settlements.length;
}

/** Rebuilds the settlement list from the invoices (after {@link settlementsShort}). Rare, O(n log n). */
export function rebuildSettlements(state: CustomerState): void {
  const rebuilt: SettlementEntry[] = [];
  for (const inv of state.invoices) {
    if (inv.status === 'SETTLED' && !inv.currencyMismatch) rebuilt.push({ settledOn: inv.settledOn as string, invoiceId: inv.invoiceId, daysLate: inv.daysLate as number });
  }
  rebuilt.sort(compareSettlements);
  state.settlements = rebuilt;
  pruneSettlements(state);
}

/**
 * Replaces one invoice's contribution `before` (null for a new invoice) by its current one. O(log n) plus the
 * memmove of one sorted-array insert/remove; a rebuild of the settlement list only in the rare case above.
 */
export function replaceContribution(state: CustomerState, before: Contribution | null, inv: InvoiceState): void {
  const after = contributionOf(inv);
  if (before !== null && sameContribution(before, after)) return;
  if (before !== null) applyContribution(state, before, -1);
  const short = settlementsShort(state);
  applyContribution(state, after, 1);
  if (short) rebuildSettlements(state);
}

/**
 * Moves the business date forward to `date` (never back): settlements that leave a window are withdrawn from its
 * sums, found by binary search in the date-ordered list, so the cost is O(log n + expired). Returns true when asOf
 * moved.
 */
export function advanceAsOf(state: CustomerState, date: string): boolean {
  if (date <= state.asOf) return false;
  const fromDay = dayNumber(state.asOf);
  const toDay = dayNumber(date);
  const list = state.settlements;
  for (const w of state.lateness.windows) {
    // Leaving: settledOn in (from - days, to - days].
    const lo = upperBound(list, dateOfDay(fromDay - w.days), (e, d) => compareStrings(e.settledOn, d));
    const hi = upperBound(list, dateOfDay(toDay - w.days), (e, d) => compareStrings(e.settledOn, d));
    for (let i = lo; i < hi; i++) {
      const e = list[i] as SettlementEntry;
      addLateness(w, e.daysLate, -1);
    }
  }
  state.asOf = date;
  pruneSettlements(state);
  return true;
}
