import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { TruthFileError } from '../errors';
import { parseNdjsonLine } from '../output/ndjson';
import { simulate, type SimulateOptions } from '../simulator';
import type { FraudTruth, InvoiceTruth } from '../simulator/records';

/**
 * Reads the ground truth of every invoice from a file written by `creditstream simulate --out` (or `--truth`),
 * keyed by invoice id, for evaluating models against the best achievable predictions.
 * @throws TruthFileError naming the first line that is not an NDJSON record of the simulator.
 */
export async function readGroundTruth(file: string): Promise<Map<string, InvoiceTruth>> {
  const truths = new Map<string, InvoiceTruth>();
  for await (const entry of readEntries(file)) if (entry.kind === 'truth') truths.set(entry.truth.invoiceId, entry.truth);
  return truths;
}

/** Every record of a simulator NDJSON file. @throws TruthFileError naming the first line that is not one. */
async function* readEntries(file: string) {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const entry = parseNdjsonLine(line);
    if ('error' in entry) throw new TruthFileError(file, n, entry.error);
    yield entry;
  }
}

/** The ground truth of a simulation, recomputed in process (pure: the same options give the same truth). */
export function groundTruth(options: SimulateOptions): InvoiceTruth[] {
  const out: InvoiceTruth[] = [];
  for (const day of simulate(options)) for (const r of day) if (r.kind === 'truth') out.push(r.truth);
  return out;
}

/**
 * Reads the ground truth of every fraudulent order (`{"fraud":…}` lines) from a file written by `creditstream
 * simulate --out` (or `--truth`), keyed by `<customer>/<order>`: every order not in it is legitimate.
 * @throws TruthFileError naming the first line that is not an NDJSON record of the simulator.
 */
export async function readFraudTruth(file: string): Promise<Map<string, FraudTruth>> {
  const truths = new Map<string, FraudTruth>();
  for await (const entry of readEntries(file)) if (entry.kind === 'fraud') truths.set(`${entry.truth.customerId}/${entry.truth.orderId}`, entry.truth);
  return truths;
}
