import { isCurrency, minorUnitDigits } from '@creditstream/schemas';
import { dayFromCivil, isValidCivil } from '../calendar/dates';
import { CliOptionError } from '../errors';

/** A compiled `--date-format`: tokens YYYY, YY, MM, M, DD, D; anything else is literal. */
export interface DateFormat {
  readonly text: string;
  readonly regex: RegExp;
  readonly order: readonly ('Y' | 'YY' | 'M' | 'D')[];
}

/** Compiles a date format once. @throws CliOptionError when it lacks a year, month or day. */
export function compileDateFormat(text: string): DateFormat {
  const order: ('Y' | 'YY' | 'M' | 'D')[] = [];
  let pattern = '^';
  for (let i = 0; i < text.length; ) {
    const rest = text.slice(i);
    if (rest.startsWith('YYYY')) {
      pattern += '(\\d{4})';
      order.push('Y');
      i += 4;
    } else if (rest.startsWith('YY')) {
      pattern += '(\\d{2})';
      order.push('YY');
      i += 2;
    } else if (rest.startsWith('MM') || rest.startsWith('DD')) {
      pattern += '(\\d{2})';
      order.push(rest[0] as 'M' | 'D');
      i += 2;
    } else if (rest[0] === 'M' || rest[0] === 'D') {
      pattern += '(\\d{1,2})';
      order.push(rest[0]);
      i += 1;
    } else {
      pattern += (rest[0] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  const has = (t: string) => order.filter((o) => o === t || (t === 'Y' && o === 'YY')).length === 1;
  if (!has('Y') || !has('M') || !has('D')) throw new CliOptionError('date-format', `--date-format ${JSON.stringify(text)} is invalid: it needs exactly one year (YYYY or YY), month (MM or M) and day (DD or D)`);
  return { text, regex: new RegExp(`${pattern}$`), order };
}

export type Parsed<T> = { readonly ok: T } | { readonly error: string };

/** Day number of `text` in `format`. Two-digit years are 2000..2099. */
export function parseDate(text: string, format: DateFormat, field: string): Parsed<number> {
  const m = format.regex.exec(text.trim());
  if (!m) return { error: `${field} ${JSON.stringify(text)} does not match the date format ${format.text}` };
  let y = 0;
  let mo = 0;
  let d = 0;
  format.order.forEach((kind, i) => {
    const v = Number(m[i + 1]);
    if (kind === 'Y') y = v;
    else if (kind === 'YY') y = 2000 + v;
    else if (kind === 'M') mo = v;
    else d = v;
  });
  if (!isValidCivil(y, mo, d)) return { error: `${field} ${JSON.stringify(text)} is not a real date (${format.text})` };
  return { ok: dayFromCivil(y, mo, d) };
}

const AMOUNT = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/;

/**
 * Exact minor units of a positive decimal amount like `1234.56` or `1,234.56` (`,` only as a thousands separator),
 * for a currency with `digits` decimals. Never goes through floating point.
 */
export function parseAmount(text: string, currency: string, digits: number): Parsed<number> {
  const t = text.trim();
  const m = AMOUNT.exec(t);
  if (!m) {
    if (/^-/.test(t)) return { error: `amount ${JSON.stringify(text)} is negative: import credit notes separately, not as invoices` };
    return { error: `amount ${JSON.stringify(text)} is not a number like 1234.56` };
  }
  const whole = (m[1] as string).replace(/,/g, '');
  const fraction = m[2] ?? '';
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > digits) return { error: `amount ${JSON.stringify(text)} has more decimals than ${currency} has (${digits})` };
  const minor = Number(whole + significant.padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor)) return { error: `amount ${JSON.stringify(text)} is too large` };
  if (minor === 0) return { error: `amount ${JSON.stringify(text)} is zero` };
  return { ok: minor };
}

const TRUE = new Set(['yes', 'y', 'true', 't', '1']);
const FALSE = new Set(['no', 'n', 'false', 'f', '0', '']);

/** yes/no, y/n, true/false, 1/0 in any case; empty = false. */
export function parseFlag(text: string, field: string): Parsed<boolean> {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return { ok: true };
  if (FALSE.has(t)) return { ok: false };
  return { error: `${field} ${JSON.stringify(text)} is not yes/no, true/false or 1/0` };
}

const PAPERLESS = new Set(['electronic', 'e-mail', 'email', 'e-invoice', 'einvoice', 'edi', 'digital', 'paperless', 'pdf']);
const ON_PAPER = new Set(['paper', 'post', 'mail', 'letter', 'print', 'printed', 'postal']);

/**
 * Whether the customer is invoiced without paper: the yes/no vocabulary of {@link parseFlag}, or the delivery channel
 * as ledgers name it (`Electronic`/`Paper`, `E-mail`/`Post`, `EDI`, `Letter`…), in any case. Empty = unknown (null).
 */
export function parsePaperless(text: string): Parsed<boolean | null> {
  const t = text.trim().toLowerCase();
  if (t === '') return { ok: null };
  if (PAPERLESS.has(t)) return { ok: true };
  if (ON_PAPER.has(t)) return { ok: false };
  const flag = parseFlag(t, 'paperless');
  if ('ok' in flag) return flag;
  return { error: `paperless ${JSON.stringify(text)} is none of yes/no, true/false, 1/0, Electronic/Paper, E-mail/Post` };
}

/** An ISO 4217 code (case-insensitive in the file, upper case in events) and its decimals. */
export function parseCurrency(text: string): Parsed<{ code: string; digits: number }> {
  const code = text.trim().toUpperCase();
  if (!isCurrency(code)) return { error: `currency ${JSON.stringify(text)} is not an ISO 4217 currency code` };
  return { ok: { code, digits: minorUnitDigits(code) } };
}
