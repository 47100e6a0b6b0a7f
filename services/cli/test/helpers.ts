import * as avro from 'avsc';
import { DateType, TimestampMillisType } from '@creditstream/schema';
import { loadSchema } from '@creditstream/schemas';
import * as assert from 'node:assert/strict';
import { createImporter, type ImportOptions, type ImportResult } from '../src/importer';
import type { Io } from '../src/io';
import type { EventRecord, SimRecord } from '../src/simulator/records';

/** An Io that records what a command prints. */
export function recordingIo(msPerCall = 10): Io & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  let t = 0;
  return { outLines, errLines, out: (s) => outLines.push(s), err: (s) => errLines.push(s), now: () => (t += msPerCall) };
}

export function eventsOf(days: Iterable<SimRecord[]>): EventRecord[] {
  const out: EventRecord[] = [];
  for (const day of days) for (const r of day) if (r.kind === 'event') out.push(r.record);
  return out;
}

const types = new Map<string, avro.Type>();

/**
 * Problems of an event against its topic's Avro schema, after the same type+payload → union-branch mapping the codec
 * does (tests that need no registry check the contract this way; the integration tests use the real codec).
 */
export function schemaProblems(record: EventRecord): string[] {
  let type = types.get(record.topic);
  if (!type) {
    // A fresh registry per parse: avsc records named types in the options object, and dead-letter topics share one schema.
    type = avro.Type.forSchema(loadSchema(record.topic) as avro.Schema, { logicalTypes: { date: DateType, 'timestamp-millis': TimestampMillisType }, wrapUnions: 'auto' });
    types.set(record.topic, type);
  }
  const rec = type as avro.types.RecordType;
  const union = rec.field('payload')?.type;
  const { type: eventType, payload, ...rest } = record.event;
  let wrapped: unknown = payload;
  if (union instanceof avro.types.WrappedUnionType) {
    const branch = union.types.find((t) => t.name?.endsWith(`.${eventType}`));
    if (!branch?.name) return [`type ${eventType} is not a branch of ${record.topic}`];
    wrapped = { [branch.name]: payload };
  }
  const problems: string[] = [];
  type.isValid({ ...rest, payload: wrapped }, { errorHook: (path: string[], v: unknown) => problems.push(`${path.join('.')}=${JSON.stringify(v)}`) });
  return problems;
}

/** Imports `text` in one piece; a fatal result fails the test. */
export function runImporter(text: string, options: ImportOptions = {}): ImportResult {
  const importer = createImporter(options);
  importer.push(text);
  const result = importer.finish();
  if ('fatal' in result) assert.fail(`fatal: ${result.fatal.join('; ')}`);
  return result;
}
