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

function tooLong(path: string, length: number, max: number): IdRefusal {
  // The value is not quoted: ids are customer data, and this message is logged and stored with the dead letter.
  return { code: 'ID_TOO_LONG', message: `${path} is ${length} characters long, over the limit of ${max}` };
}

function isIdField(name: string): boolean {
  return name.endsWith('Id');
}

/**
 * The first over-long `…Id` string field of `value`, walking records and arrays of records `depth` levels down: its
 * path below `value` (`.payload.applications[0].invoiceId`) and length. The path is built only for a refusal: every
 * record of every service goes through here, most of them with nothing to refuse.
 */
function scan(value: unknown, max: number, depth: number): { path: string; length: number } | null {
  if (depth < 0 || typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = scan(value[i], max, depth - 1);
      if (found) return { path: `[${i}]${found.path}`, length: found.length };
    }
    return null;
  }
  const record = value as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    const field = record[name];
    if (typeof field === 'string') {
      if (field.length > max && isIdField(name)) return { path: `.${name}`, length: field.length };
    } else if (typeof field === 'object' && field !== null) {
      const found = scan(field, max, depth - 1);
      if (found) return { path: `.${name}${found.path}`, length: found.length };
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
  if (key !== null && key.length > max) return tooLong('the message key', key.length, max);
  const found = scan(event, max, 4);
  return found === null ? null : tooLong(found.path.replace(/^\./, ''), found.length, max);
}
