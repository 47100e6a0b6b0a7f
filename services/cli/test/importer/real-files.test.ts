import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createPointInTimeBuilder, trainPaymentModel } from '@creditstream/model';
import { prng } from '@creditstream/testing';
import { runImport } from '../../src/commands/import';
import { CliOptionError, ImportEmptyError } from '../../src/errors';
import { createImporter, normaliseCountry, planImport } from '../../src/importer';
import { recordingIo, runImporter } from '../helpers';

const us = (d: Date) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;

/**
 * A file shaped like a real accounts-receivable history (issue 15: ~2,500 invoices of 100 customers over two years,
 * 30-day terms, about a third paid late): numeric country codes — some not ISO at all —, Paper/Electronic, US dates.
 * Each customer has a latent lateness, so its history predicts its next invoice.
 */
function arHistory(seed: number): string {
  const random = prng(seed);
  const countries = ['391', '406', '770', '818'];
  const lines = ['customerID,invoiceNumber,countryCode,InvoiceDate,DueDate,InvoiceAmount,SettledDate,PaperlessBill,Disputed'];
  const start = Date.UTC(2023, 0, 2);
  const day = 86_400_000;
  for (let c = 0; c < 100; c++) {
    const lateness = random() * 2.2 - 1.6;
    const paper = random() < 0.5 ? 'Paper' : 'Electronic';
    const country = countries[c % countries.length] as string;
    for (let t = (c * 7) % 29; t < 700; t += 22 + Math.floor(random() * 14)) {
      const issued = start + t * day;
      const amount = (20 + random() * 120).toFixed(2);
      const disputed = random() < 0.05;
      const score = lateness + (disputed ? 1 : 0) + (paper === 'Paper' ? 0.3 : 0) + (random() - 0.5);
      const daysLate = score < 0 ? -Math.floor(random() * 10) : Math.floor(score * 30 + random() * 10);
      const settled = issued + (30 + daysLate) * day;
      const open = settled > start + 730 * day;
      lines.push([`${1000 + c}-CUST`, `INV${c}-${t}`, country, us(new Date(issued)), us(new Date(issued + 30 * day)), amount, open ? '' : us(new Date(settled)), paper, disputed ? 'Yes' : 'No'].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('importer: real files as they come (issue 15)', function () {
  this.timeout(300_000);

  it('maps numeric and alpha-3 ISO country codes to alpha-2 and keeps anything else as given', () => {
    assert.deepEqual(['818', '276', '76', 'deu', 'de', ' fr ', '391', 'Germany'].map(normaliseCountry), ['EG', 'DE', 'BR', 'DE', 'DE', 'FR', '391', 'Germany']);
  });

  it('reads paperless as Electronic/Paper, E-mail/Post or yes/no in any case; an unreadable value is left out with one count per column, never the row', () => {
    const text = [
      'customerId,invoiceId,invoiceDate,dueDate,amount,currency,country,paperless',
      'C1,I1,2024-01-02,2024-02-01,10,EUR,818,Electronic',
      'C2,I2,2024-01-02,2024-02-01,10,EUR,391,PAPER',
      'C3,I3,2024-01-02,2024-02-01,10,EUR,de,e-mail',
      'C4,I4,2024-01-02,2024-02-01,10,EUR,DEU,Post',
      'C5,I5,2024-01-02,2024-02-01,10,EUR,,fax',
      'C6,I6,2024-01-02,2024-02-01,10,EUR,,carrier pigeon',
      'C7,I7,2024-01-02,2024-02-01,10,EUR,,',
    ].join('\n');
    const result = runImporter(text);
    assert.deepEqual(result.problems, []);
    assert.equal(result.goodRows, 7);
    assert.deepEqual(result.invoices.map((r) => [r.country, r.paperless]), [['EG', true], ['391', false], ['DE', true], ['DE', false], [null, null], [null, null], [null, null]]);
    assert.deepEqual(result.dropped, [{ field: 'paperless', count: 2, firstLine: 6, firstReason: 'paperless "fax" is none of yes/no, true/false, 1/0, Electronic/Paper, E-mail/Post' }]);
  });

  it('--map field= ignores a column its alias would find; a required field cannot be ignored', () => {
    const text = ['customerId,invoiceId,invoiceDate,dueDate,amount,currency,country,paperless', 'C1,I1,2024-01-02,2024-02-01,10,EUR,???,maybe'].join('\n');
    const result = runImporter(text, { map: 'country=,paperless=' });
    assert.deepEqual(result.invoices.map((r) => [r.country, r.paperless]), [[null, null]]);
    assert.deepEqual(result.dropped, []);
    assert.throws(() => createImporter({ map: 'amount=' }), (e: unknown) => e instanceof CliOptionError && /ignores amount, which every row needs/.test(e.message));
    const noCurrency = createImporter({ map: 'currency=' });
    noCurrency.push(text);
    const fatal = noCurrency.finish();
    assert.ok('fatal' in fatal && /no column for currency/.test(fatal.fatal.join('; ')));
  });

  it('import exits 1 (ImportEmptyError) when every row is skipped, and warns once per column about left-out values', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creditstream-import-'));
    try {
      const bad = path.join(dir, 'bad.csv');
      fs.writeFileSync(bad, 'customerId,invoiceId,invoiceDate,dueDate,amount,currency\nC1,I1,2024-13-01,2024-02-01,10,EUR\nC1,I2,2024-01-02,2024-02-01,ten,EUR\n');
      const io = recordingIo();
      await assert.rejects(runImport(bad, { out: path.join(dir, 'out.ndjson') }, io), (e: unknown) => e instanceof ImportEmptyError && e.code === 'IMPORT_NOTHING_IMPORTED' && /all 2 rows of .*bad\.csv were skipped/.test(e.message));
      assert.equal(fs.existsSync(path.join(dir, 'out.ndjson')), false, 'nothing written');
      const headerOnly = path.join(dir, 'empty.csv');
      fs.writeFileSync(headerOnly, 'customerId,invoiceId,invoiceDate,dueDate,amount,currency\n');
      await assert.rejects(runImport(headerOnly, { out: '-' }, recordingIo()), (e: unknown) => e instanceof ImportEmptyError && /has a header but no rows/.test(e.message));

      const odd = path.join(dir, 'odd.csv');
      fs.writeFileSync(odd, 'customerId,invoiceId,invoiceDate,dueDate,amount,currency,paperless\nC1,I1,2024-01-02,2024-02-01,10,EUR,fax\nC1,I2,2024-01-03,2024-02-02,10,EUR,telex\n');
      const warned = recordingIo();
      const summary = await runImport(odd, { out: path.join(dir, 'odd.ndjson') }, warned);
      assert.equal(summary.imported, 2);
      assert.deepEqual(warned.errLines.filter((l) => l.includes('paperless')), [`${odd}: paperless: 2 values could not be read and were left out, the rows imported without them (first on line 2: paperless "fax" is none of yes/no, true/false, 1/0, Electronic/Paper, E-mail/Post)`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports a file shaped like a real AR history (numeric countries, Paper/Electronic, US dates) without skipping a row, and trains on it', async () => {
    const csv = arHistory(15);
    const result = runImporter(csv, { dateFormat: 'M/D/YYYY', defaultCurrency: 'USD' });
    assert.deepEqual(result.problems.slice(0, 3), []);
    assert.ok(result.goodRows >= 2000 && result.goodRows <= 3200, `${result.goodRows} invoices`);
    assert.deepEqual(result.dropped, []);
    assert.deepEqual(new Set(result.invoices.map((r) => r.country)), new Set(['391', '406', '770', 'EG']));
    const builder = createPointInTimeBuilder();
    let offset = 0;
    for (const { topic, partition, event } of planImport(result.invoices, 1)) builder.apply(event, { topic, partition: partition ?? 0, offset: offset++ });
    const logged: string[] = [];
    const outcome = await trainPaymentModel(builder.finish(), { seed: 1, explainRows: 100 }, (m) => logged.push(m));
    assert.equal(outcome.kind, 'trained', outcome.kind === 'insufficient' ? outcome.reasons.join('; ') : '');
    const m = outcome.model;
    const b = m.baselines!;
    assert.ok(m.metrics!.accuracy > b.majority.accuracy, `accuracy ${m.metrics!.accuracy} vs majority ${b.majority.accuracy}`);
    assert.ok(m.metrics!.logLoss < 0.75 * b.majority.logLoss, `log-loss ${m.metrics!.logLoss} vs naive ${b.majority.logLoss}`);
    assert.ok(m.metrics!.logLoss <= b.logistic!.logLoss * 1.01, `log-loss ${m.metrics!.logLoss} vs logistic alone ${b.logistic!.logLoss}`);
    assert.ok(logged.some((l) => l.startsWith('candidate logistic')) && logged.some((l) => l.startsWith('candidate lightgbm')));
  });
});
