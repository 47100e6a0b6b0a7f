/**
 * The TypeScript shape of every creditstream event, as `@creditstream/schema`'s codec decodes and encodes it.
 * In Avro the payload is a union of named records; here the branch is named by `type`, the record's short name
 * (e.g. `InvoiceIssued`). Avro `date` fields are `YYYY-MM-DD` strings, `timestamp-millis` fields ISO-8601 UTC
 * strings with milliseconds, `long`s JS numbers, optional fields `null` when absent.
 */
export interface EventEnvelope<T extends string = string, P = Record<string, unknown>> {
  /** Unique id; deterministic for outputs, so consumers can drop duplicates. */
  eventId: string;
  /** Business time, ISO-8601 UTC with milliseconds, e.g. `2024-03-01T00:00:00.000Z`. */
  eventTime: string;
  /** Customer the event belongs to and the Kafka key; `"*"` for clock ticks and models. */
  customerId: string;
  /** eventId of the input event that caused this one; null for events from outside creditstream. */
  causationId: string | null;
  /** Short name of the payload record, e.g. `InvoiceIssued`. */
  type: T;
  payload: P;
}
