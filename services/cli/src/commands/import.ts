import * as fs from 'node:fs';
import type { Command } from 'commander';
import { TOPIC, topic } from '@creditstream/schemas';
import { ImportEmptyError, ImportFileError, ImportRejectedError } from '../errors';
import { createImporter, planImport } from '../importer';
import type { Io } from '../io';
import type { SimRecord } from '../simulator/records';
import { grouped } from './numbers';
import { openTarget } from './target';

export interface ImportCommandOptions {
  map?: string;
  dateFormat?: string;
  defaultCurrency?: string;
  strict?: boolean;
  out?: string;
  delimiter?: string;
}

export interface ImportSummary {
  readonly rows: number;
  readonly imported: number;
  readonly skipped: number;
  readonly events: number;
}

/** Files at least this big show progress while they are read. */
const PROGRESS_BYTES = 5 * 1024 * 1024;
const WRITE_CHUNK = 5000;

/**
 * Runs `creditstream import FILE.csv`: reads and validates every row, reports each bad row with its line, then
 * writes the good rows' events (nothing at all under `--strict` when a row is bad). An optional customer attribute that
 * cannot be read is left out of its row (one warning per column with the count), never a reason to skip the row.
 * @throws ImportFileError when the file cannot be imported at all; ImportRejectedError under --strict;
 *   ImportEmptyError when no row is good (exit 1: a file whose every row is skipped is not an import).
 */
export async function runImport(file: string, o: ImportCommandOptions, io: Io, environment: Record<string, string | undefined> = process.env): Promise<ImportSummary> {
  // Validates the options before the file is read.
  const importer = createImporter(o);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    throw new ImportFileError(file, `cannot read ${file}: ${(err as Error).message}`);
  }
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let read = 0;
  let lastProgress = io.now();
  const showProgress = size >= PROGRESS_BYTES;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    read += bytes.length;
    importer.push(decoder.decode(bytes, { stream: true }));
    if (showProgress && io.now() - lastProgress >= 1000) {
      lastProgress = io.now();
      io.err(`read ${Math.floor((read / size) * 100)}% of ${file} (${grouped(importer.rowsRead)} rows)`);
    }
  }
  importer.push(decoder.decode());
  const result = importer.finish();
  if ('fatal' in result) throw new ImportFileError(file, `${file} cannot be imported: ${result.fatal.join('; ')}`);
  for (const p of result.problems) io.err(`${file}:${p.line}: ${p.reason}`);
  for (const d of result.dropped) {
    io.err(`${file}: ${d.field}: ${grouped(d.count)} value${d.count === 1 ? '' : 's'} could not be read and ${d.count === 1 ? 'was' : 'were'} left out, the rows imported without ${d.count === 1 ? 'it' : 'them'} (first on line ${d.firstLine}: ${d.firstReason})`);
  }
  if (o.strict && result.problems.length > 0) throw new ImportRejectedError(result.problems.length);
  if (result.goodRows === 0) throw new ImportEmptyError(file, result.rows);

  // Opened only now, so that --strict with bad rows touches nothing; its clock partition count decides the ticks.
  const target = await openTarget(o.out, topic(TOPIC.clock).partitions, 'creditstream-import', undefined, environment);
  const records = planImport(result.invoices, target.clockPartitions);
  try {
    for (let i = 0; i < records.length; i += WRITE_CHUNK) {
      const chunk: SimRecord[] = records.slice(i, i + WRITE_CHUNK).map((record) => ({ kind: 'event', record }));
      await target.sink.write(chunk);
      if (showProgress && io.now() - lastProgress >= 1000) {
        lastProgress = io.now();
        io.err(`wrote ${grouped(i + chunk.length)} of ${grouped(records.length)} events`);
      }
    }
  } finally {
    await target.sink.close();
  }
  const skipped = result.problems.length;
  io.out(`imported ${grouped(result.goodRows)} of ${grouped(result.rows)} rows as ${grouped(records.length)} events to ${target.description}; skipped ${grouped(skipped)} bad row${skipped === 1 ? '' : 's'}`);
  return { rows: result.rows, imported: result.goodRows, skipped, events: records.length };
}

/** Registers `creditstream import`. */
export function registerImport(program: Command, io: Io): void {
  program
    .command('import')
    .description('Import a CSV of historical invoices (one row per invoice) as the events live operation would have produced, in event-time order, to Kafka or to NDJSON with --out. Columns: customerId, invoiceId, invoiceDate, dueDate, amount, currency, settledDate (empty = open), disputed, and optional country, segment, paperless (an unreadable optional value is left out, never the row).')
    .argument('<file>', 'CSV file; the header is line 1')
    .option('--map <field=Column,...>', 'name the column of a field when the header differs, e.g. customerId=Debtor,amount=Gross; field= ignores a field (e.g. country=)')
    .option('--date-format <format>', 'format of the date columns (YYYY, YY, MM, M, DD, D)', 'YYYY-MM-DD')
    .option('--default-currency <code>', 'ISO 4217 currency of rows without one')
    .option('--delimiter <char>', 'field delimiter (default: detected from the header: comma, semicolon or tab)')
    .option('--strict', 'write nothing if any row is bad')
    .option('--out <file>', 'write NDJSON to this file (- for standard output) instead of Kafka')
    .action(async (file: string, opts: ImportCommandOptions) => {
      await runImport(file, opts, io);
    });
}
