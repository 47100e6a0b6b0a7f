import assert from 'node:assert/strict';
import { Binary } from 'mongodb';
import { featureLogEntryOf, storedFeatureLogEntry, type FeatureLogEntry } from '../src';

const entry: FeatureLogEntry = {
  _id: '2:c1:A:issued',
  id: '2:c1:A:issued',
  customerId: 'c1',
  invoiceId: 'A',
  kind: 'issued',
  asOf: '2024-03-01',
  invoiceDate: '2024-03-01',
  dueDate: '2024-03-31',
  featureSetVersion: 'features-v1',
  customerVersion: 7,
  values: [1_234_56, null, -0.25, 0, Number.MAX_VALUE, 5e-324, null],
};

describe('feature log entries as stored', () => {
  it('keep their values in one binary block of little-endian doubles, missing ones as NaN, and read back the same', () => {
    const stored = storedFeatureLogEntry(entry);
    assert.ok(stored.values instanceof Binary);
    const bytes = Buffer.from(stored.values.buffer);
    assert.equal(bytes.length, 8 * entry.values.length);
    assert.equal(bytes.readDoubleLE(0), 1_234_56);
    assert.ok(Number.isNaN(bytes.readDoubleLE(8)));
    assert.deepEqual(featureLogEntryOf(stored), entry);
    assert.deepEqual({ ...stored, values: null }, { ...entry, values: null }, 'everything but the values as it was');
  });

  it('read back from a Binary whose bytes sit at an offset of a larger buffer (as the driver hands them)', () => {
    const bytes = Buffer.from(storedFeatureLogEntry(entry).values.buffer);
    const larger = Buffer.concat([Buffer.from([1, 2, 3]), bytes]);
    assert.deepEqual(featureLogEntryOf({ ...entry, values: new Binary(larger.subarray(3)) }), entry);
  });

  it('written before the binary form (values as an array) read back as they are', () => {
    assert.deepEqual(featureLogEntryOf(entry), entry);
  });
});
