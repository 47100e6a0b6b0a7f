import { dateOfDay, dayNumber, type InvoiceState } from '@creditstream/features';
import type { InterestCode } from '../policy';

/** Interest on one invoice over a run of days with the same open amount and tier. */
export interface InterestSegment {
  invoiceId: string;
  /** The amount interest is charged on: what was still open (after partial payments and credit notes), plus standing interest with interest on interest. */
  overdueMinor: number;
  daysCharged: number;
  /** Annual rate of the tier (12 × the monthly rate), in basis points. */
  rateBasisPoints: number;
  interestMinor: number;
}

/**
 * What was still open on an invoice at the end of `day`, from its facts: the amount less credit notes dated up to
 * then and payments received up to then that were not returned by then; 0 once written off. This is the balance
 * interest runs on, so a partial payment lowers the interest from its date on, and a returned (NSF) payment puts
 * it back from the return date.
 */
export function openOn(inv: InvoiceState, day: string): number {
  if (inv.writeOff !== null && inv.writeOff.writtenOffOn <= day) return 0;
  let reduced = 0;
  for (const c of inv.credits) if (c.creditedOn <= day) reduced += c.amountMinor;
  for (const p of inv.payments) {
    if (p.currency !== inv.currency || p.receivedOn > day) continue;
    if (p.reversedOn !== null && p.reversedOn <= day) continue;
    reduced += p.amountMinor;
  }
  return Math.max(0, inv.amountMinor - reduced);
}

function disputedOn(inv: InvoiceState, day: string): boolean {
  for (const d of inv.disputes) if (d.openedOn <= day && (d.resolvedOn === null || d.resolvedOn > day)) return true;
  return false;
}

function tierOf(code: InterestCode, daysOverdue: number): number {
  let rate = 0;
  for (const t of code.tiers) if (daysOverdue >= t.fromDays) rate = t.monthlyRateBasisPoints;
  return rate;
}

/** Half-up rounding of a non-negative integer ratio. */
function roundDiv(n: number, d: number): number {
  return Math.floor((2 * n + d) / (2 * d));
}

/**
 * The interest of one invoice for the days `from`..`to` (inclusive) that it was overdue, open and not disputed, day
 * by day on that day's open amount and tier, grouped into segments of equal amount and rate. Pure: a function of the
 * invoice's facts, the code and the dates. `standingInterestMinor` is added to the base with interest on interest.
 */
export function interestSegments(inv: InvoiceState, code: InterestCode, from: string, to: string, standingInterestMinor = 0): InterestSegment[] {
  const due = dayNumber(inv.dueDate);
  const first = Math.max(dayNumber(from), due + 1);
  const last = dayNumber(to);
  if (first > last) return [];
  // The open amount, the dispute state and the tier change only on the days of the invoice's facts and at the tier
  // bounds: evaluate once per run of days between two such changes (O(facts), not O(days)).
  const bounds = new Set<number>([first]);
  const add = (d: string | null) => {
    if (d === null) return;
    const n = dayNumber(d);
    if (n > first && n <= last) bounds.add(n);
  };
  for (const c of inv.credits) add(c.creditedOn);
  for (const p of inv.payments) {
    add(p.receivedOn);
    add(p.reversedOn);
  }
  for (const d of inv.disputes) {
    add(d.openedOn);
    add(d.resolvedOn);
  }
  add(inv.writeOff?.writtenOffOn ?? null);
  for (const t of code.tiers) if (due + t.fromDays > first && due + t.fromDays <= last) bounds.add(due + t.fromDays);
  const starts = [...bounds].sort((a, b) => a - b);
  const out: InterestSegment[] = [];
  let current: { base: number; monthly: number; days: number } | null = null;
  const flush = () => {
    if (current === null || current.days === 0 || current.base === 0 || current.monthly === 0) return;
    const annual = current.monthly * 12;
    out.push({ invoiceId: inv.invoiceId, overdueMinor: current.base, daysCharged: current.days, rateBasisPoints: annual, interestMinor: roundDiv(current.base * annual * current.days, 10_000 * 365) });
  };
  for (let i = 0; i < starts.length; i++) {
    const n = starts[i] as number;
    const days = (i + 1 < starts.length ? (starts[i + 1] as number) : last + 1) - n;
    const day = dateOfDay(n);
    const open = openOn(inv, day);
    const base = open === 0 || disputedOn(inv, day) ? 0 : open + (code.interestOnInterest ? standingInterestMinor : 0);
    const monthly = base === 0 ? 0 : tierOf(code, n - due);
    if (current !== null && current.base === base && current.monthly === monthly) current.days += days;
    else {
      flush();
      current = { base, monthly, days };
    }
  }
  flush();
  return out;
}
