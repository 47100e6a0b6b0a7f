import type { DisputeResolvedEvent, InvoiceAdjustedEvent, InvoiceDisputedEvent, InvoiceIssuedEvent, InvoiceWrittenOffEvent } from '@creditstream/schemas';
import { replaceContribution } from '../aggregates';
import { businessDateOfTimestamp } from '../dates';
import { compareCredits, recomputeInvoice } from '../invoice';
import { reject, type Rejection } from '../rejections';
import { compareStrings, insertSorted, lowerBound, upperBound } from '../sorted';
import type { CustomerState, InvoiceState } from '../state';
import { checkCount, checkCurrency, checkDate, checkId, checkNonNegativeAmount, checkNullableString, checkPositiveAmount, checkSameCurrency, checkString, checkSymbol, firstRejection } from './checks';
import { changeInvoice, customerCurrency, findInvoice, IDENTICAL_DUPLICATE, type Handler } from './context';

// Invoice lifecycle. Follow-up events (credit notes, disputes, write-offs) come on the same topic as the issue, so
// one for an invoice never issued is rejected. Payments come on another topic and may arrive first: see
// payment-events.ts and the pending applications merged in here.

const eventDate = (e: { eventTime: string }): string => businessDateOfTimestamp(e.eventTime) as string;

function compareInvoices(a: InvoiceState, b: InvoiceState): number {
  return compareStrings(a.invoiceId, b.invoiceId);
}

/** The issued invoice a follow-up event refers to, checked for existence and currency. */
function followUp(state: CustomerState | null, type: string, invoiceId: string, currency: string): InvoiceState | Rejection {
  const inv = state === null ? undefined : findInvoice(state, invoiceId);
  if (inv === undefined) return reject('UNKNOWN_INVOICE', `${type} for invoice ${JSON.stringify(invoiceId)}, which was never issued`);
  return checkSameCurrency(currency, inv.currency, `${type}.currency`, `invoice ${invoiceId}`) ?? inv;
}

function isRejection(x: InvoiceState | Rejection): x is Rejection {
  return 'code' in x;
}

export const invoiceIssued: Handler<InvoiceIssuedEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkId(p.invoiceId, 'InvoiceIssued.invoiceId'),
      checkNullableString(p.orderId, 'InvoiceIssued.orderId'),
      checkPositiveAmount(p.amountMinor, 'InvoiceIssued.amountMinor'),
      checkCurrency(p.currency, 'InvoiceIssued.currency'),
      checkDate(p.invoiceDate, 'InvoiceIssued.invoiceDate'),
      checkDate(p.dueDate, 'InvoiceIssued.dueDate'),
      checkString(p.termsCode, 'InvoiceIssued.termsCode'),
      checkCount(p.netDays, 'InvoiceIssued.netDays'),
    );
    if (bad !== null) return bad;
    if (p.dueDate < p.invoiceDate) return reject('INVALID_DATE', `InvoiceIssued.dueDate ${p.dueDate} is before invoiceDate ${p.invoiceDate}`);
    const inv = state === null ? undefined : findInvoice(state, p.invoiceId);
    if (inv === undefined) return null;
    const same = inv.orderId === p.orderId && inv.amountMinor === p.amountMinor && inv.currency === p.currency && inv.invoiceDate === p.invoiceDate && inv.dueDate === p.dueDate && inv.termsCode === p.termsCode && inv.netDays === p.netDays;
    return same ? IDENTICAL_DUPLICATE : reject('DUPLICATE_CONFLICT', `invoice ${p.invoiceId} was already issued with different content (amount ${inv.amountMinor} ${inv.currency}, due ${inv.dueDate})`);
  },
  businessDate: (e) => e.payload.invoiceDate,
  apply(ctx, e) {
    const p = e.payload;
    const state = ctx.state;
    const inv: InvoiceState = {
      customerId: state.customerId,
      invoiceId: p.invoiceId,
      orderId: p.orderId,
      currency: p.currency,
      amountMinor: p.amountMinor,
      invoiceDate: p.invoiceDate,
      dueDate: p.dueDate,
      termsCode: p.termsCode,
      netDays: p.netDays,
      payments: [],
      credits: [],
      disputes: [],
      writeOff: null,
      status: 'OPEN',
      openMinor: p.amountMinor,
      appliedMinor: 0,
      creditedMinor: 0,
      overAppliedMinor: 0,
      disputedNow: false,
      settledOn: null,
      daysLate: null,
      currencyMismatch: false,
    };
    // Applications that arrived before the invoice (the payments topic ran ahead) join it now. They are sorted by
    // (invoiceId, receivedOn, paymentId), so this invoice's run is already in application order.
    const pending = state.pendingApplications;
    const lo = lowerBound(pending, p.invoiceId, (a, id) => compareStrings(a.invoiceId, id));
    const hi = upperBound(pending, p.invoiceId, (a, id) => compareStrings(a.invoiceId, id));
    for (const a of pending.splice(lo, hi - lo)) {
      inv.payments.push({ paymentId: a.paymentId, amountMinor: a.amountMinor, currency: a.currency, receivedOn: a.receivedOn, reversedOn: a.reversedOn });
      if (a.currency !== p.currency) ctx.anomalies.push({ code: 'CURRENCY_MISMATCH', message: `payment ${a.paymentId} in ${a.currency} applied to invoice ${p.invoiceId} in ${p.currency}: not counted` });
    }
    insertSorted(state.invoices, inv, compareInvoices);
    const currency = customerCurrency(state);
    recomputeInvoice(inv, currency);
    replaceContribution(state, null, inv);
    ctx.changedInvoiceIds.push(inv.invoiceId);
    if (inv.currencyMismatch) ctx.anomalies.push({ code: 'CURRENCY_MISMATCH', message: `invoice ${p.invoiceId} is in ${p.currency}, the customer in ${String(currency)}: left out of the customer aggregates` });
    if (inv.overAppliedMinor > 0) ctx.anomalies.push({ code: 'OVER_APPLIED', message: `invoice ${p.invoiceId}: earlier applications exceed its amount ${p.amountMinor} by ${inv.overAppliedMinor}` });
  },
};

