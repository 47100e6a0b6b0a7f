import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { BSON } from 'mongodb';
import { createLogger } from '@creditstream/logging';
import { createMetrics } from '@creditstream/metrics';
import type { InboundMessage } from '@creditstream/kafka';
import { behindByAnInterval } from '../src/catch-up';
import { InMemoryCheckpointStore } from '../src/checkpoint-store';
import { taskMetrics } from '../src/metrics';
import { compileTaskOptions } from '../src/options';
import { FakeProducer } from './fake-producer';
import { OutputSender } from '../src/output-sender';
import { compressedJsonSerde, slotOf } from '../src/serde';
import { StreamTask, type Processor, type TaskRecord } from '../src/task';

interface Ev {
  amount: number;
  eventTime: string;
}

/** Sums amounts per key; refuses negative amounts; forwards the running total. */
const summing: Processor<Ev, { total: number }> = {
  process(record, ctx) {
    if (record.event.amount < 0) return { code: 'NEGATIVE', message: `amount ${record.event.amount} < 0` };
    const key = record.key as string;
    const v = ctx.store.get(key) ?? { total: 0 };
    v.total += record.event.amount;
    ctx.store.put(key, v);
    ctx.forward('out', key, { key, total: v.total, at: record.offset });
    ctx.log('log', { _id: `${record.topic}:${record.offset}`, key });
  },
  view: (key, v) => ({ key, total: v.total }),
};

function message(topic: string, offset: number, key: string, event: Ev): TaskRecord<Ev> {
  const m: InboundMessage<Ev> = { topic, partition: 0, offset, key: Buffer.from(key), value: Buffer.from(JSON.stringify(event)), headers: {}, timestamp: '0', event };
  return { topic, partition: 0, offset, key, time: Date.parse(event.eventTime), event, message: m, failure: null };
}

function makeTask(store: InMemoryCheckpointStore, producer: FakeProducer, opts: Parameters<typeof compileTaskOptions>[0] = {}, processor: Processor<Ev, { total: number }> = summing, logger = createLogger({ name: 'test', level: 'silent' })) {
  const registry = createMetrics({ service: 'test' }).registry;
  const closed: string[] = [];
  const commits: Record<string, number>[] = [];
  const task = new StreamTask<Ev, { total: number }>({
    partition: 0,
    topics: ['a', 'b'],
    processor,
    checkpoints: store,
    serde: compressedJsonSerde(),
    sender: new OutputSender(producer.asProducer(), createLogger({ name: 'test', level: 'silent' }), { initialMs: 1, maxMs: 2 }),
    encode: (topic, event) => Buffer.from(JSON.stringify(event)),
    deadLetter: (m, code) => ({ topic: 'dlq', key: m.key, value: Buffer.from(`${code}@${m.offset}`) }),
    hooks: { pause: () => undefined, resume: () => undefined, seek: () => undefined, commitOffsets: async (p) => void commits.push(p), onClosed: (_t, reason) => void closed.push(reason) },
    options: compileTaskOptions({ commitIntervalMs: 60_000, maxIdleMs: 0, ...opts }),
    metrics: taskMetrics(registry),
    logger,
  });
  return { task, closed, commits, registry };
}

