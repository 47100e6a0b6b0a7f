import { accountStatusAfter, type AccountStatusChangedEvent, type CreditLimitSetEvent, type CustomerRegisteredEvent, type PaymentTermsSetEvent } from '@creditstream/schemas';
import { businessDateOfTimestamp } from '../dates';
import { reject, type Rejection } from '../rejections';
import type { CustomerState, Registration } from '../state';
import { checkBoolean, checkCount, checkCurrency, checkDate, checkId, checkNonNegativeAmount, checkNullableDate, checkNullableString, checkSameCurrency, checkString, checkSymbol, firstRejection } from './checks';
import { changeInvoice, IDENTICAL_DUPLICATE, type FoldContext, type Handler } from './context';

// Customer master data. These events are ordered among themselves (one topic), so "registration first" is a rule
// the fold can enforce: a change before the registration is rejected as UNKNOWN_CUSTOMER.

const eventDate = (e: { eventTime: string }): string => businessDateOfTimestamp(e.eventTime) as string;

function requireRegistration(state: CustomerState | null, type: string): Rejection | null {
  if (state !== null && state.registration !== null) return null;
  return reject('UNKNOWN_CUSTOMER', `${type} before the customer's CustomerRegistered`);
}

function sameRegistration(r: Registration, p: CustomerRegisteredEvent['payload']): boolean {
  return r.name === p.name && r.country === p.country && r.segment === p.segment && r.currency === p.currency && r.groupId === p.groupId && r.paperless === p.paperless && r.openedOn === p.openedOn;
}

export const customerRegistered: Handler<CustomerRegisteredEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      checkString(p.name, 'CustomerRegistered.name'),
      checkString(p.country, 'CustomerRegistered.country'),
      checkString(p.segment, 'CustomerRegistered.segment'),
      checkCurrency(p.currency, 'CustomerRegistered.currency'),
      checkNullableString(p.groupId, 'CustomerRegistered.groupId'),
      checkBoolean(p.paperless, 'CustomerRegistered.paperless'),
      checkDate(p.openedOn, 'CustomerRegistered.openedOn'),
    );
    if (bad !== null) return bad;
    const r = state === null ? null : state.registration;
    if (r === null) return null;
    return sameRegistration(r, p) ? IDENTICAL_DUPLICATE : reject('DUPLICATE_CONFLICT', `customer ${e.customerId} is already registered with different data (currency ${r.currency}, opened ${r.openedOn})`);
  },
  businessDate: eventDate,
  apply(ctx, e) {
    const p = e.payload;
    ctx.state.registration = { name: p.name, country: p.country, segment: p.segment, currency: p.currency, groupId: p.groupId, paperless: p.paperless, openedOn: p.openedOn, registeredOn: ctx.date };
    // Invoices folded before the registration (other topics can run ahead) were counted in the aggregates; the
    // ones in another currency now leave them. Happens once per customer, so O(invoices) is fine.
    for (const inv of ctx.state.invoices) {
      if (inv.currency !== p.currency) {
        changeInvoice(ctx, inv, () => undefined);
        currencyAnomaly(ctx, `invoice ${inv.invoiceId} is in ${inv.currency}, the customer in ${p.currency}: left out of the customer aggregates`);
      }
    }
  },
};

function currencyAnomaly(ctx: FoldContext, message: string): void {
  ctx.anomalies.push({ code: 'CURRENCY_MISMATCH', message });
}

export const creditLimitSet: Handler<CreditLimitSetEvent> = {
  check(state, e) {
    const p = e.payload;
    const bad = firstRejection(
      requireRegistration(state, 'CreditLimitSet'),
      checkSymbol(p.limitType, ['BALANCE', 'BALANCE_AND_OPEN_ORDERS'], 'CreditLimitSet.limitType'),
      checkNonNegativeAmount(p.amountMinor, 'CreditLimitSet.amountMinor'),
      checkCurrency(p.currency, 'CreditLimitSet.currency'),
      checkBoolean(p.unlimited, 'CreditLimitSet.unlimited'),
      checkNullableDate(p.expiresOn, 'CreditLimitSet.expiresOn'),
      checkBoolean(p.temporary, 'CreditLimitSet.temporary'),
      checkNullableString(p.reason, 'CreditLimitSet.reason'),
    );
    if (bad !== null) return bad;
    const currency = (state as CustomerState).registration?.currency as string;
    return checkSameCurrency(p.currency, currency, 'CreditLimitSet.currency', `customer ${e.customerId}`);
  },
  businessDate: eventDate,
  apply(ctx, e) {
    const p = e.payload;
    const limit = { limitType: p.limitType, amountMinor: p.amountMinor, currency: p.currency, unlimited: p.unlimited, expiresOn: p.expiresOn, temporary: p.temporary, reason: p.reason, setOn: ctx.date };
    if (p.temporary) ctx.state.creditLimits.temporary = limit;
    else ctx.state.creditLimits.permanent = limit;
  },
};

export const paymentTermsSet: Handler<PaymentTermsSetEvent> = {
  check(state, e) {
    return firstRejection(requireRegistration(state, 'PaymentTermsSet'), checkId(e.payload.termsCode, 'PaymentTermsSet.termsCode'), checkCount(e.payload.netDays, 'PaymentTermsSet.netDays'));
  },
  businessDate: eventDate,
  apply(ctx, e) {
    ctx.state.terms = { termsCode: e.payload.termsCode, netDays: e.payload.netDays, setOn: ctx.date };
  },
};

const STATUSES = ['ACTIVE', 'BLOCKED', 'CLOSED'];

export const accountStatusChanged: Handler<AccountStatusChangedEvent> = {
  check(state, e) {
    const p = e.payload;
    return firstRejection(
      requireRegistration(state, 'AccountStatusChanged'),
      checkSymbol(p.status, STATUSES, 'AccountStatusChanged.status'),
      p.previousStatus === null ? null : checkSymbol(p.previousStatus, STATUSES, 'AccountStatusChanged.previousStatus'),
      checkString(p.reason, 'AccountStatusChanged.reason'),
      checkString(p.changedBy, 'AccountStatusChanged.changedBy'),
    );
  },
  businessDate: eventDate,
  apply(ctx, e) {
    // A stale block (asked of an account that is no longer active) changes nothing.
    if (accountStatusAfter(ctx.state.account.status, e.payload) !== e.payload.status) return;
    ctx.state.account = { status: e.payload.status, changedOn: ctx.date, reason: e.payload.reason, changedBy: e.payload.changedBy };
  },
};