export const invoiceAdjusted: Handler<InvoiceAdjustedEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkId(p.invoiceId, 'InvoiceAdjusted.invoiceId'),
      checkId(p.creditNoteId, 'InvoiceAdjusted.creditNoteId'),
      checkPositiveAmount(p.amountMinor, 'InvoiceAdjusted.amountMinor'),
      checkCurrency(p.currency, 'InvoiceAdjusted.currency'),
      checkString(p.reason, 'InvoiceAdjusted.reason'),
    );
    if (bad !== null) return bad;
    const inv = followUp(state, 'InvoiceAdjusted', p.invoiceId, p.currency);
    if (isRejection(inv)) return inv;
    const prior = inv.credits.find((c) => c.creditNoteId === p.creditNoteId);
    if (prior !== undefined) {
      return prior.amountMinor === p.amountMinor && prior.reason === p.reason ? IDENTICAL_DUPLICATE : reject('DUPLICATE_CONFLICT', `credit note ${p.creditNoteId} on invoice ${p.invoiceId} was already folded with amount ${prior.amountMinor}`);
    }
    // Credit notes and the invoice share a topic, so this is decidable now, unlike over-application by payments.
    let credited = 0;
    for (const c of inv.credits) credited += c.amountMinor;
    if (credited + p.amountMinor > inv.amountMinor) {
      return reject('INVALID_AMOUNT', `credit note ${p.creditNoteId} of ${p.amountMinor} brings the credits on invoice ${p.invoiceId} to ${credited + p.amountMinor}, above its amount ${inv.amountMinor}`);
    }
    return null;
  },
  businessDate: eventDate,
  apply(ctx, e) {
    const p = e.payload;
    const inv = findInvoice(ctx.state, p.invoiceId) as InvoiceState;
    changeInvoice(ctx, inv, (i) => insertSorted(i.credits, { creditNoteId: p.creditNoteId, amountMinor: p.amountMinor, creditedOn: ctx.date, reason: p.reason }, compareCredits));
  },
};

