import assert from 'node:assert/strict';
import { BrokerUnavailableError } from '@creditstream/kafka';
import { sendWaitingOutOutages } from '../src/output/kafka-sink';

describe('the Kafka sink waits out a broker outage', () => {
  it('regression (chaos test: the simulator failed while the broker restarted for 19 s): a retriable send failure is retried until the broker is back', async () => {
    let calls = 0;
    const pauses: number[] = [];
    await sendWaitingOutOutages(async () => {
      calls += 1;
      if (calls <= 3) throw new BrokerUnavailableError('producing to creditstream.orders.events.v1 failed: Connection error: connect ECONNREFUSED 127.0.0.1:19092');
    }, { initialDelayMs: 5, onRetry: (_err, delayMs) => void pauses.push(delayMs) });
    assert.equal(calls, 4);
    assert.deepEqual(pauses, [5, 10, 20], 'the pause doubles');
  });

  it('a failure that is not retriable is thrown at once; an outage past the budget too', async () => {
    let calls = 0;
    await assert.rejects(sendWaitingOutOutages(async () => {
      calls += 1;
      throw new TypeError('schema mismatch');
    }, { initialDelayMs: 5 }), /schema mismatch/);
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(sendWaitingOutOutages(async () => {
      calls += 1;
      throw new BrokerUnavailableError('broker down');
    }, { initialDelayMs: 20, budgetMs: 100 }), /broker down/);
    assert.ok(calls >= 2 && calls <= 4, `${calls} attempts within 100 ms (20, 40 ms pauses)`);
  });
});
