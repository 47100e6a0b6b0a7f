/** The leading fields every creditstream event shares, in this order in every Avro schema. */
export interface EnvelopeHeader {
  eventId: string;
  customerId: string;
  causationId: string | null;
}

/**
 * Reads the envelope's first fields (eventId, eventTime, customerId, causationId) from a Confluent-framed Avro value
 * without decoding the payload: the benchmark's consumer shares the machine with the services, and the tracing needs
 * nothing else from most outputs. Every schema starts with these fields (schemas/avro).
 */
export function readEnvelopeHeader(value: Buffer): EnvelopeHeader {
  let pos = 5; // magic byte + registry id
  const long = (): number => {
    let shift = 0;
    let n = 0;
    for (;;) {
      const b = value[pos++] as number;
      n += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  };
  const string = (): string => {
    const length = long();
    const s = value.toString('utf8', pos, pos + length);
    pos += length;
    return s;
  };
  const eventId = string();
  long(); // eventTime
  const customerId = string();
  const causationId = long() === 0 ? null : string();
  return { eventId, customerId, causationId };
}
