import type { EventRecord, FraudTruth, InvoiceTruth, OutputRecord } from '../simulator/records';

/**
 * One NDJSON line (without the newline) of a record: `{"topic","key","partition"?,"event"}` for events (partition
 * only for clock ticks), `{"truth":{...}}` for the simulator's ground truth of an invoice, `{"fraud":{...}}` for that
 * of a fraudulent order.
 */
export function ndjsonLine(rec: OutputRecord): string {
  if (rec.kind === 'truth') return JSON.stringify({ truth: rec.truth });
  if (rec.kind === 'fraud') return JSON.stringify({ fraud: rec.truth });
  const r = rec.record;
  return JSON.stringify(r.partition === undefined ? { topic: r.topic, key: r.key, event: r.event } : { topic: r.topic, key: r.key, partition: r.partition, event: r.event });
}

/** A parsed NDJSON line: an event record or a truth record (of an invoice, or of a fraudulent order). */
export type NdjsonEntry = { readonly kind: 'event'; readonly record: EventRecord } | { readonly kind: 'truth'; readonly truth: InvoiceTruth } | { readonly kind: 'fraud'; readonly truth: FraudTruth };

/** Parses one line written by {@link ndjsonLine}; returns a reason instead when it is not one. */
export function parseNdjsonLine(line: string): NdjsonEntry | { readonly error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null) return { error: 'not a JSON object' };
  const o = value as Record<string, unknown>;
  if (typeof o.truth === 'object' && o.truth !== null) return { kind: 'truth', truth: o.truth as InvoiceTruth };
  if (typeof o.fraud === 'object' && o.fraud !== null) return { kind: 'fraud', truth: o.fraud as FraudTruth };
  if (typeof o.topic === 'string' && typeof o.key === 'string' && typeof o.event === 'object' && o.event !== null) {
    if (o.partition !== undefined && (typeof o.partition !== 'number' || !Number.isInteger(o.partition))) return { error: `partition ${JSON.stringify(o.partition)} is not an integer` };
    return { kind: 'event', record: o as unknown as EventRecord };
  }
  return { error: 'neither an event line ({topic, key, event}) nor a truth line ({truth} or {fraud})' };
}
