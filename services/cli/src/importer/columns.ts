import { CliOptionError } from '../errors';

/** The fields an import row can have. One row per invoice. */
export const IMPORT_FIELDS = ['customerId', 'invoiceId', 'invoiceDate', 'dueDate', 'amount', 'currency', 'settledDate', 'disputed', 'country', 'segment', 'paperless'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Fields every file must have a column for (currency may instead come from --default-currency). */
export const REQUIRED_FIELDS: readonly ImportField[] = ['customerId', 'invoiceId', 'invoiceDate', 'dueDate', 'amount'];

/** Header names recognised without --map, compared case-, space-, dash- and underscore-insensitively. */
const ALIASES: Readonly<Record<ImportField, readonly string[]>> = {
  customerId: ['customerid', 'customer', 'customerno', 'customernumber', 'custid', 'custno', 'accountid', 'account', 'accountno', 'accountnumber', 'debtorid', 'debtor'],
  invoiceId: ['invoiceid', 'invoice', 'invoiceno', 'invoicenumber', 'invno', 'documentno', 'documentnumber'],
  invoiceDate: ['invoicedate', 'issuedate', 'issued', 'documentdate', 'date'],
  dueDate: ['duedate', 'due', 'paymentduedate'],
  amount: ['amount', 'invoiceamount', 'total', 'totalamount', 'amountincltax', 'grossamount'],
  currency: ['currency', 'currencycode', 'ccy', 'cur'],
  settledDate: ['settleddate', 'settled', 'paiddate', 'paymentdate', 'settlementdate', 'closeddate', 'paidon'],
  disputed: ['disputed', 'dispute', 'indispute', 'isdisputed'],
  country: ['country', 'countrycode', 'countryregion'],
  segment: ['segment', 'customersegment', 'customergroup', 'group'],
  paperless: ['paperless', 'einvoice', 'electronicinvoice', 'isdigital'],
};

function normalise(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.#]/g, '');
}

/**
 * Parses `--map field=Column,field=Column`. Field names are those of {@link IMPORT_FIELDS}; `field=` (no column)
 * ignores the field: no column is read for it, even one its aliases would find.
 * @throws CliOptionError naming the bad entry.
 */
export function parseColumnMap(text: string | undefined): Map<ImportField, string> {
  const map = new Map<ImportField, string>();
  if (text === undefined || text.trim() === '') return map;
  for (const entry of text.split(',')) {
    const eq = entry.indexOf('=');
    const field = entry.slice(0, eq).trim();
    const column = entry.slice(eq + 1).trim();
    if (eq < 0 || field === '') throw new CliOptionError('map', `--map entry ${JSON.stringify(entry)} is invalid: expected field=Column (or field= to ignore a field)`);
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) throw new CliOptionError('map', `--map entry ${JSON.stringify(entry)} names unknown field ${JSON.stringify(field)}: expected one of ${IMPORT_FIELDS.join(', ')}`);
    if (column === '' && (REQUIRED_FIELDS as readonly string[]).includes(field)) throw new CliOptionError('map', `--map entry ${JSON.stringify(entry)} ignores ${field}, which every row needs: name its column instead`);
    map.set(field as ImportField, column);
  }
  return map;
}

/** Column index of each field present in the file. */
export type ColumnIndex = Partial<Record<ImportField, number>>;

/**
 * Finds each field's column in the header: `--map` first (exact header text, then case-insensitive; `field=` means no
 * column), then the aliases. Columns no field claims are ignored (extra columns are fine).
 * @returns the index, or the problems (a required field without column, a mapped column that is not there).
 */
export function resolveColumns(header: readonly string[], map: ReadonlyMap<ImportField, string>, currencyDefault: boolean): { columns: ColumnIndex } | { problems: string[] } {
  const problems: string[] = [];
  const columns: ColumnIndex = {};
  const trimmed = header.map((h) => h.trim());
  const normalised = trimmed.map(normalise);
  const claimed = new Set<number>();
  for (const [field, column] of map) {
    if (column === '') continue;
    let i = trimmed.indexOf(column);
    if (i < 0) i = normalised.indexOf(normalise(column));
    if (i < 0) problems.push(`--map ${field}=${column}: the header has no column ${JSON.stringify(column)} (columns: ${trimmed.join(', ')})`);
    else {
      columns[field] = i;
      claimed.add(i);
    }
  }
  for (const field of IMPORT_FIELDS) {
    if (columns[field] !== undefined || map.has(field)) continue;
    const i = normalised.findIndex((h, idx) => !claimed.has(idx) && ALIASES[field].includes(h));
    if (i >= 0) {
      columns[field] = i;
      claimed.add(i);
    }
  }
  for (const field of REQUIRED_FIELDS) {
    if (columns[field] === undefined && !map.has(field)) problems.push(`no column for ${field}: name one with --map ${field}=<column> (columns: ${trimmed.join(', ')})`);
  }
  // A mapped column that is missing is reported above; no column at all (or `currency=`) needs the default.
  if (columns.currency === undefined && (map.get('currency') ?? '') === '' && !currencyDefault) problems.push(`no column for currency: add one, name it with --map currency=<column>, or give --default-currency`);
  return problems.length > 0 ? { problems } : { columns };
}
