import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '@creditstream/logging';
import { Sweeps, type SweepWork, type Trigger } from '../src';

const logger = createLogger({ name: 'sweeps-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const tick = (n: number): Trigger => ({ eventId: `tick-${n}`, eventTime: `2024-01-0${n}T00:00:00.000Z` });

/** A sweep of `chunks` chunks that records what it did; `gate()` resolves the chunk it is waiting on. */
function recorder(chunks = 3) {
  const log: string[] = [];
  const gates: (() => void)[] = [];
  const work: SweepWork = async (partition, trigger, cancelled) => {
    log.push(`start ${partition} ${trigger?.eventId ?? 'null'}`);
    for (let c = 0; c < chunks; c++) {
      if (cancelled()) {
        log.push(`cancelled ${partition} ${trigger?.eventId ?? 'null'}`);
        return;
      }
      await new Promise<void>((resolve) => gates.push(resolve));
    }
    log.push(`done ${partition} ${trigger?.eventId ?? 'null'}`);
  };
  /** Lets chunks run until the sweeps are idle. */
  const drain = async (sweeps: Sweeps) => {
    while (sweeps.size > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { log, gates, work, drain };
}

describe('scoring: partition sweeps in the background', () => {
  it('sweeps each partition asked for once, one at a time, in the order asked, and reports the pending count', async () => {
    const r = recorder(1);
    const pending: number[] = [];
    const sweeps = new Sweeps({ sweep: r.work, logger, onPending: (n) => pending.push(n) });
    sweeps.request(2, tick(1));
    sweeps.request(0, tick(1));
    sweeps.request(1, tick(1));
    assert.equal(sweeps.size, 3);
    await r.drain(sweeps);
    await sweeps.idle();
    assert.deepEqual(r.log, ['start 2 tick-1', 'done 2 tick-1', 'start 0 tick-1', 'done 0 tick-1', 'start 1 tick-1', 'done 1 tick-1']);
    assert.equal(pending[pending.length - 1], 0);
    assert.equal(Math.max(...pending), 3);
  });

  it('a newer request for the partition being swept lets it finish, then sweeps it again after the others waiting, with the newest trigger', async () => {
    const r = recorder(2);
    const sweeps = new Sweeps({ sweep: r.work, logger });
    sweeps.request(0, tick(1));
    await new Promise((resolve) => setImmediate(resolve));
    sweeps.request(1, tick(1));
    sweeps.request(0, tick(2));
    sweeps.request(0, tick(3));
    sweeps.request(1, tick(2));
    assert.equal(sweeps.size, 3, 'partition 0 running and waiting again, partition 1 waiting once');
    await r.drain(sweeps);
    assert.deepEqual(r.log, ['start 0 tick-1', 'done 0 tick-1', 'start 1 tick-2', 'done 1 tick-2', 'start 0 tick-3', 'done 0 tick-3']);
  });

  it('drops the partitions no longer assigned, pending or running', async () => {
    const r = recorder(2);
    const sweeps = new Sweeps({ sweep: r.work, logger });
    sweeps.request(0, tick(1));
    sweeps.request(1, tick(1));
    await new Promise((resolve) => setImmediate(resolve));
    sweeps.retain(new Set([2]));
    assert.equal(sweeps.size, 1, 'only the running one is left, cancelled');
    await r.drain(sweeps);
    assert.deepEqual(r.log, ['start 0 tick-1', 'cancelled 0 tick-1']);
  });

  it('retries a failed sweep with the same trigger, and not after the partition was revoked', async () => {
    let calls = 0;
    const seen: (string | null)[] = [];
    const sweeps = new Sweeps({
      sweep: async (_p, trigger) => {
        seen.push(trigger?.eventId ?? null);
        if (++calls < 3) throw new Error('store unavailable');
      },
      logger,
      retryDelayMs: 1,
    });
    sweeps.request(4, null);
    await sweeps.idle();
    assert.deepEqual(seen, [null, null, null]);

    const revoked = new Sweeps({
      sweep: async () => {
        revoked.retain(new Set());
        throw new Error('store unavailable');
      },
      logger,
      retryDelayMs: 1,
    });
    revoked.request(4, tick(1));
    await revoked.idle();
    assert.equal(revoked.size, 0);
  });

  it('stop lets the running chunk finish, forgets the rest and refuses new requests', async () => {
    const r = recorder(3);
    const sweeps = new Sweeps({ sweep: r.work, logger });
    sweeps.request(0, tick(1));
    sweeps.request(1, tick(1));
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = sweeps.stop();
    r.gates.shift()?.();
    await stopped;
    sweeps.request(2, tick(2));
    assert.equal(sweeps.size, 0);
    assert.deepEqual(r.log, ['start 0 tick-1', 'cancelled 0 tick-1']);
  });
});
