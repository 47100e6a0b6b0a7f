import { CliOptionError } from '../errors';
import { type ColumnIndex, type ImportField, parseColumnMap, resolveColumns } from './columns';
import { CsvParser, isProblem } from './csv';
import { type InvoiceRow, readRow, type RowProblem } from './rows';
import { compileDateFormat, parseCurrency } from './values';

export { IMPORT_FIELDS, type ImportField } from './columns';
export type { DroppedValue, InvoiceRow, RowProblem } from './rows';
export { normaliseCountry } from './countries';
export { planImport } from './plan';

/** Options of {@link createImporter}. */
export interface ImportOptions {
  /** `field=Column,…` overrides of the header names. */
  map?: string;
  /** Format of every date column. @default 'YYYY-MM-DD' */
  dateFormat?: string;
  /** Currency of rows without one (and of files without a currency column). */
  defaultCurrency?: string;
  /** Field delimiter; detected from the header line (`,`, `;` or tab) when absent. */
  delimiter?: string;
}

export interface ImportResult {
  /** Data rows read (good and bad; blank lines excluded). */
  readonly rows: number;
  readonly goodRows: number;
  /** Every bad row, in file order, with its line (header = 1) and reason. */
  readonly problems: readonly RowProblem[];
  /** The good rows, in file order: {@link planImport} turns them into events. */
  readonly invoices: readonly InvoiceRow[];
  /** Per column, the optional values that could not be read and were left out (their rows are imported). */
  readonly dropped: readonly DroppedColumn[];
}

/** An optional column whose unreadable values were left out: how many, and the first one. */
export interface DroppedColumn {
  readonly field: ImportField;
  readonly count: number;
  readonly firstLine: number;
  readonly firstReason: string;
}

/** The file itself cannot be imported (no header, missing required columns): these problems name why. */
export interface ImportFailure {
  readonly fatal: readonly string[];
}

/** An import in progress: push text chunks as they are read, then `finish`. Pure: no I/O, no clock. */
export interface Importer {
  push(chunk: string): void;
  finish(): ImportResult | ImportFailure;
  /** Rows read so far (for progress). */
  readonly rowsRead: number;
}

/**
 * Creates an importer of a CSV of historical invoices (one row per invoice).
 * @throws CliOptionError for invalid options (bad --map, --date-format or --default-currency), before any row.
 */
export function createImporter(options: ImportOptions = {}): Importer {
  const map = parseColumnMap(options.map);
  const dateFormat = compileDateFormat(options.dateFormat ?? 'YYYY-MM-DD');
  let defaultCurrency: string | null = null;
  if (options.defaultCurrency !== undefined) {
    const c = parseCurrency(options.defaultCurrency);
    if ('error' in c) throw new CliOptionError('default-currency', `--default-currency: ${c.error}`);
    defaultCurrency = c.ok.code;
  }

  const parser = new CsvParser(options.delimiter);
  const good: InvoiceRow[] = [];
  const problems: RowProblem[] = [];
  const fatal: string[] = [];
  const seen = new Map<string, number>();
  let header: string[] | null = null;
  let columns: ColumnIndex | null = null;
  let rows = 0;
  const dropped = new Map<ImportField, DroppedColumn>();

  const take = (results: ReturnType<CsvParser['push']>): void => {
    for (const r of results) {
      if (header === null) {
        if (isProblem(r)) {
          fatal.push(`line ${r.line}: the header cannot be read: ${r.reason}`);
          header = [];
          continue;
        }
        header = r.fields;
        const resolved = resolveColumns(header, map, defaultCurrency !== null);
        if ('problems' in resolved) fatal.push(...resolved.problems);
        else columns = resolved.columns;
        continue;
      }
      rows++;
      if (isProblem(r)) {
        problems.push(r);
        continue;
      }
      if (columns === null) continue;
      const row = readRow(r, { columns, headerWidth: header.length, dateFormat, defaultCurrency });
      if ('reason' in row) {
        problems.push(row);
        continue;
      }
      const key = `${row.customerId}\u0000${row.invoiceId}`;
      const firstLine = seen.get(key);
      if (firstLine !== undefined) {
        problems.push({ line: row.line, reason: `duplicate invoice ${JSON.stringify(row.invoiceId)} of customer ${JSON.stringify(row.customerId)} (first on line ${firstLine})` });
        continue;
      }
      seen.set(key, row.line);
      good.push(row);
      for (const d of row.dropped) {
        const seenBefore = dropped.get(d.field);
        dropped.set(d.field, seenBefore ? { ...seenBefore, count: seenBefore.count + 1 } : { field: d.field, count: 1, firstLine: row.line, firstReason: d.reason });
      }
    }
  };

  return {
    push(chunk: string) {
      take(parser.push(chunk));
    },
    finish() {
      take(parser.end());
      if (header === null) return { fatal: ['the file is empty: expected a header line and one row per invoice'] };
      if (fatal.length > 0) return { fatal };
      problems.sort((a, b) => a.line - b.line);
      return { rows, goodRows: good.length, problems, invoices: good, dropped: [...dropped.values()] };
    },
    get rowsRead() {
      return rows;
    },
  };
}
