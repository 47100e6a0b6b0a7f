import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Repository root, from this file's compiled location (libs/testing/dist/src). */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** The dead-letter envelope schema every service's dead-letter topic uses. */
export function deadLetterSchema(): object {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'avro', 'creditstream.dead-letter.v1.avsc'), 'utf8')) as object;
}

/** A minimal envelope schema for library tests, independent of the product's schemas. */
export const COUNTER_SCHEMA = {
  type: 'record',
  name: 'CounterEvents',
  namespace: 'io.creditstream.test',
  fields: [
    { name: 'eventId', type: 'string' },
    { name: 'eventTime', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'customerId', type: 'string' },
    { name: 'causationId', type: ['null', 'string'], default: null },
    { name: 'payload', type: [{ type: 'record', name: 'Counted', fields: [{ name: 'n', type: 'long' }, { name: 'day', type: { type: 'int', logicalType: 'date' } }] }] },
  ],
};

export interface Counted {
  eventId: string;
  eventTime: string;
  customerId: string;
  causationId: string | null;
  type: 'Counted';
  payload: { n: number; day: string };
}

/** The n-th counter event of a customer. */
export function counted(customerId: string, n: number): Counted {
  return { eventId: `${customerId}-${n}`, eventTime: new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString(), customerId, causationId: null, type: 'Counted', payload: { n, day: '2024-01-01' } };
}

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). Tests must not depend on Math.random. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
