import type { PaymentApplication, PaymentReceivedEvent, PaymentReturnedEvent } from '@creditstream/schemas';
import { compareApplications } from '../invoice';
import { reject, type Rejection } from '../rejections';
import { compareStrings, findSorted, insertSorted } from '../sorted';
import type { CustomerState, PaymentRecord, PendingApplication, ReturnEntry } from '../state';
import { checkCurrency, checkDate, checkId, checkNonNegativeAmount, checkPositiveAmount, checkSameCurrency, checkSymbol, firstRejection } from './checks';
import { changeInvoice, findInvoice, IDENTICAL_DUPLICATE, type FoldContext, type Handler } from './context';

// Payments and their returns. A payment's applications name invoices of the invoices topic, which may not have been
// folded yet: such an application waits in `pendingApplications` until its invoice arrives (invoice-events.ts), so
// the outcome is the same whichever topic ran ahead.

const METHODS = ['BANK_TRANSFER', 'DIRECT_DEBIT', 'CHECK', 'CARD', 'OTHER'];
const RETURN_REASONS = ['NSF', 'ACCOUNT_CLOSED', 'PAYMENT_STOPPED', 'OTHER'];

function findPayment(state: CustomerState, paymentId: string): PaymentRecord | undefined {
  return findSorted(state.payments, paymentId, (p, id) => compareStrings(p.paymentId, id));
}

function comparePending(a: PendingApplication, b: PendingApplication): number {
  return compareStrings(a.invoiceId, b.invoiceId) || compareStrings(a.receivedOn, b.receivedOn) || compareStrings(a.paymentId, b.paymentId);
}

function checkApplications(apps: unknown, what: string): Rejection | null {
  if (!Array.isArray(apps)) return reject('INVALID_EVENT', `${what} must be an array, got ${JSON.stringify(apps)}`);
  const seen = new Set<string>();
  for (let i = 0; i < apps.length; i++) {
    const a = apps[i] as PaymentApplication;
    const bad = firstRejection(checkId(a?.invoiceId, `${what}[${i}].invoiceId`), checkPositiveAmount(a?.amountMinor, `${what}[${i}].amountMinor`));
    if (bad !== null) return bad;
    if (seen.has(a.invoiceId)) return reject('INVALID_EVENT', `${what} names invoice ${a.invoiceId} twice`);
    seen.add(a.invoiceId);
  }
  return null;
}

function samePayment(r: PaymentRecord, p: PaymentReceivedEvent['payload']): boolean {
  if (r.amountMinor !== p.amountMinor || r.currency !== p.currency || r.method !== p.method || r.receivedOn !== p.receivedOn || r.unappliedMinor !== p.unappliedMinor) return false;
  if (r.applications.length !== p.applications.length) return false;
  return r.applications.every((a, i) => a.invoiceId === p.applications[i]?.invoiceId && a.amountMinor === p.applications[i]?.amountMinor);
}

export const paymentReceived: Handler<PaymentReceivedEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkId(p.paymentId, 'PaymentReceived.paymentId'),
      checkPositiveAmount(p.amountMinor, 'PaymentReceived.amountMinor'),
      checkCurrency(p.currency, 'PaymentReceived.currency'),
      checkSymbol(p.method, METHODS, 'PaymentReceived.method'),
      checkDate(p.receivedOn, 'PaymentReceived.receivedOn'),
      checkApplications(p.applications, 'PaymentReceived.applications'),
      checkNonNegativeAmount(p.unappliedMinor, 'PaymentReceived.unappliedMinor'),
    );
    if (bad !== null) return bad;
    let sum = p.unappliedMinor;
    for (const a of p.applications) sum += a.amountMinor;
    if (sum !== p.amountMinor) return reject('INVALID_AMOUNT', `PaymentReceived ${p.paymentId}: applications plus unappliedMinor make ${sum}, not amountMinor ${p.amountMinor}`);
    const prior = state === null ? undefined : findPayment(state, p.paymentId);
    if (prior === undefined) return null;
    return samePayment(prior, p) ? IDENTICAL_DUPLICATE : reject('DUPLICATE_CONFLICT', `payment ${p.paymentId} was already received with different content (${prior.amountMinor} ${prior.currency} on ${prior.receivedOn})`);
  },
  businessDate: (e) => e.payload.receivedOn,
  apply(ctx, e) {
    const p = e.payload;
    const state = ctx.state;
    const applications = p.applications.map((a) => ({ invoiceId: a.invoiceId, amountMinor: a.amountMinor }));
    insertSorted(state.payments, { paymentId: p.paymentId, amountMinor: p.amountMinor, currency: p.currency, method: p.method, receivedOn: p.receivedOn, applications, unappliedMinor: p.unappliedMinor, returned: null }, (a, b) => compareStrings(a.paymentId, b.paymentId));
    const mix = state.paymentMix;
    mix.count += 1;
    if (p.method === 'BANK_TRANSFER') mix.bankTransfer += 1;
    else if (p.method === 'DIRECT_DEBIT') mix.directDebit += 1;
    else if (p.method === 'CHECK') mix.check += 1;
    else if (p.method === 'CARD') mix.card += 1;
    else mix.other += 1;
    for (const a of applications) {
      const inv = findInvoice(state, a.invoiceId);
      if (inv === undefined) {
        insertSorted(state.pendingApplications, { invoiceId: a.invoiceId, paymentId: p.paymentId, amountMinor: a.amountMinor, currency: p.currency, receivedOn: p.receivedOn, reversedOn: null }, comparePending);
        ctx.anomalies.push({ code: 'PENDING_APPLICATION', message: `payment ${p.paymentId} applies ${a.amountMinor} to invoice ${a.invoiceId}, not folded in yet: kept pending` });
        continue;
      }
      changeInvoice(ctx, inv, (i) => insertSorted(i.payments, { paymentId: p.paymentId, amountMinor: a.amountMinor, currency: p.currency, receivedOn: p.receivedOn, reversedOn: null }, compareApplications));
      if (p.currency !== inv.currency) ctx.anomalies.push({ code: 'CURRENCY_MISMATCH', message: `payment ${p.paymentId} in ${p.currency} applied to invoice ${inv.invoiceId} in ${inv.currency}: not counted` });
    }
  },
};

