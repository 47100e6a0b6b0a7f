import assert from 'node:assert/strict';
import { retryTransient } from '../src/retry';

const passing = Object.assign(new Error('leader being elected'), { retriable: true });
const refusal = new Error('not authorized');

/** A read that fails with `failures` one after the other, then answers 'ok'; it records when it was called. */
function reader(failures: Error[]): { read: () => Promise<string>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    read: async () => {
      calls.push(Date.now());
      const failure = failures[calls.length - 1];
      if (failure !== undefined) throw failure;
      return 'ok';
    },
  };
}

describe('retryTransient', () => {
  it('tries again after a transient failure, waiting longer each time, until the read succeeds', async () => {
    const r = reader([passing, passing, passing]);
    assert.equal(await retryTransient(r.read, { transient: (e) => e === passing, initialDelayMs: 20, maxDelayMs: 40 }), 'ok');
    assert.equal(r.calls.length, 4);
    const gaps = r.calls.slice(1).map((t, i) => t - (r.calls[i] as number));
    // 20, then doubled to 40, then held at the maximum (timers may fire a millisecond early).
    [20, 40, 40].forEach((least, i) => assert.ok((gaps[i] as number) >= least - 1, `gap ${i} was ${gaps[i]} ms, expected at least ${least}`));
  });

  it('throws a failure that is not transient at once', async () => {
    const r = reader([refusal]);
    await assert.rejects(retryTransient(r.read, { transient: (e) => e === passing }), /not authorized/);
    assert.equal(r.calls.length, 1);
  });

  it('gives up with the last failure after the tries', async () => {
    const r = reader([passing, passing, passing, passing]);
    await assert.rejects(retryTransient(r.read, { transient: () => true, tries: 3, initialDelayMs: 1 }), /leader being elected/);
    assert.equal(r.calls.length, 3);
  });

  it('gives up with the last failure rather than wait past the deadline', async () => {
    const r = reader(Array.from({ length: 100 }, () => passing));
    const start = Date.now();
    await assert.rejects(retryTransient(r.read, { transient: () => true, deadline: start + 150, initialDelayMs: 30, maxDelayMs: 30 }), /leader being elected/);
    // Tries at about 0, 30, 60, 90 and 120 ms; the next wait would end after the deadline.
    assert.ok(r.calls.length >= 2 && r.calls.length <= 6, `${r.calls.length} tries`);
    // Regression (fresh-clone run at 131a35a): a late timer let a try start after the deadline. The last try starts
    // at the deadline at the latest (1 ms for the clock to tick between the check and the read).
    assert.ok((r.calls[r.calls.length - 1] as number) - start <= 151, 'a try after the deadline');
  });
});
