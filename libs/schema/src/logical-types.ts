import * as avro from 'avsc';

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Entries a conversion memo keeps before it starts over (a few hundred KB at most). */
const MEMO_ENTRIES = 8192;

/**
 * A conversion's results by input, for the values events repeat: an outgoing features event carries two dates per
 * open invoice, and parsing and re-checking each one was about a tenth of the feature service's CPU in a replay.
 * Bounded: when full it starts over, so a stream of distinct values costs one map insert each, no growth.
 */
class Memo<K, V> {
  private readonly entries = new Map<K, V>();

  get(key: K, compute: (key: K) => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined || this.entries.has(key)) return hit as V;
    const value = compute(key);
    if (this.entries.size >= MEMO_ENTRIES) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }
}

function dateToDays(value: string): number | undefined {
  if (!DATE_RE.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00.000Z`);
  // Date.parse rolls impossible days over (2024-02-30 is March 1st): such a date is refused, never shifted.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value ? undefined : ms / DAY_MS;
}

function timestampToMillis(value: string): number | undefined {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  // As for dates: an ISO timestamp on a day that does not exist (2024-02-30T10:00:00Z) is refused, not rolled over.
  const day = DATE_RE.exec(value.slice(0, 10)) ? value.slice(0, 10) : null;
  if (day !== null && new Date(Date.parse(`${day}T00:00:00.000Z`)).toISOString().slice(0, 10) !== day) return undefined;
  return ms;
}

const daysByDate = new Memo<string, number | undefined>();
const dateByDays = new Memo<number, string>();
const millisByTimestamp = new Memo<string, number | undefined>();
const timestampByMillis = new Memo<number, string>();

/**
 * Avro `date` (int days since 1970-01-01) as an ISO calendar date string `YYYY-MM-DD`. Business dates are strings
 * in TypeScript so that no time zone can shift them.
 */
export class DateType extends avro.types.LogicalType {
  override _fromValue(value: number): string {
    return dateByDays.get(value, (days) => new Date(days * DAY_MS).toISOString().slice(0, 10));
  }
  override _toValue(value: unknown): number | undefined {
    return typeof value === 'string' ? daysByDate.get(value, dateToDays) : undefined;
  }
  override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'int', 'logical:date')) return (x) => x;
    return undefined;
  }
}

/** Avro `timestamp-millis` (long) as an ISO-8601 UTC string with milliseconds. */
export class TimestampMillisType extends avro.types.LogicalType {
  override _fromValue(value: number): string {
    return timestampByMillis.get(value, (ms) => new Date(ms).toISOString());
  }
  override _toValue(value: unknown): number | undefined {
    return typeof value === 'string' ? millisByTimestamp.get(value, timestampToMillis) : undefined;
  }
  override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'long', 'logical:timestamp-millis')) return (x) => x;
    return undefined;
  }
}

/**
 * Options for `avro.Type.forSchema` shared by every creditstream type, so writer and reader types agree. A fresh
 * object each call: avsc stores every named type it parses in `options.registry`, so a shared object would make the
 * second parse of the same record name fail.
 */
export function avroOptions(): Partial<avro.ForSchemaOptions> {
  return { logicalTypes: { date: DateType, 'timestamp-millis': TimestampMillisType }, wrapUnions: 'auto' };
}