export const paymentReturned: Handler<PaymentReturnedEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkId(p.paymentId, 'PaymentReturned.paymentId'),
      checkPositiveAmount(p.amountMinor, 'PaymentReturned.amountMinor'),
      checkCurrency(p.currency, 'PaymentReturned.currency'),
      checkSymbol(p.reason, RETURN_REASONS, 'PaymentReturned.reason'),
      checkDate(p.returnedOn, 'PaymentReturned.returnedOn'),
      checkApplications(p.reversedApplications, 'PaymentReturned.reversedApplications'),
      checkNonNegativeAmount(p.feeMinor, 'PaymentReturned.feeMinor'),
    );
    if (bad !== null) return bad;
    const pay = state === null ? undefined : findPayment(state, p.paymentId);
    if (pay === undefined) return reject('UNKNOWN_PAYMENT', `PaymentReturned for payment ${JSON.stringify(p.paymentId)}, never received`);
    const mismatch = checkSameCurrency(p.currency, pay.currency, 'PaymentReturned.currency', `payment ${p.paymentId}`);
    if (mismatch !== null) return mismatch;
    if (p.amountMinor !== pay.amountMinor) return reject('INVALID_AMOUNT', `PaymentReturned ${p.paymentId} returns ${p.amountMinor}, but the payment was ${pay.amountMinor} (only whole payments are returned)`);
    if (p.returnedOn < pay.receivedOn) return reject('INVALID_DATE', `PaymentReturned ${p.paymentId} on ${p.returnedOn}, before it was received on ${pay.receivedOn}`);
    const r = pay.returned;
    if (r === null) return null;
    return r.returnedOn === p.returnedOn && r.reason === p.reason && r.feeMinor === p.feeMinor ? IDENTICAL_DUPLICATE : reject('DUPLICATE_CONFLICT', `payment ${p.paymentId} was already returned on ${r.returnedOn} (${r.reason})`);
  },
  businessDate: (e) => e.payload.returnedOn,
  apply(ctx, e) {
    const p = e.payload;
    const state = ctx.state;
    const pay = findPayment(state, p.paymentId) as PaymentRecord;
    pay.returned = { returnedOn: p.returnedOn, reason: p.reason, amountMinor: p.amountMinor, feeMinor: p.feeMinor };
    const entry: ReturnEntry = { paymentId: p.paymentId, returnedOn: p.returnedOn, reason: p.reason, amountMinor: p.amountMinor, feeMinor: p.feeMinor };
    insertSorted(state.returns, entry, (a, b) => compareStrings(a.returnedOn, b.returnedOn) || compareStrings(a.paymentId, b.paymentId));
    const sum = state.returnSummary;
    sum.count += 1;
    sum.feesMinor += p.feeMinor;
    if (sum.lastReturnOn === null || p.returnedOn > sum.lastReturnOn) sum.lastReturnOn = p.returnedOn;
    if (p.reason === 'NSF') {
      sum.nsfCount += 1;
      if (sum.lastNsfOn === null || p.returnedOn > sum.lastNsfOn) sum.lastNsfOn = p.returnedOn;
    }
    // The payment as received is the truth about what it paid; reversedApplications only repeats it for consumers
    // that do not keep payments.
    for (const a of pay.applications) reverse(ctx, a.invoiceId, p.paymentId, p.returnedOn);
  },
};

function reverse(ctx: FoldContext, invoiceId: string, paymentId: string, returnedOn: string): void {
  const inv = findInvoice(ctx.state, invoiceId);
  if (inv !== undefined) {
    changeInvoice(ctx, inv, (i) => {
      const app = i.payments.find((x) => x.paymentId === paymentId);
      if (app !== undefined) app.reversedOn = returnedOn;
    });
    return;
  }
  const pending = ctx.state.pendingApplications.find((x) => x.invoiceId === invoiceId && x.paymentId === paymentId);
  if (pending !== undefined) pending.reversedOn = returnedOn;
}
