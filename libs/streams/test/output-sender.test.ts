import assert from 'node:assert/strict';
import { createLogger } from '@creditstream/logging';
import { OutputSender, type OutputRecord } from '../src/output-sender';
import { FakeProducer } from './fake-producer';

const logger = createLogger({ name: 'output-sender-test', level: 'silent' });
const out = (topic: string, key: string, partition?: number): OutputRecord => ({ topic, key, value: Buffer.from(`${topic}/${key}`), ...(partition !== undefined ? { partition } : {}) });

describe('OutputSender', () => {
  it('sends records of several topics in one request, each topic in order, and a progress mark only after what precedes it', async () => {
    // Regression: one request per run of one topic made a scoring turn (predictions, outlook, predictions, outlook,
    // ...) a string of tiny requests, each waiting for the previous one's acknowledgement.
    const producer = new FakeProducer();
    const sender = new OutputSender(producer.asProducer(), logger, { initialMs: 1, maxMs: 2 });
    producer.hold();
    for (const r of [out('predictions', 'a1'), out('outlooks', 'a'), out('predictions', 'b1'), out('predictions', 'b2'), out('outlooks', 'b'), out('progress', '*', 3), out('predictions', 'c1'), out('outlooks', 'c')]) sender.push(r);
    const flushed = sender.flushed();
    await new Promise((r) => setImmediate(r));
    assert.equal(sender.pending, 8);
    assert.equal(producer.sent.length, 0, 'nothing is acknowledged while the broker holds the first request');
    producer.release();
    await flushed;
    assert.equal(producer.requests, 3, 'the records before the mark, the mark, the records after it');
    assert.deepEqual(
      producer.sent.map((s) => `${s.topic}/${s.key}${s.partition !== undefined ? `@${s.partition}` : ''}`),
      ['predictions/a1', 'predictions/b1', 'predictions/b2', 'outlooks/a', 'outlooks/b', 'progress/*@3', 'predictions/c1', 'outlooks/c'],
    );
    assert.equal(sender.pending, 0);
  });

  it('retries a failed request, in order, without losing or reordering a record', async () => {
    const producer = new FakeProducer();
    const real = producer.asProducer();
    let failures = 1;
    const sender = new OutputSender({ ...real, sendRawBatch: async (batches) => (failures-- > 0 ? Promise.reject(new Error('broker gone')) : real.sendRawBatch(batches)) }, logger, { initialMs: 1, maxMs: 2 });
    sender.push(out('predictions', 'a1'));
    sender.push(out('outlooks', 'a'));
    await sender.flushed();
    assert.equal(failures, -1, 'the first attempt failed');
    assert.deepEqual(producer.sent.map((s) => `${s.topic}/${s.key}`), ['predictions/a1', 'outlooks/a']);
  });
});
