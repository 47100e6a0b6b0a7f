import { isCurrency } from '@creditstream/schemas';
import { isDate } from '../dates';
import { reject, type Rejection } from '../rejections';

// Field checks shared by the event handlers. Each returns null when the value is fine, or the rejection naming the
// field and the value. `what` is a readable path such as "InvoiceIssued.amountMinor".

/** The first rejection among `checks`, or null. */
export function firstRejection(...checks: (Rejection | null)[]): Rejection | null {
  for (const c of checks) if (c !== null) return c;
  return null;
}

export function checkId(value: unknown, what: string): Rejection | null {
  return typeof value === 'string' && value.length > 0 ? null : reject('INVALID_EVENT', `${what} must be a non-empty string, got ${JSON.stringify(value)}`);
}

export function checkString(value: unknown, what: string): Rejection | null {
  return typeof value === 'string' ? null : reject('INVALID_EVENT', `${what} must be a string, got ${JSON.stringify(value)}`);
}

export function checkNullableString(value: unknown, what: string): Rejection | null {
  return value === null || typeof value === 'string' ? null : reject('INVALID_EVENT', `${what} must be a string or null, got ${JSON.stringify(value)}`);
}

export function checkBoolean(value: unknown, what: string): Rejection | null {
  return typeof value === 'boolean' ? null : reject('INVALID_EVENT', `${what} must be a boolean, got ${JSON.stringify(value)}`);
}

export function checkCount(value: unknown, what: string): Rejection | null {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? null : reject('INVALID_EVENT', `${what} must be an integer >= 0, got ${JSON.stringify(value)}`);
}

/**
 * The largest amount one event may carry, in minor units (10^13: 100 billion of a 2-decimal currency). Balances and
 * exposures add amounts up; below this bound the sums of ~900 maximal amounts stay exact (safe integers), where an
 * amount near 2^53 from a broken producer would make every later balance of its customer silently wrong.
 */
export const MAX_AMOUNT_MINOR = 10 ** 13;

/** Money that must be > 0 (a zero invoice or payment is a producer error, not a no-op). */
export function checkPositiveAmount(value: unknown, what: string): Rejection | null {
  if (Number.isSafeInteger(value) && (value as number) > MAX_AMOUNT_MINOR) return reject('INVALID_AMOUNT', `${what} is ${String(value)}, above the largest amount accepted (${MAX_AMOUNT_MINOR} minor units)`);
  return Number.isSafeInteger(value) && (value as number) > 0 ? null : reject('INVALID_AMOUNT', `${what} must be a positive integer of minor units, got ${JSON.stringify(value)}`);
}

/** Money that may be 0 (fees, unapplied remainders, credit limits). */
export function checkNonNegativeAmount(value: unknown, what: string): Rejection | null {
  if (Number.isSafeInteger(value) && (value as number) > MAX_AMOUNT_MINOR) return reject('INVALID_AMOUNT', `${what} is ${String(value)}, above the largest amount accepted (${MAX_AMOUNT_MINOR} minor units)`);
  return Number.isSafeInteger(value) && (value as number) >= 0 ? null : reject('INVALID_AMOUNT', `${what} must be an integer of minor units >= 0, got ${JSON.stringify(value)}`);
}

export function checkCurrency(value: unknown, what: string): Rejection | null {
  return typeof value === 'string' && isCurrency(value) ? null : reject('INVALID_CURRENCY', `${what} must be an ISO 4217 currency code, got ${JSON.stringify(value)}`);
}

export function checkDate(value: unknown, what: string): Rejection | null {
  return isDate(value) ? null : reject('INVALID_DATE', `${what} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(value)}`);
}

export function checkNullableDate(value: unknown, what: string): Rejection | null {
  return value === null ? null : checkDate(value, what);
}

export function checkSymbol(value: unknown, symbols: readonly string[], what: string): Rejection | null {
  return typeof value === 'string' && symbols.includes(value) ? null : reject('INVALID_EVENT', `${what} must be one of ${symbols.join(', ')}, got ${JSON.stringify(value)}`);
}

/** The currency of a follow-up event must be the one of the entity it refers to. */
export function checkSameCurrency(value: string, expected: string, what: string, entity: string): Rejection | null {
  return value === expected ? null : reject('CURRENCY_MISMATCH', `${what} is ${value} but ${entity} is in ${expected}`);
}
