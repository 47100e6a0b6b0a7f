import assert from 'node:assert/strict';
import * as avro from 'avsc';
import { avroOptions } from '../src';
import { fromAvroValue, payloadMapping, toAvroValue } from '../src/envelope';

export const ENVELOPE_V1 = {
  type: 'record',
  name: 'TestEvents',
  namespace: 'io.creditstream.test',
  fields: [
    { name: 'eventId', type: 'string' },
    { name: 'eventTime', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'customerId', type: 'string' },
    { name: 'causationId', type: ['null', 'string'], default: null },
    {
      name: 'payload',
      type: [
        { type: 'record', name: 'Opened', fields: [{ name: 'amountMinor', type: 'long' }, { name: 'dueDate', type: { type: 'int', logicalType: 'date' } }] },
        { type: 'record', name: 'Closed', fields: [{ name: 'reason', type: ['null', 'string'], default: null }] },
      ],
    },
  ],
};

describe('schema envelope and logical types (pure)', () => {
  const type = avro.Type.forSchema(ENVELOPE_V1 as avro.Schema, avroOptions());
  const mapping = payloadMapping(type);

  it('round-trips type + payload through the Avro union, with dates and timestamps as ISO strings', () => {
    const event = { eventId: 'e1', eventTime: '2024-02-29T13:45:01.123Z', customerId: 'C1', causationId: null, type: 'Opened', payload: { amountMinor: 123456789012, dueDate: '2024-03-31' } };
    const converted = toAvroValue(mapping, event);
    assert.ok('value' in converted);
    const decoded = fromAvroValue(mapping, type.fromBuffer(type.toBuffer(converted.value)) as Record<string, unknown>);
    assert.deepEqual(JSON.parse(JSON.stringify(decoded)), event);
  });

  it('names the unknown event type', () => {
    const r = toAvroValue(mapping, { eventId: 'e', type: 'Reopened', payload: {} });
    assert.ok('error' in r);
    assert.match(r.error, /type="Reopened" is not one of Opened, Closed/);
  });

  it('rejects malformed dates instead of shifting them', () => {
    const event = { eventId: 'e1', eventTime: '2024-02-29T00:00:00.000Z', customerId: 'C1', causationId: null, type: 'Opened', payload: { amountMinor: 1, dueDate: '31/03/2024' } };
    const converted = toAvroValue(mapping, event);
    assert.ok('value' in converted);
    assert.equal(type.isValid(converted.value), false);
  });

  it('rejects impossible calendar days instead of rolling them over (issue 17 fuzzing: 2024-02-30 was encoded as 2024-03-01)', () => {
    const event = (dueDate: string, eventTime = '2024-02-29T00:00:00.000Z') => toAvroValue(mapping, { eventId: 'e1', eventTime, customerId: 'C1', causationId: null, type: 'Opened', payload: { amountMinor: 1, dueDate } });
    for (const [dueDate, eventTime] of [['2024-02-30', undefined], ['2023-02-29', undefined], ['2024-04-31', undefined], ['2024-03-01', '2024-02-30T10:00:00.000Z'], ['2024-03-01', '2023-02-29T23:59:59Z']] as const) {
      const converted = event(dueDate, eventTime);
      assert.ok('value' in converted);
      assert.equal(type.isValid(converted.value), false, `${dueDate} ${eventTime ?? ''}`);
    }
    const leap = event('2024-02-29', '2024-02-29T23:59:59.999Z');
    assert.ok('value' in leap);
    assert.equal(type.isValid(leap.value), true, 'a leap day exists');
  });

  it('memoises its date and timestamp conversions without changing an answer: refused values stay refused, and more distinct values than the memo holds all round-trip', () => {
    const opened = (dueDate: string, eventTime: string) => toAvroValue(mapping, { eventId: 'e1', eventTime, customerId: 'C1', causationId: null, type: 'Opened', payload: { amountMinor: 1, dueDate } });
    for (let round = 0; round < 3; round++) {
      for (const [dueDate, eventTime] of [['2024-02-30', '2024-02-29T00:00:00.000Z'], ['2024-03-01', '2024-02-30T10:00:00.000Z'], ['31/03/2024', '2024-02-29T00:00:00.000Z']] as const) {
        const converted = opened(dueDate, eventTime);
        assert.ok('value' in converted);
        assert.equal(type.isValid(converted.value), false, `round ${round}: ${dueDate} ${eventTime}`);
      }
    }
    // 20,000 distinct days and instants: past the memo's size, so it starts over at least twice on the way.
    const start = Date.parse('1990-01-01T00:00:00.000Z');
    for (let i = 0; i < 20_000; i++) {
      const dueDate = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
      const eventTime = new Date(start + i * 86_400_000 + i * 1_001).toISOString();
      const converted = opened(dueDate, eventTime);
      assert.ok('value' in converted);
      const decoded = fromAvroValue(mapping, type.fromBuffer(type.toBuffer(converted.value)) as Record<string, unknown>) as { eventTime: string; payload: { dueDate: string } };
      assert.deepEqual([decoded.payload.dueDate, decoded.eventTime], [dueDate, eventTime], `value ${i}`);
    }
  });
});
