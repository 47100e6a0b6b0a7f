/** Why a record was refused: a machine-readable code and a message naming the field. */
export interface IdRefusal {
  code: 'ID_TOO_LONG';
  message: string;
}

/**
 * Longest id the runtime accepts in a record: its key and every `…Id` field of the envelope and payload. Ids are
 * kept in memory, in checkpoints, read models and output events: an unbounded one (10,000 characters from a broken
 * producer) would be copied into all of them.
 */
export const MAX_ID_LENGTH = 256;

function tooLong(path: string, value: string, max: number): IdRefusal {
  // The value is not quoted: ids are customer data, and this message is logged and stored with the dead letter.
  return { code: 'ID_TOO_LONG', message: `${path} is ${value.length} characters long, over the limit of ${max}` };
}

function isIdField(name: string): boolean {
  return name.endsWith('Id');
}

/** The first over-long `…Id` string field of `value`, walking records and arrays of records `depth` levels down. */
function scan(value: unknown, path: string, max: number, depth: number): IdRefusal | null {
  if (depth < 0 || typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = scan(value[i], `${path}[${i}]`, max, depth - 1);
      if (found) return found;
    }
    return null;
  }
  for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
    const at = path === '' ? name : `${path}.${name}`;
    if (typeof field === 'string') {
      if (field.length > max && isIdField(name)) return tooLong(at, field, max);
    } else if (typeof field === 'object' && field !== null) {
      const found = scan(field, at, max, depth - 1);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Refuses a decoded record whose message key or any id field (`eventId`, `customerId`, `causationId`, and the
 * payload's `invoiceId`, `orderId`, `paymentId`, …, also in arrays such as payment applications) is longer than
 * `max`, with reason code `ID_TOO_LONG`. Null when every id is within the limit.
 */
export function checkIdLengths(event: unknown, key: string | null, max: number = MAX_ID_LENGTH): IdRefusal | null {
  if (key !== null && key.length > max) return tooLong('the message key', key, max);
  return scan(event, '', max, 4);
}
