import { agingOf, daysBetween, type CustomerState } from '@creditstream/features';
import type { LoggedAction } from '../documents';
import { bucketLabels, type CollectionPolicy } from '../policy';
import { openOn } from './interest';

/** One open item on a statement. */
export interface StatementItem {
  invoiceId: string;
  invoiceDate: string;
  dueDate: string;
  amountMinor: number;
  openMinor: number;
  daysOverdue: number;
  disputed: boolean;
}

/** A customer account statement as of a date: open items, aging, and what happened in the period. */
export interface Statement {
  customerId: string;
  name: string;
  currency: string;
  asOf: string;
  periodStart: string;
  items: StatementItem[];
  openMinor: number;
  aging: { label: string; amountMinor: number }[];
  payments: { paymentId: string; receivedOn: string; amountMinor: number; returnedOn: string | null }[];
  letters: { letterId: string; businessDate: string; level: number; overdueMinor: number; feeMinor: number }[];
  interest: { noteId: string; businessDate: string; totalMinor: number }[];
  fees: { feeId: string; businessDate: string; kind: string; amountMinor: number }[];
}

/**
 * Builds the statement of a customer as of `asOf` for the month up to it, from its folded state (open amounts are
 * recomputed at that date from the invoices' dated facts) and the logged collection actions.
 */
export function buildStatement(fold: CustomerState, actions: readonly LoggedAction[] | PeriodActions, asOf: string, policy: CollectionPolicy): Statement {
  const periodStart = `${asOf.slice(0, 8)}01`;
  const items: StatementItem[] = [];
  for (const inv of fold.invoices) {
    if (inv.invoiceDate > asOf) continue;
    // Settled or written off by then, for good: nothing open (most of a long history; spares the per-fact walk).
    if (inv.status === 'SETTLED' && (inv.settledOn as string) <= asOf && inv.payments.every((p) => p.reversedOn === null)) continue;
    if (inv.writeOff !== null && inv.writeOff.writtenOffOn <= asOf) continue;
    const open = openOn(inv, asOf);
    if (open === 0) continue;
    items.push({ invoiceId: inv.invoiceId, invoiceDate: inv.invoiceDate, dueDate: inv.dueDate, amountMinor: inv.amountMinor, openMinor: open, daysOverdue: Math.max(0, daysBetween(inv.dueDate, asOf)), disputed: inv.disputes.some((d) => d.openedOn <= asOf && (d.resolvedOn === null || d.resolvedOn > asOf)) });
  }
  items.sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.invoiceId < b.invoiceId ? -1 : 1));
  // Aging of the items as of the date: the shared function on a state whose open list is the statement's items.
  const asOfState = { ...fold, open: items.map((i) => ({ dueDate: i.dueDate, invoiceId: i.invoiceId, openMinor: i.openMinor, counted: true })) } as CustomerState;
  const labels = bucketLabels(policy.agingPeriods);
  const aging = agingOf(asOfState, asOf, policy.agingPeriods).map((b, i) => ({ label: labels[i] ?? String(i), amountMinor: b.amountMinor }));
  const inPeriod = (d: string) => d >= periodStart && d <= asOf;
  const period = Array.isArray(actions) ? periodActions(actions as readonly LoggedAction[], fold.customerId, periodStart, asOf) : (actions as PeriodActions);
  return {
    customerId: fold.customerId,
    name: fold.registration?.name ?? fold.customerId,
    currency: fold.registration?.currency ?? fold.invoices[0]?.currency ?? '',
    asOf,
    periodStart,
    items,
    openMinor: items.reduce((s, i) => s + i.openMinor, 0),
    aging,
    payments: fold.payments.filter((p) => inPeriod(p.receivedOn)).map((p) => ({ paymentId: p.paymentId, receivedOn: p.receivedOn, amountMinor: p.amountMinor, returnedOn: p.returned?.returnedOn ?? null })),
    letters: period.letters.filter((l) => inPeriod(l.businessDate)),
    interest: period.interest.filter((n) => inPeriod(n.businessDate)),
    fees: period.fees.filter((f) => inPeriod(f.businessDate)),
  };
}


/** What a statement lists of the collections actions of its period. */
export interface PeriodActions {
  letters: Statement['letters'];
  interest: Statement['interest'];
  fees: Statement['fees'];
}

/** The letters, interest notes and fees of one customer in [from, to], from the actions log. */
export function periodActions(actions: readonly LoggedAction[], customerId: string, from: string, to: string): PeriodActions {
  const out: PeriodActions = { letters: [], interest: [], fees: [] };
  for (const a of actions) {
    if (a.customerId !== customerId || a.businessDate < from || a.businessDate > to) continue;
    const p = (a.event as { payload: Record<string, unknown> }).payload;
    if (a.type === 'CollectionLetterIssued') out.letters.push({ letterId: p.letterId as string, businessDate: a.businessDate, level: p.level as number, overdueMinor: p.overdueMinor as number, feeMinor: p.feeMinor as number });
    else if (a.type === 'InterestNoteIssued') out.interest.push({ noteId: p.noteId as string, businessDate: a.businessDate, totalMinor: p.totalInterestMinor as number });
    else if (a.type === 'CollectionFeeCharged') out.fees.push({ feeId: p.feeId as string, businessDate: a.businessDate, kind: p.kind as string, amountMinor: p.amountMinor as number });
  }
  return out;
}
