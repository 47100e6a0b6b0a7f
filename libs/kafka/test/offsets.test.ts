import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { committedTotal, endOffsetsTotal } from '../src/offsets';

/** A Kafka whose admin answers offsets through `offsets` (pure: no broker). */
function fakeKafka(offsets: () => Promise<unknown>): Kafka {
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchTopicOffsets: offsets,
    fetchOffsets: offsets,
  };
  return { admin: () => admin } as unknown as Kafka;
}

const notLeader = () => Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true, type: 'NOT_LEADER_FOR_PARTITION' });

describe('offset totals', () => {
  it('retry a retriable error (regression: the collections SIGKILL test read the end offsets of topics just created and got NOT_LEADER_FOR_PARTITION from ListOffsets)', async () => {
    let calls = 0;
    const ends = fakeKafka(async () => {
      calls += 1;
      if (calls <= 2) throw notLeader();
      return [{ partition: 0, high: '7', low: '0', offset: '7' }, { partition: 1, high: '5', low: '0', offset: '5' }];
    });
    assert.equal(await endOffsetsTotal(ends, ['t']), 12);
    assert.equal(calls, 3);
    let commits = 0;
    const committed = fakeKafka(async () => {
      commits += 1;
      if (commits === 1) throw notLeader();
      return [{ topic: 't', partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '-1' }] }];
    });
    assert.equal(await committedTotal(committed, 'g', ['t']), 4);
    assert.equal(commits, 2);
  });

  it('give up after six tries of a retriable error (about 3 s), and at once on one that is not', async function () {
    this.timeout(10_000);
    let calls = 0;
    const down = fakeKafka(async () => {
      calls += 1;
      throw notLeader();
    });
    await assert.rejects(endOffsetsTotal(down, ['t']), /not the leader/);
    assert.equal(calls, 6);
    calls = 0;
    const refused = fakeKafka(async () => {
      calls += 1;
      throw Object.assign(new Error('not authorized'), { retriable: false });
    });
    await assert.rejects(endOffsetsTotal(refused, ['t']), /not authorized/);
    assert.equal(calls, 1);
  });
});
