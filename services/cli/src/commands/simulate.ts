import type { Command } from 'commander';
import { TOPIC, topic } from '@creditstream/schemas';
import { CliOptionError } from '../errors';
import type { Io } from '../io';
import { Pacer } from '../output/pacer';
import { compileSimulateOptions, DEFAULT_START, simulate, simulateWithCreditGroups } from '../simulator';
import type { OutputRecord } from '../simulator/records';
import { grouped, intOption, positiveNumber } from './numbers';
import { openTarget } from './target';

export interface SimulateCommandOptions {
  seed: number;
  customers: number;
  days: number;
  start?: string;
  rate?: number;
  out?: string;
  /** Ground-truth NDJSON when writing to Kafka (with --out the truth is in the output). */
  truth?: string;
  /** With --rate: the first N days go out as fast as possible (history), the rest at the rate (live). */
  historyDays?: number;
  /** Credit groups to form among the first customers (0 or absent: none; the output is then unchanged). */
  creditGroups?: number;
}

export interface SimulateSummary {
  readonly events: number;
  readonly invoices: number;
  /** Fraudulent orders marked in the ground truth. */
  readonly fraudulentOrders: number;
  readonly seconds: number;
}

/** Runs `creditstream simulate`: generates the company and writes it to the target, paced when `rate` is given. */
export async function runSimulate(o: SimulateCommandOptions, io: Io, environment: Record<string, string | undefined> = process.env): Promise<SimulateSummary> {
  // Validate before opening anything: a bad option must not leave an empty output file behind.
  if (o.out !== undefined && o.truth !== undefined) throw new CliOptionError('truth', '--truth is for output to Kafka: with --out the ground truth lines are in the output file');
  compileSimulateOptions({ seed: o.seed, customers: o.customers, days: o.days, start: o.start ?? DEFAULT_START, ...(o.creditGroups === undefined ? {} : { creditGroups: o.creditGroups }) });
  const started = io.now();
  const target = await openTarget(o.out, topic(TOPIC.clock).partitions, 'creditstream-simulate', o.truth, environment);
  const pacer = o.rate === undefined ? null : new Pacer(o.rate);
  let events = 0;
  let invoices = 0;
  let fraudulentOrders = 0;
  let lastProgress = started;
  let dayIndex = 0;
  try {
    const options = { seed: o.seed, customers: o.customers, days: o.days, start: o.start ?? DEFAULT_START, partitions: target.clockPartitions };
    const days: Iterable<OutputRecord[]> = o.creditGroups === undefined ? simulate(options) : simulateWithCreditGroups({ ...options, creditGroups: o.creditGroups });
    for (const day of days) {
      const live = pacer !== null && dayIndex++ >= (o.historyDays ?? 0);
      if (live && pacer) {
        for (let i = 0; i < day.length; i += pacer.chunkSize()) {
          const chunk = day.slice(i, i + pacer.chunkSize());
          await pacer.admit(countEvents(chunk));
          await target.sink.write(chunk);
        }
      } else {
        await target.sink.write(day);
      }
      for (const r of day) {
        if (r.kind === 'event' || r.kind === 'credit') events++;
        else if (r.kind === 'truth') invoices++;
        else fraudulentOrders++;
      }
      const now = io.now();
      if (now - lastProgress >= 2000) {
        lastProgress = now;
        const first = day.find((r) => r.kind === 'event');
        io.err(`simulated up to ${first?.kind === 'event' ? first.record.event.eventTime.slice(0, 10) : '?'}: ${grouped(events)} events`);
      }
    }
  } finally {
    await target.sink.close();
  }
  const seconds = (io.now() - started) / 1000;
  io.out(`wrote ${grouped(events)} events and the ground truth of ${grouped(invoices)} invoices and ${grouped(fraudulentOrders)} fraudulent orders to ${target.description} in ${seconds.toFixed(1)} s (${grouped(events / Math.max(seconds, 1e-3))} events/s)`);
  return { events, invoices, fraudulentOrders, seconds };
}

function countEvents(records: readonly OutputRecord[]): number {
  let n = 0;
  for (const r of records) if (r.kind === 'event' || r.kind === 'credit') n++;
  return n;
}

/** Registers `creditstream simulate`. */
export function registerSimulate(program: Command, io: Io): void {
  program
    .command('simulate')
    .description('Simulate a company (customers with latent payment behaviours, orders, invoices, payments, disputes, NSF, write-offs, business-day ticks) and write its events to Kafka, or to NDJSON with --out. The same seed gives byte-identical output.')
    .requiredOption('--seed <n>', 'random seed', intOption(0, Number.MAX_SAFE_INTEGER))
    .requiredOption('--customers <n>', 'number of customers', intOption(1, 10_000_000))
    .requiredOption('--days <n>', 'calendar days to simulate', intOption(1, 36_500))
    .option('--start <date>', `first business date (YYYY-MM-DD)`, DEFAULT_START)
    .option('--rate <eventsPerSecond>', 'pace the output at this many events per second (default: as fast as possible)', positiveNumber)
    .option('--out <file>', 'write NDJSON to this file (- for standard output) instead of Kafka')
    .option('--history-days <n>', 'with --rate: write the first N days as fast as possible (a history replay), then pace the rest (a live stream)', intOption(0, 36_500))
    .option('--truth <file>', 'when writing to Kafka: also write the invoices\' ground truth to this NDJSON file')
    .option('--credit-groups <n>', 'form N credit groups (customers sharing a credit limit) among the first 4 × N customers: SetCreditGroup commands and group limits (default: none)', intOption(1, 1_000_000))
    .action(async (opts: SimulateCommandOptions) => {
      await runSimulate(opts, io);
    });
}
