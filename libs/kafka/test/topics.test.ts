import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { ensureTopics } from '../src/topics';

interface CreateTopicsRequest {
  waitForLeaders?: boolean;
  topics: { topic: string }[];
}

/** The error a broker answers for a topic its metadata does not have yet (kafkajs's type and message). */
function notHostedYet(): Error {
  return Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
}

/** A Kafka whose admin reads metadata through `fetch` (pure: no broker). */
function fakeKafka(fetch: () => Promise<unknown>, listTopics: () => Promise<string[]> = async () => ['t'], createTopics: (request: CreateTopicsRequest) => Promise<boolean> = async () => true): Kafka {
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics,
    createTopics,
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

  it('creates topics the broker has not applied yet and waits for them (regression: CI failed four tests with "This server does not host this topic-partition" from kafkajs\'s wait for leaders)', async () => {
    const created = new Set<string>();
    let reads = 0;
    const kafka = fakeKafka(
      async () => {
        // The controller created the topic; this broker applies it two reads later.
        reads += 1;
        if (reads <= 2) throw notHostedYet();
        return { topics: [{ name: 't', partitions: [{ partitionId: 0, leader: 1 }] }] };
      },
      async () => [...created],
      async (request) => {
        for (const { topic } of request.topics) created.add(topic);
        // kafkajs's own wait reads the metadata once and throws on this error (it retries only LEADER_NOT_AVAILABLE).
        if (request.waitForLeaders) throw notHostedYet();
        return true;
      },
    );
    await ensureTopics(kafka, [{ name: 't', partitions: 1 }], { timeoutMs: 5_000 });
    assert.deepEqual([...created], ['t']);
    assert.equal(reads, 3);
  });

  it('creates again after a transient failure only the topics still missing, and names the topics when the deadline passes', async () => {
    const requests: string[][] = [];
    const created = new Set<string>();
    const kafka = fakeKafka(
      async () => ({ topics: [...created].map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })) }),
      async () => [...created],
      async (request) => {
        requests.push(request.topics.map((t) => t.topic));
        // The first request creates `a` and times out before `b`.
        created.add(request.topics[0]!.topic);
        if (requests.length === 1) throw Object.assign(new Error('The request timed out'), { type: 'REQUEST_TIMED_OUT', retriable: true });
        for (const { topic } of request.topics) created.add(topic);
        return true;
      },
    );
    await ensureTopics(kafka, [{ name: 'a', partitions: 1 }, { name: 'b', partitions: 1 }], { timeoutMs: 5_000 });
    assert.deepEqual(requests, [['a', 'b'], ['b']]);

    const timingOut = fakeKafka(
      async () => ({ topics: [] }),
      async () => [],
      async () => {
        throw Object.assign(new Error('The request timed out'), { type: 'REQUEST_TIMED_OUT', retriable: true });
      },
    );
    await assert.rejects(ensureTopics(timingOut, [{ name: 'c', partitions: 1 }], { timeoutMs: 300 }), /creating topics c failed for 300 ms: The request timed out/);
  });
});
