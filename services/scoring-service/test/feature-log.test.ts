import assert from 'node:assert/strict';
import type { FeatureLogEntry } from '@creditstream/feature-service';
import { logDocuments } from '../src';

const entry = (customerId: string, invoiceId: string, values: number): FeatureLogEntry => ({
  id: `${customerId}:${invoiceId}`,
  customerId,
  invoiceId,
  kind: 'scored',
  asOf: '2024-03-01',
  invoiceDate: '2024-02-01',
  dueDate: '2024-03-02',
  featureSetVersion: 'v-test',
  customerVersion: 3,
  values: new Array<number>(values).fill(0.5),
});

describe('scoring: the feature-log documents of a chunk', () => {
  it('puts every scored vector of a chunk in one document, with a digest id that depends only on what it holds', () => {
    const log = [
      { customerId: 'c1', version: 3, asOf: '2024-03-01', entries: [entry('c1', 'i1', 10), entry('c1', 'i2', 10)] },
      { customerId: 'c2', version: 7, asOf: '2024-03-01', entries: [] },
      { customerId: 'c3', version: 1, asOf: '2024-03-01', entries: [entry('c3', 'i9', 10)] },
    ];
    const [doc, ...rest] = logDocuments(log);
    assert.equal(rest.length, 0);
    assert.deepEqual(doc?.customers, ['c1', 'c3'], 'customers without vectors are left out');
    assert.deepEqual(doc?.entries.map((e) => e.id), ['c1:i1', 'c1:i2', 'c3:i9']);
    assert.equal(doc?.writer, 'scoring-service');
    assert.equal(logDocuments(structuredClone(log))[0]?._id, doc?._id, 'the same chunk again: the same id');
    assert.notEqual(logDocuments([{ ...log[0]!, version: 4 }, log[2]!])[0]?._id, doc?._id, 'another state version: another id');
    assert.deepEqual(logDocuments([]), []);
  });

  it('splits a chunk whose vectors would make a document of more than a few MB', () => {
    // 1,000 customers × 10 vectors of 70 values: about 11 MB estimated, so three documents of at most 4 MB.
    const log = Array.from({ length: 1000 }, (_, c) => ({ customerId: `c${c}`, version: 1, asOf: '2024-03-01', entries: Array.from({ length: 10 }, (_, i) => entry(`c${c}`, `i${i}`, 70)) }));
    const docs = logDocuments(log);
    assert.equal(docs.length, 3);
    assert.equal(docs.reduce((n, d) => n + d.entries.length, 0), 10_000);
    assert.equal(new Set(docs.map((d) => d._id)).size, 3);
    assert.deepEqual(docs.flatMap((d) => d.customers), log.map((l) => l.customerId), 'each customer in one document, in order');
  });
});