export const invoiceDisputed: Handler<InvoiceDisputedEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkId(p.invoiceId, 'InvoiceDisputed.invoiceId'),
      checkId(p.disputeId, 'InvoiceDisputed.disputeId'),
      checkPositiveAmount(p.amountMinor, 'InvoiceDisputed.amountMinor'),
      checkCurrency(p.currency, 'InvoiceDisputed.currency'),
      checkString(p.reason, 'InvoiceDisputed.reason'),
    );
    if (bad !== null) return bad;
    const inv = followUp(state, 'InvoiceDisputed', p.invoiceId, p.currency);
    if (isRejection(inv)) return inv;
    const prior = inv.disputes.find((d) => d.disputeId === p.disputeId);
    if (prior === undefined) return null;
    return prior.amountMinor === p.amountMinor && prior.reason === p.reason ? IDENTICAL_DUPLICATE : reject('DUPLICATE_CONFLICT', `dispute ${p.disputeId} on invoice ${p.invoiceId} was already raised with amount ${prior.amountMinor}`);
  },
  businessDate: eventDate,
  apply(ctx, e) {
    const p = e.payload;
    const inv = findInvoice(ctx.state, p.invoiceId) as InvoiceState;
    changeInvoice(ctx, inv, (i) => i.disputes.push({ disputeId: p.disputeId, amountMinor: p.amountMinor, reason: p.reason, openedOn: ctx.date, resolvedOn: null, outcome: null, creditedMinor: null }));
    ctx.state.disputes.count += 1;
    ctx.state.disputes.open += 1;
  },
};

const OUTCOMES = ['UPHELD', 'CREDITED', 'PARTIALLY_CREDITED', 'WITHDRAWN'];

export const disputeResolved: Handler<DisputeResolvedEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkId(p.invoiceId, 'DisputeResolved.invoiceId'),
      checkId(p.disputeId, 'DisputeResolved.disputeId'),
      checkSymbol(p.outcome, OUTCOMES, 'DisputeResolved.outcome'),
      checkNonNegativeAmount(p.creditedMinor, 'DisputeResolved.creditedMinor'),
      checkCurrency(p.currency, 'DisputeResolved.currency'),
    );
    if (bad !== null) return bad;
    const inv = followUp(state, 'DisputeResolved', p.invoiceId, p.currency);
    if (isRejection(inv)) return inv;
    const d = inv.disputes.find((x) => x.disputeId === p.disputeId);
    if (d === undefined) return reject('UNKNOWN_DISPUTE', `DisputeResolved for dispute ${JSON.stringify(p.disputeId)}, never raised on invoice ${p.invoiceId}`);
    if (d.resolvedOn === null) return null;
    return d.outcome === p.outcome && d.creditedMinor === p.creditedMinor ? IDENTICAL_DUPLICATE : reject('DUPLICATE_CONFLICT', `dispute ${p.disputeId} was already resolved ${String(d.outcome)} on ${d.resolvedOn}`);
  },
  businessDate: eventDate,
  apply(ctx, e) {
    const p = e.payload;
    const inv = findInvoice(ctx.state, p.invoiceId) as InvoiceState;
    changeInvoice(ctx, inv, (i) => {
      const d = i.disputes.find((x) => x.disputeId === p.disputeId);
      if (d === undefined) throw new Error(`dispute ${p.disputeId} vanished between check and apply`);
      d.resolvedOn = ctx.date;
      d.outcome = p.outcome;
      d.creditedMinor = p.creditedMinor;
    });
    ctx.state.disputes.open -= 1;
  },
};

export const invoiceWrittenOff: Handler<InvoiceWrittenOffEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkId(p.invoiceId, 'InvoiceWrittenOff.invoiceId'),
      checkId(p.writeOffId, 'InvoiceWrittenOff.writeOffId'),
      checkPositiveAmount(p.amountMinor, 'InvoiceWrittenOff.amountMinor'),
      checkCurrency(p.currency, 'InvoiceWrittenOff.currency'),
      checkString(p.reason, 'InvoiceWrittenOff.reason'),
    );
    if (bad !== null) return bad;
    const inv = followUp(state, 'InvoiceWrittenOff', p.invoiceId, p.currency);
    if (isRejection(inv)) return inv;
    const w = inv.writeOff;
    if (w === null) return null;
    return w.writeOffId === p.writeOffId && w.amountMinor === p.amountMinor && w.reason === p.reason
      ? IDENTICAL_DUPLICATE
      : reject('DUPLICATE_CONFLICT', `invoice ${p.invoiceId} was already written off by ${w.writeOffId} (${w.amountMinor})`);
  },
  businessDate: eventDate,
  apply(ctx, e) {
    const p = e.payload;
    const inv = findInvoice(ctx.state, p.invoiceId) as InvoiceState;
    changeInvoice(ctx, inv, (i) => {
      i.writeOff = { writeOffId: p.writeOffId, amountMinor: p.amountMinor, writtenOffOn: ctx.date, reason: p.reason };
    });
  },
};
