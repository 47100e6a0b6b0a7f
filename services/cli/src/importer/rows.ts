import type { ColumnIndex, ImportField } from './columns';
import type { CsvRecord } from './csv';
import { normaliseCountry } from './countries';
import { type DateFormat, parseAmount, parseCurrency, parseDate, parseFlag, parsePaperless } from './values';

/** A valid import row: one invoice. Days are day numbers. */
export interface InvoiceRow {
  readonly line: number;
  readonly customerId: string;
  readonly invoiceId: string;
  readonly invoiceDay: number;
  readonly dueDay: number;
  readonly amountMinor: number;
  readonly currency: string;
  /** null while the invoice is open. */
  readonly settledDay: number | null;
  readonly disputed: boolean;
  readonly country: string | null;
  readonly segment: string | null;
  readonly paperless: boolean | null;
  /** Optional values that could not be read and were left out (the row itself is kept). */
  readonly dropped: readonly DroppedValue[];
}

/** An optional customer attribute of a row that could not be read: the row is imported without it. */
export interface DroppedValue {
  readonly field: ImportField;
  readonly reason: string;
}

/** A row that cannot be imported: its line in the file (header = 1) and why. */
export interface RowProblem {
  readonly line: number;
  readonly reason: string;
}

export interface RowOptions {
  readonly columns: ColumnIndex;
  readonly headerWidth: number;
  readonly dateFormat: DateFormat;
  readonly defaultCurrency: string | null;
}

/** Validates one CSV record against the columns. Reports the first problem of the row. */
export function readRow(record: CsvRecord, o: RowOptions): InvoiceRow | RowProblem {
  const bad = (reason: string): RowProblem => ({ line: record.line, reason });
  const f = record.fields;
  if (f.length !== o.headerWidth) return bad(`has ${f.length} field${f.length === 1 ? '' : 's'}, the header has ${o.headerWidth}`);
  const get = (field: ImportField): string => {
    const i = o.columns[field];
    return i === undefined ? '' : (f[i] ?? '').trim();
  };
  const customerId = get('customerId');
  if (customerId === '') return bad('customerId is empty');
  const invoiceId = get('invoiceId');
  if (invoiceId === '') return bad('invoiceId is empty');
  const invoiceDay = parseDate(get('invoiceDate'), o.dateFormat, 'invoiceDate');
  if ('error' in invoiceDay) return bad(invoiceDay.error);
  const dueDay = parseDate(get('dueDate'), o.dateFormat, 'dueDate');
  if ('error' in dueDay) return bad(dueDay.error);
  if (dueDay.ok < invoiceDay.ok) return bad(`dueDate ${JSON.stringify(get('dueDate'))} is before invoiceDate ${JSON.stringify(get('invoiceDate'))}`);
  const currencyText = get('currency') || o.defaultCurrency;
  if (!currencyText) return bad('currency is empty and no --default-currency was given');
  const currency = parseCurrency(currencyText);
  if ('error' in currency) return bad(currency.error);
  const amount = parseAmount(get('amount'), currency.ok.code, currency.ok.digits);
  if ('error' in amount) return bad(amount.error);
  let settledDay: number | null = null;
  if (get('settledDate') !== '') {
    const settled = parseDate(get('settledDate'), o.dateFormat, 'settledDate');
    if ('error' in settled) return bad(settled.error);
    if (settled.ok < invoiceDay.ok) return bad(`settledDate ${JSON.stringify(get('settledDate'))} is before invoiceDate ${JSON.stringify(get('invoiceDate'))}`);
    settledDay = settled.ok;
  }
  const disputed = parseFlag(get('disputed'), 'disputed');
  if ('error' in disputed) return bad(disputed.error);
  // Customer attributes are optional: a value that cannot be read is left out, never a reason to lose the invoice.
  const dropped: DroppedValue[] = [];
  const country = get('country') === '' ? null : normaliseCountry(get('country'));
  let paperless: boolean | null = null;
  const p = parsePaperless(get('paperless'));
  if ('error' in p) dropped.push({ field: 'paperless', reason: p.error });
  else paperless = p.ok;
  return {
    line: record.line,
    customerId,
    invoiceId,
    invoiceDay: invoiceDay.ok,
    dueDay: dueDay.ok,
    amountMinor: amount.ok,
    currency: currency.ok.code,
    settledDay,
    disputed: disputed.ok,
    country,
    segment: get('segment') || null,
    paperless,
    dropped,
  };
}
