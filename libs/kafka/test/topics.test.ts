import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { ensureTopics } from '../src/topics';

/** A Kafka whose admin reads metadata through `fetch` (pure: no broker). */
function fakeKafka(fetch: () => Promise<unknown>, listTopics: () => Promise<string[]> = async () => ['t']): Kafka {
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics,
    createTopics: async () => true,
    fetchTopicMetadata: fetch,
  };
  return { admin: () => admin } as unknown as Kafka;
}

describe('ensureTopics while the broker restarts', () => {
  it('retries the TypeError kafkajs throws when its metadata was cleared by a lost connection (regression: a credit process exited at start in the chaos bench)', async () => {
    let calls = 0;
    const kafka = fakeKafka(async () => {
      calls += 1;
      if (calls === 1) throw new TypeError("Cannot read properties of null (reading 'topicMetadata')");
      if (calls === 2) throw Object.assign(new Error('Connection error'), { retriable: true });
      return { topics: [{ name: 't', partitions: [{ partitionId: 0, leader: 1 }] }] };
    });
    await ensureTopics(kafka, [{ name: 't', partitions: 1 }], { timeoutMs: 5_000 });
    assert.equal(calls, 3);
  });

  it('retries the TypeError of listTopics too (regression: a feature service starting while the chaos test restarted the broker exited)', async () => {
    let lists = 0;
    const kafka = fakeKafka(
      async () => ({ topics: [{ name: 't', partitions: [{ partitionId: 0, leader: 1 }] }] }),
      async () => {
        lists += 1;
        if (lists === 1) throw new TypeError("Cannot destructure property 'topicMetadata' of '(intermediate value)' as it is null.");
        return ['t'];
      },
    );
    await ensureTopics(kafka, [{ name: 't', partitions: 1 }], { timeoutMs: 5_000 });
    assert.equal(lists, 2);
  });

  it('gives up with a named error after the timeout, and at once on an error that is not transient', async () => {
    const broken = fakeKafka(async () => {
      throw new TypeError('still down');
    });
    await assert.rejects(ensureTopics(broken, [{ name: 't', partitions: 1 }], { timeoutMs: 300 }), /reading the metadata of t failed for 300 ms: still down/);
    const refused = fakeKafka(async () => {
      throw Object.assign(new Error('not authorized'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    });
    await assert.rejects(ensureTopics(refused, [{ name: 't', partitions: 1 }], { timeoutMs: 5_000 }), /not authorized/);
  });
});
