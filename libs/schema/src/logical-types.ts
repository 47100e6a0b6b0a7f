import * as avro from 'avsc';

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Avro `date` (int days since 1970-01-01) as an ISO calendar date string `YYYY-MM-DD`. Business dates are strings
 * in TypeScript so that no time zone can shift them.
 */
export class DateType extends avro.types.LogicalType {
  override _fromValue(value: number): string {
    return new Date(value * DAY_MS).toISOString().slice(0, 10);
  }
  override _toValue(value: unknown): number | undefined {
    if (typeof value !== 'string' || !DATE_RE.test(value)) return undefined;
    const ms = Date.parse(`${value}T00:00:00.000Z`);
    // Date.parse rolls impossible days over (2024-02-30 is March 1st): such a date is refused, never shifted.
    return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value ? undefined : ms / DAY_MS;
  }
  override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'int', 'logical:date')) return (x) => x;
    return undefined;
  }
}

/** Avro `timestamp-millis` (long) as an ISO-8601 UTC string with milliseconds. */
export class TimestampMillisType extends avro.types.LogicalType {
  override _fromValue(value: number): string {
    return new Date(value).toISOString();
  }
  override _toValue(value: unknown): number | undefined {
    if (typeof value !== 'string') return undefined;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return undefined;
    // As for dates: an ISO timestamp on a day that does not exist (2024-02-30T10:00:00Z) is refused, not rolled over.
    const day = DATE_RE.exec(value.slice(0, 10)) ? value.slice(0, 10) : null;
    if (day !== null && new Date(Date.parse(`${day}T00:00:00.000Z`)).toISOString().slice(0, 10) !== day) return undefined;
    return ms;
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