const at = (day: number) => `2024-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

describe('StreamTask against an in-memory checkpoint store', () => {
  it('processes in business-time order across topics, forwards at once, dead-letters a refusal and goes on', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const { task } = makeTask(store, producer);
    await task.restore();
    task.begin();
    task.enqueue('a', [message('a', 0, 'k', { amount: 1, eventTime: at(1) }), message('a', 1, 'k', { amount: 4, eventTime: at(4) })].map((r) => ({ offset: r.offset, time: r.time, record: r })), 2);
    task.enqueue('b', [message('b', 0, 'k', { amount: 2, eventTime: at(2) }), message('b', 1, 'k', { amount: -1, eventTime: at(3) })].map((r) => ({ offset: r.offset, time: r.time, record: r })), 2);
    await until(() => producer.sent.length === 4);
    // Each output topic in processing order (the sender puts several topics in one request: no order across them).
    assert.deepEqual(producer.sent.filter((s) => s.topic === 'out').map((s) => s.value), ['{"key":"k","total":1,"at":0}', '{"key":"k","total":3,"at":0}', '{"key":"k","total":7,"at":1}']);
    assert.deepEqual(producer.sent.filter((s) => s.topic === 'dlq').map((s) => s.value), ['NEGATIVE@1']);
    assert.deepEqual(task.positions, { a: 2, b: 2 });
  });

  it('a checkpoint waits for the outputs, then commits state, logs and positions; a restore resumes exactly there', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const first = makeTask(store, producer);
    await first.task.restore();
    first.task.begin();
    producer.hold();
    first.task.enqueue('a', [0, 1, 2].map((o) => message('a', o, `k${o % 2}`, { amount: o + 1, eventTime: at(o + 1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), 3);
    await until(() => first.task.positions.a === 3);
    const checkpoint = first.task.checkpoint();
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(store.commits, 0, 'no commit while outputs are unacknowledged');
    producer.release();
    await checkpoint;
    assert.equal(store.commits, 1);
    assert.deepEqual(first.commits, [{ a: 3, b: 0 }]);
    assert.deepEqual((store.logs.get('log') ?? []).map((d) => d._id), ['a:0', 'a:1', 'a:2']);
    assert.equal(first.task.uncommittedRecords, 0);

    // A second owner takes over: same state, same positions; the first one is fenced at its next checkpoint.
    const second = makeTask(store, producer);
    await second.task.restore();
    second.task.begin();
    assert.deepEqual(second.task.store.get('k0'), { total: 4 });
    assert.deepEqual(second.task.store.get('k1'), { total: 2 });
    assert.equal(second.task.expected('a'), 3);
    first.task.enqueue('a', [message('a', 3, 'k1', { amount: 10, eventTime: at(9) })].map((r) => ({ offset: r.offset, time: r.time, record: r })), 4);
    await until(() => first.task.positions.a === 4);
    await first.task.checkpoint();
    await until(() => first.closed.length === 1);
    assert.deepEqual(first.closed, ['fenced']);
    assert.equal(first.task.state, 'closed');
    assert.deepEqual(store.tasks.get(0)?.positions, { a: 3, b: 0 }, 'the zombie did not move the committed positions');
  });

  it('an evictable processor is restored without reading any value back: each is loaded when first used, the views come from the checkpoint', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const loadedKeys: string[] = [];
    let views = 0;
    const evictable: Processor<Ev, { total: number }> = { ...summing, evictable: true, view: (key, v) => (views++, summing.view?.(key, v) ?? null), loaded: (key) => void loadedKeys.push(key) };
    const first = makeTask(store, producer, {}, evictable);
    await first.task.restore();
    first.task.begin();
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    first.task.enqueue('a', keys.map((k, o) => message('a', o, k, { amount: o + 1, eventTime: at(1 + (o % 28)) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), keys.length);
    await until(() => first.task.positions.a === keys.length);
    await first.task.checkpoint();
    const written = [...(store.tasks.get(0)?.slots.values() ?? [])].flat();
    assert.equal(written.length, 40);
    views = 0;

    const second = makeTask(store, producer, {}, evictable);
    await second.task.restore();
    second.task.begin();
    assert.equal(second.task.store.size, 40);
    assert.deepEqual([second.task.store.stats.liveKeys, second.task.store.stats.loads, views, loadedKeys.length], [0, 0, 0, 0], 'nothing read back, no view computed');
    assert.deepEqual(second.task.store.get('k7'), { total: 8 });
    assert.deepEqual(loadedKeys, ['k7'], 'loaded when first used');
    // A record on k3 rewrites its slot: the slot's other keys keep the views restored with them.
    second.task.enqueue('a', [message('a', 40, 'k3', { amount: 100, eventTime: at(28) })].map((r) => ({ offset: r.offset, time: r.time, record: r })), 41);
    await until(() => second.task.positions.a === 41);
    await second.task.checkpoint();
    assert.equal(views, 1, 'only the changed key');
    const after = new Map([...(store.tasks.get(0)?.slots.values() ?? [])].flat().map((e) => [e.k, e.view]));
    for (const k of keys) assert.deepEqual(after.get(k), { key: k, total: k === 'k3' ? 104 : Number(k.slice(1)) + 1 }, k);
  });

  it("a failed offset commit is tried again at the next checkpoint, and a restore commits its checkpoint's positions to the group even with nothing left to process", async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const first = makeTask(store, producer);
    await first.task.restore();
    first.task.begin();
    first.task.enqueue('a', [0, 1].map((o) => message('a', o, 'k', { amount: 1, eventTime: at(o + 1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), 2);
    await until(() => first.task.positions.a === 2);
    const hooks = first.task['parts'].hooks;
    const record = hooks.commitOffsets;
    hooks.commitOffsets = async () => {
      throw new Error('the group coordinator moved');
    };
    await first.task.checkpoint();
    assert.equal(store.commits, 1);
    assert.deepEqual(first.commits, [], 'the offset commit failed');
    hooks.commitOffsets = record;
    await first.task.checkpoint();
    assert.deepEqual(first.commits, [{ a: 2, b: 0 }], 'tried again with no new record');
    assert.equal(store.commits, 1, 'without a new checkpoint');
    await first.task.checkpoint();
    assert.equal(first.commits.length, 1, 'once committed, an idle task commits nothing more');

    // The owner that dies between its checkpoint and its offset commit leaves the group's offsets behind: the next
    // owner commits its restored positions although no record comes (a replay's end would otherwise never show as
    // caught up).
    const second = makeTask(store, producer);
    await second.task.restore();
    second.task.begin();
    await second.task.checkpoint();
    assert.deepEqual(second.commits, [{ a: 2, b: 0 }]);
    assert.equal(store.commits, 1);
  });

  it('replaying from a checkpoint after a crash gives the same outputs and state as an uninterrupted run', async () => {
    const records = Array.from({ length: 40 }, (_, i) => message(i % 3 === 0 ? 'b' : 'a', 0, `k${i % 5}`, { amount: i, eventTime: at(1 + (i % 28)) }));
    const byTopic = (list: TaskRecord<Ev>[], topic: string) => list.filter((r) => r.topic === topic).map((r, offset) => ({ ...r, offset, message: { ...r.message, offset } }));
    const a = byTopic(records, 'a');
    const b = byTopic(records, 'b');
    const feed = (task: StreamTask<Ev, { total: number }>, from: { a: number; b: number }) => {
      task.enqueue('a', a.slice(from.a).map((r) => ({ offset: r.offset, time: r.time, record: r })), a.length);
      task.enqueue('b', b.slice(from.b).map((r) => ({ offset: r.offset, time: r.time, record: r })), b.length);
    };
    const reference = new FakeProducer();
    const clean = makeTask(new InMemoryCheckpointStore(), reference);
    await clean.task.restore();
    clean.task.begin();
    feed(clean.task, { a: 0, b: 0 });
    await until(() => clean.task.positions.a === a.length && clean.task.positions.b === b.length);
    await until(() => reference.sent.length === 40);

    const store = new InMemoryCheckpointStore();
    const crashed = new FakeProducer();
    const one = makeTask(store, crashed, { recordsPerTurn: 7 });
    await one.task.restore();
    one.task.begin();
    feed(one.task, { a: 0, b: 0 });
    await until(() => (one.task.positions.a ?? 0) + (one.task.positions.b ?? 0) >= 15);
    await one.task.checkpoint();
    // Crash: everything after the checkpoint is lost with the process.
    await one.task.close({ checkpoint: false });
    const two = makeTask(store, crashed);
    await two.task.restore();
    two.task.begin();
    feed(two.task, { a: two.task.expected('a'), b: two.task.expected('b') });
    await until(() => two.task.positions.a === a.length && two.task.positions.b === b.length);
    await until(() => new Set(crashed.sent.map((s) => s.value)).size === 40);
    assert.deepEqual([...new Set(crashed.sent.map((s) => s.value))].sort(), reference.sent.map((s) => s.value).sort());
    for (let k = 0; k < 5; k++) assert.deepEqual(two.task.store.get(`k${k}`), clean.task.store.get(`k${k}`));
  });

  it('stops processing when the uncommitted backlog reaches its bound, and goes on once a checkpoint commits', async () => {
    const store = new InMemoryCheckpointStore();
    store.failNext = 3;
    const producer = new FakeProducer();
    const { task } = makeTask(store, producer, { maxUncommittedRecords: 5, retry: { initialMs: 20, maxMs: 20 } });
    await task.restore();
    task.begin();
    task.enqueue('a', Array.from({ length: 12 }, (_, o) => message('a', o, 'k', { amount: 1, eventTime: at(1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), 12);
    await until(() => task.positions.a === 5);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(task.positions.a, 5, 'held at the bound while the store fails');
    await until(() => task.positions.a === 12);
    assert.ok(store.commits >= 1);
    assert.equal(store.failNext, 0, 'the failed commits were retried');
  });

  it('held by an unacknowledged send, it says so in its snapshot (blocked on the broker, the request in flight, its age and records), and goes on once acknowledged', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const { task } = makeTask(store, producer, { maxPendingOutputs: 3 });
    await task.restore();
    task.begin();
    producer.hold();
    task.enqueue('a', Array.from({ length: 6 }, (_, o) => message('a', o, 'k', { amount: 1, eventTime: at(1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), 6);
    // The turn that reached the bound ends there; the next one finds the task held and says on what (a fresh clone on a
    // busy machine read the snapshot between the two: blockedOn null).
    await until(() => task.positions.a === 3 && (task.snapshot().sender as { inFlightMs: number | null }).inFlightMs !== null && task.snapshot().blockedOn !== null);
    const held = task.snapshot();
    assert.equal(held.blockedOn, 'broker');
    assert.equal(held.lag, 3, 'three records left to process');
    assert.deepEqual(held.queues, { a: { buffered: 3, position: 6 }, b: { buffered: 0, position: 0 } });
    const sender = held.sender as { pending: number; inFlightRecords: number; attempt: number };
    assert.equal(sender.pending, 3);
    assert.ok(sender.inFlightRecords >= 1, 'a request is in flight');
    assert.equal(sender.attempt, 1);
    producer.release();
    await until(() => task.positions.a === 6 && producer.sent.length === 6);
    await until(() => (task.snapshot().sender as { inFlightMs: number | null }).inFlightMs === null);
    assert.equal(task.snapshot().blockedOn, null);
  });

  it('while catching up it checkpoints at the catch-up interval, or early at half the uncommitted bound; caught up, at the commit interval', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const { task, registry } = makeTask(store, producer, { commitIntervalMs: 10, catchUpCommitIntervalMs: 3_600_000, catchUpLagRecords: 100, maxUncommittedRecords: 10 });
    const catchingUp = async () => (await registry.getSingleMetric('creditstream_task_catching_up')?.get())?.values[0]?.value;
    await task.restore();
    task.begin();
    const records = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => message('a', from + i, 'k', { amount: 1, eventTime: at(1) })).map((r) => ({ offset: r.offset, time: r.time, record: r }));
    task.enqueue('a', records(0, 3), 108);
    await until(() => task.positions.a === 3);
    assert.equal(task.catchingUp, true, '105 records in the log not processed');
    while ((await catchingUp()) !== 1) await new Promise((r) => setTimeout(r, 5));
    assert.equal(store.commits, 0, 'the commit timer ran and left the checkpoint to the catch-up interval');

    task.enqueue('a', records(3, 5), 108);
    await until(() => store.commits === 1);
    assert.deepEqual(store.tasks.get(0)?.positions, { a: 5, b: 0 }, 'half the uncommitted bound (5 of 10) started a checkpoint');
    assert.equal(task.catchingUp, true);

    task.enqueue('a', records(5, 9), 108);
    await until(() => store.commits === 2);
    assert.equal(task.catchingUp, false, '99 records left: below catchUpLagRecords');
    assert.deepEqual(store.tasks.get(0)?.positions, { a: 9, b: 0 }, 'caught up: the commit interval applies again');
    assert.equal(await catchingUp(), 0);
  });

  it('while catching up, offsets the group refused are committed again at the commit interval, without a checkpoint (a rebalance refused them, and lag-based autoscaling read a backlog 30 s stale)', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const { task, commits } = makeTask(store, producer, { commitIntervalMs: 10, catchUpCommitIntervalMs: 3_600_000, catchUpLagRecords: 100 });
    await task.restore();
    task.begin();
    task.enqueue('a', [0, 1, 2].map((o) => message('a', o, 'k', { amount: 1, eventTime: at(1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), 500);
    await until(() => task.positions.a === 3);
    const hooks = task['parts'].hooks;
    const record = hooks.commitOffsets;
    let refused = 0;
    hooks.commitOffsets = async () => {
      refused += 1;
      throw new Error('REBALANCE_IN_PROGRESS (test)');
    };
    await task.checkpoint();
    assert.equal(store.commits, 1);
    assert.equal(task.catchingUp, true, '497 records not processed');
    await until(() => refused >= 2);
    hooks.commitOffsets = record;
    await until(() => commits.length > 0);
    assert.deepEqual(commits.at(-1), { a: 3, b: 0 }, "the checkpoint's positions");
    assert.equal(store.commits, 1, 'no new checkpoint (the catch-up interval is an hour)');
    await task.close({ checkpoint: false });
  });

  it('a task more than a commit interval of work behind catches up, far below catchUpLagRecords (the scoring benchmark checkpointing every 2 s while it could not keep up)', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    // 2 ms of CPU per record: a service short of CPU. 300 records are 0.6 s of work, 30 commit intervals.
    const slow: Processor<Ev, { total: number }> = {
      process(record, ctx) {
        const until = performance.now() + 2;
        while (performance.now() < until);
        return summing.process(record, ctx);
      },
    };
    const { task, registry } = makeTask(store, producer, { commitIntervalMs: 20, catchUpCommitIntervalMs: 3_600_000, catchUpLagRecords: 10_000 }, slow);
    const catchingUp = async () => (await registry.getSingleMetric('creditstream_task_catching_up')?.get())?.values[0]?.value;
    await task.restore();
    task.begin();
    task.enqueue('a', Array.from({ length: 300 }, (_, o) => message('a', o, 'k', { amount: 1, eventTime: at(1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), 300);
    while ((await catchingUp()) !== 1) await new Promise((r) => setImmediate(r));
    assert.ok(task.lag > 0 && task.lag < 10_000, `behind by pace, not by count (lag ${task.lag})`);
    assert.equal(task.catchingUp, true);
    const commitsWhenBehind = store.commits;
    await until(() => task.positions.a === 300);
    assert.ok(store.commits - commitsWhenBehind <= 2, `${store.commits - commitsWhenBehind} checkpoints while behind: the catch-up interval applied, not the commit interval`);
    // Caught up: the next commit timer takes a checkpoint of everything.
    await until(() => store.tasks.get(0)?.positions.a === 300);
    while ((await catchingUp()) !== 0) await new Promise((r) => setImmediate(r));
    assert.equal(task.catchingUp, false);
  });

  it('behind by an interval: took records, fewer than were waiting, and some still wait; a task that took none was waiting, not short of time', () => {
    assert.equal(behindByAnInterval(500, 100, 450), true, 'took 100 of 500');
    assert.equal(behindByAnInterval(500, 500, 50), false, 'took every record that was waiting: new ones arrived since');
    assert.equal(behindByAnInterval(500, 0, 500), false, 'took none: held, or waiting');
    assert.equal(behindByAnInterval(500, 100, 0), false, 'nothing left');
    assert.equal(behindByAnInterval(0, 100, 5), false, 'nothing was waiting: live');
  });

  it('a slot document that would pass maxSlotBytes doubles the slot count until every slot fits; the count is kept in the checkpoint and a restore keeps the layout (MongoDB refuses a document over 16 MiB: a state that outgrew its slots failed every checkpoint)', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const { task } = makeTask(store, producer, { slots: 2, maxSlotBytes: 1024 });
    await task.restore();
    task.begin();
    const keys = Array.from({ length: 100 }, (_, i) => `customer-${String(i).padStart(3, '0')}`);
    task.enqueue('a', keys.map((k, o) => message('a', o, k, { amount: o + 1, eventTime: at(1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), 100);
    await until(() => task.positions.a === 100);
    await task.checkpoint();
    const saved = store.tasks.get(0);
    const slots = (saved?.meta as { slots?: number }).slots as number;
    assert.ok(slots > 2 && Number.isInteger(Math.log2(slots)), `slot count ${slots}: doubled from 2`);
    assert.deepEqual([...(saved?.slots.keys() ?? [])].sort((a, b) => a - b), Array.from({ length: slots }, (_, i) => i), 'every slot written in the new layout');
    for (const [slot, entries] of saved?.slots ?? []) {
      const views = entries.map((e) => e.view ?? null).filter((v) => v !== null);
      const bytes = entries.reduce((n, e) => n + e.k.length + e.v.length, 0) + BSON.calculateObjectSize({ views, viewIndex: entries.map((_, i) => i) });
      assert.ok(bytes <= 1024, `slot ${slot}: ${bytes} bytes`);
      for (const e of entries) assert.equal(slotOf(e.k, slots), slot, `${e.k} in slot ${slot}`);
    }
    assert.equal([...(saved?.slots.values() ?? [])].reduce((n, e) => n + e.length, 0), 100, 'every key once');
    await task.close({ checkpoint: false });

    // A new owner configured with 2 slots restores the grown layout and writes only the slot a record changed.
    const next = makeTask(store, producer, { slots: 2, maxSlotBytes: 1024 }).task;
    await next.restore();
    next.begin();
    next.enqueue('a', [message('a', 100, 'customer-007', { amount: 1000, eventTime: at(2) })].map((r) => ({ offset: r.offset, time: r.time, record: r })), 101);
    await until(() => next.positions.a === 101);
    const before = new Map([...(store.tasks.get(0)?.slots ?? [])].map(([slot, entries]) => [slot, entries]));
    await next.checkpoint();
    const after = store.tasks.get(0);
    assert.equal((after?.meta as { slots?: number }).slots, slots);
    const rewritten = [...(after?.slots ?? [])].filter(([slot, entries]) => before.get(slot) !== entries).map(([slot]) => slot);
    assert.deepEqual(rewritten, [slotOf('customer-007', slots)]);
    await next.close({ checkpoint: false });
  });

  it('after the slot count grew, a checkpoint that failed leaves the next one to write every slot: no key is restored from its old slot document and its new one', async () => {
    class FailingOnce extends InMemoryCheckpointStore {
      failures = 0;
      override async commit(...args: Parameters<InMemoryCheckpointStore['commit']>): ReturnType<InMemoryCheckpointStore['commit']> {
        if (this.failures > 0) {
          this.failures -= 1;
          throw new Error('refused (test): not retriable');
        }
        return super.commit(...args);
      }
    }
    const store = new FailingOnce();
    const producer = new FakeProducer();
    // Key k3's value grows past what its slot can hold beside the others at its second record (about 1.1 kB compressed).
    const noise = Array.from({ length: 400 }, (_, i) => ((i * 104729) % 1000003).toString(36)).join('');
    const growing: Processor<Ev, { total: number; noise?: string }> = {
      process(record, ctx) {
        const key = record.key as string;
        const v = ctx.store.get(key) ?? { total: 0 };
        v.total += record.event.amount;
        if (key === 'k3' && v.total >= 2) v.noise = noise;
        ctx.store.put(key, v);
      },
      view: (key, v) => ({ key, total: v.total }),
    };
    const { task } = makeTask(store, producer, { slots: 2, maxSlotBytes: 1220 }, growing as Processor<Ev, { total: number }>);
    await task.restore();
    task.begin();
    const enqueue = (from: number, keys: string[]) => task.enqueue('a', keys.map((k, i) => message('a', from + i, k, { amount: 1, eventTime: at(1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), from + keys.length);
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
    enqueue(0, keys);
    await until(() => task.positions.a === 8);
    await task.checkpoint();
    assert.equal((store.tasks.get(0)?.meta as { slots?: number }).slots, 2, 'eight small keys fit two slots');
    enqueue(8, ['k3']);
    await until(() => task.positions.a === 9);
    store.failures = 1;
    await task.checkpoint();
    assert.equal(store.commits, 1, 'the first checkpoint in the grown layout failed');
    await task.checkpoint();
    const saved = store.tasks.get(0);
    const slots = (saved?.meta as { slots?: number }).slots as number;
    assert.ok(slots > 2, `grown to ${slots}`);
    const restored = [...(saved?.slots.values() ?? [])].flat().map((e) => e.k);
    assert.deepEqual(restored.sort(), keys, 'every key once');
    for (const [slot, entries] of saved?.slots ?? []) for (const e of entries) assert.equal(slotOf(e.k, slots), slot);
    await task.close({ checkpoint: false });
  });

  it('a checkpoint of another slot layout is written again in the new one: every slot rewritten, the slots beyond it no longer named, every key restored once with its latest value', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const keys = Array.from({ length: 20 }, (_, i) => `customer-${String(i).padStart(2, '0')}`);
    const keysIn = (slots: Map<number, { k: string }[]> | undefined) => [...(slots?.values() ?? [])].flat().map((e) => e.k).sort();
    // An owner with `slots` slots that takes one record per key and checkpoints them.
    const checkpointed = async (to: InMemoryCheckpointStore, slots: number, ks: string[]) => {
      const owner = makeTask(to, producer, { slots }).task;
      await owner.restore();
      owner.begin();
      owner.enqueue('a', ks.map((k, o) => message('a', o, k, { amount: 1, eventTime: at(1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), ks.length);
      await until(() => owner.positions.a === ks.length);
      await owner.checkpoint();
      await owner.close({ checkpoint: false });
    };
    await checkpointed(store, 8, keys);
    // Written before the count was kept in the meta: a new owner configured with 2 slots lays the state out in 2.
    delete (store.tasks.get(0)?.meta as { slots?: number }).slots;
    const fewer = makeTask(store, producer, { slots: 2 }).task;
    await fewer.restore();
    fewer.begin();
    fewer.enqueue('a', [message('a', 20, 'customer-07', { amount: 100, eventTime: at(2) })].map((r) => ({ offset: r.offset, time: r.time, record: r })), 21);
    await until(() => fewer.positions.a === 21);
    await fewer.checkpoint();
    await fewer.close({ checkpoint: false });
    let saved = store.tasks.get(0);
    assert.deepEqual([...(saved?.slots.keys() ?? [])].sort(), [0, 1], 'slots 2 to 7 no longer named');
    assert.deepEqual(keysIn(saved?.slots), keys, 'every key once');
    const restored = makeTask(store, producer, { slots: 2 }).task;
    await restored.restore();
    assert.deepEqual(restored.store.get('customer-07'), { total: 101 });
    await restored.close({ checkpoint: false });

    // A larger option: a slot that holds no key in the new layout is written (empty), not left with the old layout's keys.
    const few = ['a', 'b'];
    const slots = 64;
    assert.ok(few.every((k) => slotOf(k, slots) !== 0), 'neither key in slot 0 of 64');
    const small = new InMemoryCheckpointStore();
    await checkpointed(small, 1, few);
    const more = makeTask(small, producer, { slots }).task;
    await more.restore();
    more.begin();
    await more.checkpoint();
    await more.close({ checkpoint: false });
    saved = small.tasks.get(0);
    assert.deepEqual(keysIn(saved?.slots), few, 'every key once');
    assert.equal((saved?.meta as { slots?: number }).slots, slots);
  });

  it('a key whose value alone passes maxSlotBytes fails the checkpoint with STATE_VALUE_TOO_LARGE naming it, and loses nothing: the change stays to be written', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const lines: string[] = [];
    const logger = createLogger({ name: 'test', level: 'error', destination: new Writable({ write: (chunk, _e, done) => void (lines.push(String(chunk)), done()) }) });
    // An incompressible value of about 2 kB.
    const noise = (seed: number) => Array.from({ length: 400 }, (_, i) => ((seed * 7919 + i * 104729) % 1000003).toString(36)).join('');
    const bulky: Processor<Ev, { total: number; noise?: string }> = {
      process(record, ctx) {
        const key = record.key as string;
        const v = ctx.store.get(key) ?? { total: 0 };
        v.total += record.event.amount;
        // Bulky until its second record.
        if (key === 'big' && v.total < 2) v.noise = noise(v.total);
        else delete v.noise;
        ctx.store.put(key, v);
      },
    };
    const { task } = makeTask(store, producer, { slots: 2, maxSlotBytes: 1024 }, bulky as Processor<Ev, { total: number }>, logger);
    await task.restore();
    task.begin();
    task.enqueue('a', ['small', 'big'].map((k, o) => message('a', o, k, { amount: 1, eventTime: at(1) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), 2);
    await until(() => task.positions.a === 2);
    await task.checkpoint();
    assert.equal(store.commits, 0);
    assert.equal(task.uncommittedRecords, 2);
    const logged = lines.map((l) => JSON.parse(l) as { code?: string; err?: string }).find((l) => l.code === 'STATE_VALUE_TOO_LARGE');
    assert.match(logged?.err ?? '', /key "big"/);
    // Still to be written: once the value is small again, a checkpoint commits both keys and every record.
    task.enqueue('a', [message('a', 2, 'big', { amount: 1, eventTime: at(1) })].map((r) => ({ offset: r.offset, time: r.time, record: r })), 3);
    await until(() => task.positions.a === 3);
    await task.checkpoint();
    assert.equal(store.commits, 1);
    const saved = [...(store.tasks.get(0)?.slots.values() ?? [])].flat().map((e) => [e.k, compressedJsonSerde<{ total: number }>().deserialize(e.v).total]);
    assert.deepEqual(saved.sort(), [['big', 2], ['small', 1]]);
    assert.deepEqual(store.tasks.get(0)?.positions, { a: 3, b: 0 });
    await task.close({ checkpoint: false });
  });

  it('work a record defers runs in turns before the next record, and no checkpoint is taken until it is done', async () => {
    const store = new InMemoryCheckpointStore();
    const producer = new FakeProducer();
    const order: string[] = [];
    let gate = false;
    const fanOut: Processor<Ev, { total: number }> = {
      process(record, ctx) {
        order.push(`record ${record.offset}`);
        if (record.offset !== 0) return;
        let i = 0;
        ctx.defer(() => {
          order.push(`chunk ${i}`);
          i += 1;
          return i < 3 || !gate;
        });
      },
    };
    const registry = createMetrics({ service: 'test' }).registry;
    const task = new StreamTask<Ev, { total: number }>({
      partition: 0, topics: ['a', 'b'], processor: fanOut, checkpoints: store, serde: compressedJsonSerde(),
      sender: new OutputSender(producer.asProducer(), createLogger({ name: 'test', level: 'silent' }), { initialMs: 1, maxMs: 2 }),
      encode: (_t, e) => Buffer.from(JSON.stringify(e)), deadLetter: (m) => ({ topic: 'dlq', key: m.key, value: Buffer.alloc(0) }),
      hooks: { pause: () => undefined, resume: () => undefined, seek: () => undefined, commitOffsets: async () => undefined, onClosed: () => undefined },
      options: compileTaskOptions({ commitIntervalMs: 60_000, maxIdleMs: 0, maxTurnMs: 1 }), metrics: taskMetrics(registry), logger: createLogger({ name: 'test', level: 'silent' }),
    });
    await task.restore();
    task.begin();
    task.enqueue('a', [0, 1].map((o) => message('a', o, 'k', { amount: 1, eventTime: at(1 + o) })).map((r) => ({ offset: r.offset, time: r.time, record: r })), 2);
    await until(() => order.length >= 5);
    assert.deepEqual(order.slice(0, 4), ['record 0', 'chunk 0', 'chunk 1', 'chunk 2']);
    assert.ok(!order.includes('record 1'), 'the next record waits for the deferred work');
    await task.checkpoint();
    assert.equal(store.commits, 0, 'no checkpoint while deferred work is pending');
    gate = true;
    await until(() => order.includes('record 1'));
    assert.equal(task.pendingWork, 0);
    await task.checkpoint();
    assert.equal(store.commits, 1);
  });

  it('regression (chaos test: a collections task took a business-day tick before an older payment of the same fetch, unlike a replay): held while a fetch response is queued, a task takes records in business-time order across its batches', async () => {
    const queued = (topic: string, offset: number, day: number) => {
      const r = message(topic, offset, 'k', { amount: day, eventTime: at(day) });
      return [{ offset: r.offset, time: r.time, record: r }];
    };
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    };
    // Not held: the batch of topic b (day 2) is taken before topic a's batch (day 1) of the same response is queued.
    const loose = new FakeProducer();
    const { task: unheld } = makeTask(new InMemoryCheckpointStore(), loose);
    await unheld.restore();
    unheld.begin();
    unheld.enqueue('b', queued('b', 0, 2), 1);
    await turns(5);
    unheld.enqueue('a', queued('a', 0, 1), 1);
    await until(() => loose.sent.length === 2);
    assert.deepEqual(loose.sent.map((s) => JSON.parse(s.value).total), [2, 3], 'the race: day 2 first');
    // Held from the response until every batch of it is queued: day 1 first, as a replay takes them.
    const producer = new FakeProducer();
    const { task } = makeTask(new InMemoryCheckpointStore(), producer);
    await task.restore();
    task.begin();
    task.hold(true);
    task.enqueue('b', queued('b', 0, 2), 1);
    await turns(5);
    assert.equal(producer.sent.length, 0, 'nothing taken while held');
    task.enqueue('a', queued('a', 0, 1), 1);
    task.hold(false);
    await until(() => producer.sent.length === 2);
    assert.deepEqual(producer.sent.map((s) => JSON.parse(s.value).total), [1, 3]);
  });
});
