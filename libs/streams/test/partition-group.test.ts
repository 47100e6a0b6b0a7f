import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PartitionGroup, type QueuedRecord } from '../src/partition-group';

const rec = (offset: number, time: number, name = `${offset}`): QueuedRecord<string> => ({ offset, time, record: name });

function drain(group: PartitionGroup<string>, now = 0): string[] {
  const out: string[] = [];
  for (;;) {
    const n = group.next(now);
    if (n.kind !== 'record') return out;
    out.push(`${n.topic}:${n.record.record}`);
  }
}

describe('PartitionGroup (pure)', () => {
  it('keeps no record it has handed out (a queue dropped the slots before its head only every 4,096 records, and kept the taken records alive until then)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const g = new PartitionGroup<{ payload: number[] }>(['a'], 0);
    g.add('a', Array.from({ length: 100 }, (_, offset) => ({ offset, time: offset, record: { payload: new Array<number>(1000).fill(offset) } })), 100);
    // Taken in a function of its own: a suspended async function keeps its registers (the last record) alive.
    const take = (count: number): WeakRef<object>[] =>
      Array.from({ length: count }, () => {
        const n = g.next(0);
        assert.equal(n.kind, 'record');
        return new WeakRef(n.kind === 'record' ? n.record.record : {});
      });
    const taken = take(99);
    // A weak reference is cleared only once the job that created it has ended.
    await new Promise((r) => setImmediate(r));
    gc();
    assert.equal(taken.filter((w) => w.deref() !== undefined).length, 0, 'taken records still reachable');
    assert.equal(g.sizeOf('a'), 1);
    const last = g.next(0);
    assert.equal(last.kind === 'record' && last.record.offset, 99);
  });

  it('takes the earliest business time across topics, the topic order breaking ties, offsets in order within a topic', () => {
    const g = new PartitionGroup<string>(['customers', 'invoices', 'payments'], 1000);
    g.add('invoices', [rec(0, 10, 'i0'), rec(1, 30, 'i1')], 2);
    g.add('payments', [rec(0, 20, 'p0'), rec(1, 10, 'p1')], 2);
    g.add('customers', [rec(0, 30, 'c0')], 1);
    assert.deepEqual(drain(g), ['invoices:i0', 'payments:p0', 'payments:p1', 'customers:c0', 'invoices:i1']);
  });

  it('waits at most maxIdleMs for a lagging topic with nothing buffered, and never for one at its end', () => {
    const g = new PartitionGroup<string>(['a', 'b'], 500);
    g.reset({ a: 0, b: 5 }, { b: 9 });
    g.add('a', [rec(0, 100, 'a0')], 1);
    const first = g.next(1000);
    assert.deepEqual(first, { kind: 'wait', untilMs: 1500, topic: 'b' });
    assert.equal(g.next(1499).kind, 'wait');
    const after = g.next(1500);
    assert.equal(after.kind, 'record');
    assert.equal(after.kind === 'record' && after.idled, true);
    // b caught up with its high watermark: at its end, it holds nothing back.
    const h = new PartitionGroup<string>(['a', 'b'], 500);
    h.reset({ a: 0, b: 9 }, { b: 9 });
    h.add('a', [rec(0, 100, 'a0')], 1);
    assert.equal(h.next(0).kind, 'record');
  });

  it('a record that arrives for the lagging topic ends the wait and is merged in time order', () => {
    const g = new PartitionGroup<string>(['a', 'b'], 500);
    g.reset({}, { b: 3 });
    g.add('a', [rec(0, 100, 'a0'), rec(1, 300, 'a1')], 2);
    assert.equal(g.next(0).kind, 'wait');
    g.add('b', [rec(0, 200, 'b0')], 3);
    assert.deepEqual(drain(g, 10).slice(0, 2), ['a:a0', 'b:b0']);
  });

  it('drops duplicates below the position and refuses a gap', () => {
    const g = new PartitionGroup<string>(['a'], 0);
    g.reset({ a: 5 });
    assert.deepEqual(g.add('a', [rec(3, 1), rec(4, 1), rec(5, 1, 'x'), rec(6, 2, 'y')], 7), { queued: 2, gap: false });
    assert.deepEqual(g.add('a', [rec(9, 3)], 10), { queued: 0, gap: true });
    assert.equal(g.position('a'), 7);
    assert.deepEqual(drain(g), ['a:x', 'a:y']);
  });

  it('lag: records buffered plus those in the logs beyond the fetched positions, up to the high watermarks', () => {
    const g = new PartitionGroup<string>(['a', 'b'], 0);
    g.reset({ a: 5, b: 0 });
    assert.equal(g.lag, 0, 'high watermarks unknown');
    g.add('a', [rec(5, 1), rec(6, 2)], 100);
    g.add('b', [], 40);
    assert.equal(g.lag, 2 + 93 + 40);
    g.next(0);
    assert.equal(g.lag, 1 + 93 + 40);
  });

  it('names the topic when asked about one it does not have', () => {
    const g = new PartitionGroup<string>(['a'], 0);
    assert.throws(() => g.add('zzz', [], 0), /topic zzz is not an input of this task \(inputs: a\)/);
  });
});
