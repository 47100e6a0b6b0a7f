import * as assert from 'node:assert/strict';
import { Pacer } from '../src/output/pacer';

describe('pacer', () => {
  it('holds a producer to the rate: the n-th event waits until n / rate seconds have passed', async () => {
    let now = 1000;
    const sleeps: number[] = [];
    const pacer = new Pacer(100, { now: () => now, sleep: async (ms) => { sleeps.push(ms); now += ms; } });
    await pacer.admit(5); // first batch goes at once
    await pacer.admit(5); // 5 events sent: due at +50 ms
    now += 20;
    await pacer.admit(10); // 10 sent: due at +100 ms, now +70
    assert.deepEqual(sleeps, [50, 30]);
    assert.equal(pacer.chunkSize(), 5);
  });

  it('does not wait when the producer is slower than the rate', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new Pacer(1000, { now: () => now, sleep: async (ms) => { sleeps.push(ms); } });
    for (let i = 0; i < 5; i++) {
      await pacer.admit(1);
      now += 10;
    }
    assert.deepEqual(sleeps, []);
  });
});
