import * as assert from 'node:assert/strict';
import { TOPIC } from '@creditstream/schemas';
import { CliOptionError } from '../../src/errors';
import { createImporter, planImport } from '../../src/importer';
import type { EventRecord } from '../../src/simulator/records';
import { runImporter, schemaProblems } from '../helpers';

function nonTicks(records: readonly EventRecord[]): EventRecord[] {
  return records.filter((r) => r.topic !== TOPIC.clock);
}

const GOOD = [
  'customer_id,invoice_id,invoice_date,due_date,amount,currency,settled_date,disputed,country,segment,paperless',
  'C1,INV-1,2024-01-02,2024-01-31,1234.56,USD,2024-01-30,no,US,enterprise,yes',
  'C1,INV-2,2024-01-03,2024-02-02,100,USD,,no,US,enterprise,yes',
  'C2,INV-9,2024-01-04,2024-01-19,5000,JPY,2024-01-25,yes,JP,small-business,no',
].join('\n');

describe('importer', () => {
  it('turns a good file into the events of live operation, in event-time order', () => {
    const result = runImporter(GOOD, {});
    assert.equal(result.rows, 3);
    assert.equal(result.goodRows, 3);
    assert.deepEqual(result.problems, []);
    const records = planImport(result.invoices, 2);
    const summary = nonTicks(records).map((r) => `${r.event.eventTime} ${r.key} ${r.event.type}`);
    assert.deepEqual(summary, [
      '2024-01-02T00:00:01.000Z C1 CustomerRegistered',
      '2024-01-02T09:00:00.000Z C1 InvoiceIssued',
      '2024-01-03T09:00:00.000Z C1 InvoiceIssued',
      '2024-01-04T00:00:01.000Z C2 CustomerRegistered',
      '2024-01-04T09:00:00.000Z C2 InvoiceIssued',
      '2024-01-04T10:00:00.000Z C2 InvoiceDisputed',
      '2024-01-25T11:00:00.000Z C2 DisputeResolved',
      '2024-01-25T12:00:00.000Z C2 PaymentReceived',
      '2024-01-30T12:00:00.000Z C1 PaymentReceived',
    ]);
    const issued = records.find((r) => r.event.type === 'InvoiceIssued' && r.event.payload.invoiceId === 'INV-1');
    assert.deepEqual(issued?.event.payload, { invoiceId: 'INV-1', orderId: null, amountMinor: 123456, currency: 'USD', invoiceDate: '2024-01-02', dueDate: '2024-01-31', termsCode: 'NET29', netDays: 29 });
    const jpy = records.find((r) => r.event.type === 'InvoiceIssued' && r.event.payload.invoiceId === 'INV-9');
    assert.equal((jpy?.event.payload as { amountMinor: number }).amountMinor, 5000);
    const reg = records.find((r) => r.event.type === 'CustomerRegistered' && r.key === 'C2');
    assert.deepEqual(reg?.event.payload, { name: 'C2', country: 'JP', segment: 'small-business', currency: 'JPY', groupId: null, paperless: false, openedOn: '2024-01-04' });
    for (const r of records) assert.deepEqual(schemaProblems(r), [], r.event.eventId);
  });

  it('ticks once per partition for every business day from the first to the last date, before other events', () => {
    const records = planImport(runImporter(GOOD).invoices, 3);
    const ticks = records.filter((r) => r.topic === TOPIC.clock);
    // 2024-01-02 .. 2024-01-30: 21 business days.
    assert.equal(ticks.length, 21 * 3);
    assert.deepEqual(ticks.slice(0, 3).map((t) => t.partition), [0, 1, 2]);
    assert.equal(records[0]?.event.type, 'BusinessDayTick');
    let last = '';
    for (const r of records) {
      assert.ok(r.event.eventTime >= last);
      last = r.event.eventTime;
    }
  });

  it('event ids depend only on the data, so importing twice gives the same events', () => {
    assert.deepEqual(planImport(runImporter(GOOD).invoices, 2), planImport(runImporter(GOOD).invoices, 2));
  });

  it('reads messy files: BOM, CRLF, quoted fields, other header names, extra columns, semicolons', () => {
    const messy = [
      '\uFEFF"Account No";Notes;"Invoice Number";"Invoice Date";"Due";Gross Amount;Ccy;"Paid On";"In Dispute";Region;Extra',
      '"C 1";"free text; with ""quotes""";"A-1";2024-01-02;2024-02-01;"1,234.50";eur;2024-02-05;Y;de;x',
      '"C 1";"multi',
      'line note";"A-2";2024-01-03;2024-02-02;99.9;EUR;;0;DE;y',
      '',
    ].join('\r\n');
    const result = runImporter(messy, { map: 'country=Region' });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.invoices.map((i) => [i.line, i.customerId, i.invoiceId, i.amountMinor, i.currency, i.disputed, i.country, i.settledDay !== null]), [
      [2, 'C 1', 'A-1', 123450, 'EUR', true, 'DE', true],
      [3, 'C 1', 'A-2', 9990, 'EUR', false, 'DE', false],
    ]);
  });

  it('maps columns with --map and reads other date formats and a default currency', () => {
    const text = ['Debtor,Doc,Issued On,Payable By,Value,Settled', 'D1,X1,31/01/2024,01/03/2024,10.5,15/02/2024'].join('\n');
    const result = runImporter(text, { map: 'customerId=Debtor,invoiceId=Doc,invoiceDate=Issued On,dueDate=Payable By,amount=Value,settledDate=Settled', dateFormat: 'DD/MM/YYYY', defaultCurrency: 'gbp' });
    assert.deepEqual(result.problems, []);
    const row = result.invoices[0];
    assert.equal(row?.currency, 'GBP');
    assert.equal(row?.amountMinor, 1050);
    const issued = planImport(result.invoices, 1).find((r) => r.event.type === 'InvoiceIssued');
    assert.equal((issued?.event.payload as { dueDate: string }).dueDate, '2024-03-01');
  });

  it('reports every bad row with its line number (header = line 1) and the reason, and keeps the good rows', () => {
    const bad = [
      'customerId,invoiceId,invoiceDate,dueDate,amount,currency,settledDate,disputed',
      'C1,I1,2024-01-02,2024-02-01,10.00,USD,,no', // 2 good
      'C1,I2,2024-02-30,2024-03-01,10.00,USD,,no', // 3
      'C1,I3,2024-01-02,2024-01-01,10.00,USD,,no', // 4
      'C1,I4,2024-01-02,2024-02-01,ten,USD,,no', // 5
      'C1,I5,2024-01-02,2024-02-01,10.001,USD,,no', // 6
      'C1,I6,2024-01-02,2024-02-01,10.00,XXX,,no', // 7
      'C1,I7,2024-01-02,2024-02-01,10.00,USD,2023-12-31,no', // 8
      'C1,I8,2024-01-02,2024-02-01,10.00,USD,,maybe', // 9
      'C1,I1,2024-01-03,2024-02-02,10.00,USD,,no', // 10 duplicate of line 2
      'C1,I9,2024-01-02,2024-02-01,10.00', // 11
      ',I10,2024-01-02,2024-02-01,10.00,USD,,no', // 12
      'C1,"I11"x,2024-01-02,2024-02-01,10.00,USD,,no', // 13
      'C1,I12,2024-01-02,2024-02-01,-5,USD,,no', // 14
      'C1,I13,2024-01-02,2024-02-01,0.00,USD,,no', // 15
      'C1,I14,02/01/2024,2024-02-01,1,USD,,no', // 16
      'C1,I15,2024-01-02,2024-02-01,1,USD,,yes', // 17 good
      'C1,"I16,2024-01-02,2024-02-01,1,USD,,no', // 18 unterminated
    ].join('\n');
    const result = runImporter(bad);
    assert.equal(result.rows, 17);
    assert.equal(result.goodRows, 2);
    assert.deepEqual(result.problems, [
      { line: 3, reason: 'invoiceDate "2024-02-30" is not a real date (YYYY-MM-DD)' },
      { line: 4, reason: 'dueDate "2024-01-01" is before invoiceDate "2024-01-02"' },
      { line: 5, reason: 'amount "ten" is not a number like 1234.56' },
      { line: 6, reason: 'amount "10.001" has more decimals than USD has (2)' },
      { line: 7, reason: 'currency "XXX" is not an ISO 4217 currency code' },
      { line: 8, reason: 'settledDate "2023-12-31" is before invoiceDate "2024-01-02"' },
      { line: 9, reason: 'disputed "maybe" is not yes/no, true/false or 1/0' },
      { line: 10, reason: 'duplicate invoice "I1" of customer "C1" (first on line 2)' },
      { line: 11, reason: 'has 5 fields, the header has 8' },
      { line: 12, reason: 'customerId is empty' },
      { line: 13, reason: 'unexpected "x" after the closing quote of field 2' },
      { line: 14, reason: 'amount "-5" is negative: import credit notes separately, not as invoices' },
      { line: 15, reason: 'amount "0.00" is zero' },
      { line: 16, reason: 'invoiceDate "02/01/2024" does not match the date format YYYY-MM-DD' },
      { line: 18, reason: 'unterminated quoted field: the quote opened on line 18 is never closed' },
    ]);
  });

  it('refuses a file without required columns, naming them and the columns it has', () => {
    const importer = createImporter({});
    importer.push('customer,amount\nC1,10\n');
    const result = importer.finish();
    assert.ok('fatal' in result);
    assert.match(result.fatal.join('\n'), /no column for invoiceId: name one with --map invoiceId=<column> \(columns: customer, amount\)/);
    assert.match(result.fatal.join('\n'), /no column for currency/);
    const empty = createImporter({});
    assert.deepEqual(empty.finish(), { fatal: ['the file is empty: expected a header line and one row per invoice'] });
  });

  it('refuses invalid options before reading anything', () => {
    assert.throws(() => createImporter({ map: 'amount' }), (e: unknown) => e instanceof CliOptionError && /--map entry "amount" is invalid/.test(e.message));
    assert.throws(() => createImporter({ map: 'total=Gross' }), (e: unknown) => e instanceof CliOptionError && /unknown field "total"/.test(e.message));
    assert.throws(() => createImporter({ dateFormat: 'DD/MM' }), (e: unknown) => e instanceof CliOptionError && /--date-format "DD\/MM"/.test(e.message));
    assert.throws(() => createImporter({ defaultCurrency: 'EURO' }), (e: unknown) => e instanceof CliOptionError && /"EURO"/.test(e.message));
  });
});
