import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runImport } from '../src/commands/import';
import { runSimulate } from '../src/commands/simulate';
import { CliOptionError, ImportFileError, ImportRejectedError } from '../src/errors';
import { parseNdjsonLine } from '../src/output/ndjson';
import { groundTruth, readGroundTruth } from '../src/truth/read-truth';
import { recordingIo } from './helpers';

const CLI = path.join(__dirname, '..', '..', 'bin', 'creditstream.js');

describe('commands', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creditstream-cli-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('simulate --out writes NDJSON lines of the documented shape and reports events/s', async () => {
    const out = path.join(dir, 'sim.ndjson');
    const io = recordingIo();
    const summary = await runSimulate({ seed: 3, customers: 50, days: 60, out }, io);
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, summary.events + summary.invoices + summary.fraudulentOrders);
    let ticks = 0;
    for (const line of lines) {
      const entry = parseNdjsonLine(line);
      assert.ok(!('error' in entry), line);
      if (entry.kind === 'event') {
        assert.deepEqual(Object.keys(JSON.parse(line) as object), entry.record.partition === undefined ? ['topic', 'key', 'event'] : ['topic', 'key', 'partition', 'event']);
        if (entry.record.partition !== undefined) ticks++;
      }
    }
    assert.equal(ticks % 6, 0);
    assert.match(io.outLines.join('\n'), /^wrote [\d,]+ events and the ground truth of [\d,]+ invoices and [\d,]+ fraudulent orders to .*sim\.ndjson in [\d.]+ s \([\d,]+ events\/s\)$/);
  });

  it('simulate refuses --truth together with --out (the truth is already in the output)', async () => {
    const out = path.join(dir, 'sim.ndjson');
    await assert.rejects(runSimulate({ seed: 1, customers: 1, days: 1, out, truth: path.join(dir, 't') }, recordingIo()), (e: unknown) => e instanceof CliOptionError && /--truth/.test(e.message));
    assert.equal(fs.existsSync(out), false);
  });

  it('the ground truth is retrievable from the NDJSON and equals the recomputed truth', async () => {
    const out = path.join(dir, 'sim.ndjson');
    await runSimulate({ seed: 5, customers: 40, days: 90, out }, recordingIo());
    const fromFile = await readGroundTruth(out);
    const recomputed = groundTruth({ seed: 5, customers: 40, days: 90 });
    assert.ok(recomputed.length > 100);
    assert.equal(fromFile.size, recomputed.length);
    for (const t of recomputed) assert.deepEqual(fromFile.get(t.invoiceId), t);
  });

  it('import --out writes the good rows\' events and prints the count of skipped rows', async () => {
    const csv = path.join(dir, 'in.csv');
    fs.writeFileSync(csv, 'customerId,invoiceId,invoiceDate,dueDate,amount,currency,settledDate,disputed\nC1,I1,2024-01-02,2024-02-01,10,USD,2024-01-20,no\nC1,I2,bad,2024-02-01,10,USD,,no\n');
    const out = path.join(dir, 'out.ndjson');
    const io = recordingIo();
    const summary = await runImport(csv, { out }, io);
    assert.deepEqual(summary, { rows: 2, imported: 1, skipped: 1, events: 3 + 14 * 6 });
    assert.deepEqual(io.errLines, [`${csv}:3: invoiceDate "bad" does not match the date format YYYY-MM-DD`]);
    assert.match(io.outLines.join('\n'), /imported 1 of 2 rows as 87 events to .*out\.ndjson; skipped 1 bad row$/);
    assert.equal(fs.readFileSync(out, 'utf8').trimEnd().split('\n').length, 87);
  });

  it('import --strict writes nothing when a row is bad', async () => {
    const csv = path.join(dir, 'in.csv');
    fs.writeFileSync(csv, 'customerId,invoiceId,invoiceDate,dueDate,amount,currency\nC1,I1,2024-01-02,2024-02-01,10,USD\nC1,I2,2024-01-02,2024-02-01,10,USD,extra\n');
    const out = path.join(dir, 'out.ndjson');
    const io = recordingIo();
    await assert.rejects(runImport(csv, { out, strict: true }, io), (e: unknown) => e instanceof ImportRejectedError && e.badRows === 1);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(io.errLines, [`${csv}:3: has 7 fields, the header has 6`]);
  });

  it('import refuses a missing file and a file it cannot import, naming them', async () => {
    await assert.rejects(runImport(path.join(dir, 'nope.csv'), { out: path.join(dir, 'o') }, recordingIo()), (e: unknown) => e instanceof ImportFileError && /nope\.csv/.test(e.message));
    const csv = path.join(dir, 'cols.csv');
    fs.writeFileSync(csv, 'a,b\n1,2\n');
    await assert.rejects(runImport(csv, { out: path.join(dir, 'o') }, recordingIo()), (e: unknown) => e instanceof ImportFileError && /no column for customerId/.test(e.message));
  });

  it('import shows progress for large files', async () => {
    const csv = path.join(dir, 'big.csv');
    const rows = ['customerId,invoiceId,invoiceDate,dueDate,amount,currency,settledDate,disputed,notes'];
    const pad = 'x'.repeat(60);
    for (let i = 0; i < 80_000; i++) rows.push(`C${i % 500},I${i},2024-01-${String((i % 28) + 1).padStart(2, '0')},2024-03-01,${i + 1}.25,EUR,2024-02-15,no,${pad}`);
    fs.writeFileSync(csv, rows.join('\n'));
    assert.ok(fs.statSync(csv).size > 5 * 1024 * 1024);
    const io = recordingIo(700);
    const summary = await runImport(csv, { out: path.join(dir, 'big.ndjson') }, io);
    assert.equal(summary.imported, 80_000);
    assert.ok(io.errLines.some((l) => /^read \d+% of .*big\.csv \([\d,]+ rows\)$/.test(l)), io.errLines.join('\n'));
    assert.ok(io.errLines.some((l) => /^wrote [\d,]+ of [\d,]+ events$/.test(l)), io.errLines.join('\n'));
  });

  it('the creditstream executable runs commands and exits non-zero with a message on bad input', () => {
    const out = path.join(dir, 'sim.ndjson');
    const ok = spawnSync(process.execPath, [CLI, 'simulate', '--seed', '1', '--customers', '10', '--days', '20', '--out', out], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^wrote [\d,]+ events/);
    assert.ok(fs.statSync(out).size > 0);

    const badStart = spawnSync(process.execPath, [CLI, 'simulate', '--seed', '1', '--customers', '10', '--days', '20', '--start', '2024-13-01', '--out', path.join(dir, 'x')], { encoding: 'utf8' });
    assert.equal(badStart.status, 2);
    assert.match(badStart.stderr, /start="2024-13-01" is invalid/);
    assert.equal(fs.existsSync(path.join(dir, 'x')), false);

    const badSeed = spawnSync(process.execPath, [CLI, 'simulate', '--seed', 'abc', '--customers', '10', '--days', '20'], { encoding: 'utf8' });
    assert.notEqual(badSeed.status, 0);
    assert.match(badSeed.stderr, /"abc" is not an integer/);

    const csv = path.join(dir, 'in.csv');
    fs.writeFileSync(csv, 'customerId,invoiceId,invoiceDate,dueDate,amount,currency\nC1,I1,2024-01-02,2024-01-01,10,USD\n');
    const strict = spawnSync(process.execPath, [CLI, 'import', csv, '--strict', '--out', path.join(dir, 'y')], { encoding: 'utf8' });
    assert.equal(strict.status, 1);
    assert.match(strict.stderr, /in\.csv:2: dueDate "2024-01-01" is before invoiceDate "2024-01-02"/);
    assert.match(strict.stderr, /1 bad row: nothing was imported \(--strict\)/);
    assert.equal(fs.existsSync(path.join(dir, 'y')), false);
  });
});
