import * as avro from 'avsc';

/**
 * The TypeScript shape of every creditstream event, as the codec decodes and encodes it. In Avro the payload is a
 * union of named records; here the branch is named by `type`, the record's short name (e.g. `InvoiceIssued`).
 * Avro `date` fields are `YYYY-MM-DD` strings, `timestamp-millis` fields ISO-8601 UTC strings with milliseconds,
 * `long`s JS numbers, optional fields `null` when absent.
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

/** How `type` + `payload` map onto the Avro union of an envelope record. */
export interface PayloadMapping {
  /** short name → branch name the union uses (full name when the union is wrapped, else null = unwrapped). */
  readonly branches: ReadonlyMap<string, string | null>;
  /** Branch key in a wrapped union → short name. */
  readonly shortNames: ReadonlyMap<string, string>;
}

function shortName(fullName: string): string {
  const i = fullName.lastIndexOf('.');
  return i < 0 ? fullName : fullName.slice(i + 1);
}

/** Finds the `payload` union of an envelope record type, or null when the type is not an envelope. */
export function payloadMapping(type: avro.Type): PayloadMapping | null {
  if (!(type instanceof avro.types.RecordType)) return null;
  const field = type.field('payload');
  if (!field) return null;
  const union = field.type;
  const branches = new Map<string, string | null>();
  const shortNames = new Map<string, string>();
  if (union instanceof avro.types.WrappedUnionType) {
    for (const t of union.types) {
      if (!t.name) continue;
      branches.set(shortName(t.name), t.name);
      shortNames.set(t.name, shortName(t.name));
    }
  } else if (union instanceof avro.types.UnwrappedUnionType) {
    for (const t of union.types) if (t.name) branches.set(shortName(t.name), null);
  } else if (union instanceof avro.types.RecordType && union.name) {
    branches.set(shortName(union.name), null);
  } else {
    return null;
  }
  return { branches, shortNames };
}

/** Converts a TypeScript envelope into the value avsc expects, or returns a reason why it cannot. */
export function toAvroValue(mapping: PayloadMapping | null, event: unknown): { value: unknown } | { error: string } {
  if (!mapping) return { value: event };
  if (typeof event !== 'object' || event === null) return { error: `expected an event object, got ${JSON.stringify(event)}` };
  const e = event as Partial<EventEnvelope>;
  if (typeof e.type !== 'string' || !mapping.branches.has(e.type)) {
    return { error: `type=${JSON.stringify(e.type)} is not one of ${[...mapping.branches.keys()].join(', ')}` };
  }
  const branch = mapping.branches.get(e.type);
  const { type: _type, ...rest } = e;
  return { value: { ...rest, payload: branch ? { [branch]: e.payload } : e.payload } };
}

/** Converts a decoded avsc value back into a TypeScript envelope with `type` and `payload`. */
export function fromAvroValue(mapping: PayloadMapping | null, value: Record<string, unknown>): unknown {
  if (!mapping) return value;
  const payload = value.payload as Record<string, unknown>;
  let type: string | undefined;
  let inner: unknown = payload;
  if (mapping.shortNames.size > 0) {
    const key = Object.keys(payload)[0] ?? '';
    type = mapping.shortNames.get(key);
    inner = payload[key];
  } else {
    type = mapping.branches.keys().next().value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'payload') out[k] = v;
  out.type = type;
  out.payload = inner;
  return out;
}
