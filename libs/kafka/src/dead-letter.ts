import type { IHeaders } from 'kafkajs';
import type { SchemaCodec } from '@creditstream/schema';
import type { InboundMessage } from './consumer';

/** A message the runner gave up on, with its machine-readable reason. */
export interface DeadLetterItem {
  message: InboundMessage<unknown>;
  code: string;
  reason: string;
  eventId: string | null;
}

function headerList(headers: IHeaders): { key: string; value: Buffer | null }[] {
  const out: { key: string; value: Buffer | null }[] = [];
  for (const [key, v] of Object.entries(headers)) {
    const values = Array.isArray(v) ? v : [v];
    for (const one of values) out.push({ key, value: one === undefined ? null : Buffer.isBuffer(one) ? one : Buffer.from(String(one)) });
  }
  return out;
}

/**
 * Builds the dead-letter record: the original key, value bytes and headers untouched, where it came from, and why.
 * Its id is `<topic>/<partition>/<offset>`, so a redelivered poison message dead-letters under the same id.
 */
export function buildDeadLetter(codec: SchemaCodec, deadLetterTopic: string, service: string, item: DeadLetterItem): { key: Buffer | null; value: Buffer } {
  const m = item.message;
  const event = {
    eventId: `${m.topic}/${m.partition}/${m.offset}`,
    eventTime: new Date(Number(m.timestamp)).toISOString(),
    customerId: m.key ? m.key.toString('utf8') : '',
    causationId: item.eventId,
    type: 'DeadLetter',
    payload: {
      service,
      originalTopic: m.topic,
      originalPartition: m.partition,
      originalOffset: m.offset,
      originalKey: m.key,
      originalValue: m.value,
      originalHeaders: headerList(m.headers),
      reasonCode: item.code,
      reasonMessage: item.reason,
      failedAt: new Date().toISOString(),
      attempts: 1,
    },
  };
  return { key: m.key, value: codec.encode(deadLetterTopic, event) };
}
