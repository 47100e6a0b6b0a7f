import assert from 'node:assert/strict';
import { createLogger } from '@creditstream/logging';
import { createMetrics } from '@creditstream/metrics';
import type { InboundMessage } from '@creditstream/kafka';
import { InMemoryCheckpointStore } from '../src/checkpoint-store';
import { taskMetrics } from '../src/metrics';
import { compileTaskOptions } from '../src/options';
import { OutputSender } from '../src/output-sender';
import { endOfDay, ProgressGate, type ProgressMark } from '../src/progress';
import { compressedJsonSerde } from '../src/serde';
import { StreamTask, type Processor, type TaskProgress, type TaskRecord } from '../src/task';
import { FakeProducer } from './fake-producer';

interface Ev {
  eventTime: string;
  mark?: ProgressMark;
}

const day = (d: number) => Date.parse(`2024-01-${String(d).padStart(2, '0')}T00:00:00.000Z`);

/** Forwards what it processed, in order, so the test sees the order; a tick defers one turn of work. */
const recording: Processor<Ev, number> = {
  process(record, ctx) {
    ctx.forward('out', record.key ?? '*', { seen: `${record.topic}@${new Date(record.time).getUTCDate()}` });
    if (record.topic === 'clock') ctx.defer(() => false);
  },
};

class RecordingProducer extends FakeProducer {
  seen(): string[] {
    return this.sent.filter((s) => s.topic === 'out').map((s) => (JSON.parse(s.value) as { seen: string }).seen);
  }
  announced(): ProgressMark[] {
    return this.sent.filter((s) => s.topic === 'progress').map((s) => JSON.parse(s.value) as ProgressMark);
  }
}

function progressOptions(over: Partial<TaskProgress>): TaskProgress {
  return {
    service: 'down',
    topic: 'progress',
    clockTopic: 'clock',
    announces: [],
    awaits: ['up'],
    maxWaitMs: 60_000,
    markOf: (event) => (event as Ev).mark ?? null,
    encode: (mark, partition) => ({ topic: 'progress', key: '*', partition, value: Buffer.from(JSON.stringify(mark)) }),
    ...over,
  };
}

function makeTask(topics: string[], progress: TaskProgress, ends: Record<string, number> = {}, store = new InMemoryCheckpointStore()) {
  const producer = new RecordingProducer();
  const registry = createMetrics({ service: 'test' }).registry;
  const metrics = taskMetrics(registry);
  const task = new StreamTask<Ev, number>({
    partition: 3,
    topics,
    processor: recording,
    checkpoints: store,
    serde: compressedJsonSerde(),
    sender: new OutputSender(producer.asProducer(), createLogger({ name: 'test', level: 'silent' }), { initialMs: 1, maxMs: 2 }),
    encode: (_topic, event) => Buffer.from(JSON.stringify(event)),
    deadLetter: (m, code) => ({ topic: 'dlq', key: m.key, value: Buffer.from(code) }),
    hooks: { pause: () => undefined, resume: () => undefined, seek: () => undefined, commitOffsets: async () => undefined, endOffsets: async (ts) => Object.fromEntries(ts.map((t) => [t, ends[t] ?? 0])), onClosed: () => undefined },
    options: compileTaskOptions({ commitIntervalMs: 60_000, maxIdleMs: 0 }),
    metrics,
    logger: createLogger({ name: 'test', level: 'silent' }),
    progress,
  });
  return { task, producer, metrics, store };
}

function rec(topic: string, offset: number, time: number, mark?: ProgressMark): { offset: number; time: number; record: TaskRecord<Ev> } {
  const event: Ev = { eventTime: new Date(time).toISOString(), ...(mark ? { mark } : {}) };
  const message: InboundMessage<Ev> = { topic, partition: 3, offset, key: Buffer.from('k'), value: Buffer.from('{}'), headers: {}, timestamp: '0', event };
  return { offset, time, record: { topic, partition: 3, offset, key: 'k', time, event, message, failure: null } };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

describe('progress between services', () => {
  it('a gate holds a tick until the awaited service is past it and its outputs up to there are fetched', () => {
    const gate = new ProgressGate(['scoring']);
    assert.equal(gate.blocking(day(2), () => 0), 'scoring', 'no mark yet');
    gate.observe({ service: 'fraud', time: day(5), ends: {} });
    assert.equal(gate.blocking(day(2), () => 0), 'scoring', 'marks of services it does not await change nothing');
    gate.observe({ service: 'scoring', time: day(1), ends: { predictions: 4 } });
    assert.equal(gate.blocking(day(2), () => 10), 'scoring', 'a mark before the tick');
    gate.observe({ service: 'scoring', time: day(2), ends: { predictions: 7, unread: 99 } });
    assert.equal(gate.blocking(day(2), (t) => (t === 'predictions' ? 6 : undefined)), 'scoring', 'offset 6 of predictions not fetched');
    assert.equal(gate.blocking(day(2), (t) => (t === 'predictions' ? 7 : undefined)), null, 'fetched through; topics that are no input are ignored');
    gate.observe({ service: 'scoring', time: day(1), ends: { predictions: 9 } });
    assert.equal(gate.blocking(day(2), (t) => (t === 'predictions' ? 7 : undefined)), null, 'an older mark read late changes nothing');
    const copy = new ProgressGate(['scoring']);
    copy.restore(gate.snapshot());
    assert.equal(copy.blocking(day(2), (t) => (t === 'predictions' ? 7 : undefined)), null, 'restored from a checkpoint');
  });

  it('a gate without a clock reaches the latest mark whose outputs are processed', () => {
    const gate = new ProgressGate(['feature']);
    assert.equal(gate.reached(() => 0), null);
    gate.observe({ service: 'feature', time: day(1), ends: { features: 3 } });
    gate.observe({ service: 'feature', time: day(2), ends: { features: 8 } });
    assert.equal(gate.reached(() => 2), null);
    assert.equal(gate.reached(() => 5), day(1));
    assert.equal(gate.reached(() => 8), day(2));
    assert.deepEqual(gate.snapshot().map((m) => m.time), [day(2)], 'marks before the one reached are forgotten');
  });

  it('live, a tick waits for the upstream output that a replay would take before it (regression: collections took a tick before the predictions of that day)', async () => {
    const { task, producer } = makeTask(['derived', 'a', 'clock', 'progress'], progressOptions({}));
    await task.restore();
    task.begin();
    // The inputs are there first; the upstream's output of day 1 arrives later, as live.
    task.enqueue('clock', [rec('clock', 0, day(2))], 1);
    task.enqueue('a', [rec('a', 0, day(1)), rec('a', 1, day(3))], 2);
    await until(() => producer.seen().length === 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(producer.seen(), ['a@1'], 'the tick of day 2 waits: the upstream has not said it is past day 2');
    task.enqueue('derived', [rec('derived', 0, day(1))], 1);
    task.enqueue('progress', [rec('progress', 0, day(2), { service: 'up', time: day(2), ends: { derived: 1 } })], 1);
    await until(() => producer.seen().length === 4);
    assert.deepEqual(producer.seen(), ['a@1', 'derived@1', 'clock@2', 'a@3'], 'the business-time order of a replay');
    assert.deepEqual(task.positions, { derived: 1, a: 2, clock: 1, progress: 1 });
  });

  it('a tick that waited longer than maxWaitMs is taken anyway, and counted', async () => {
    const { task, producer, metrics } = makeTask(['derived', 'clock', 'progress'], progressOptions({ maxWaitMs: 20 }));
    await task.restore();
    task.begin();
    task.enqueue('clock', [rec('clock', 0, day(2))], 1);
    await until(() => producer.seen().length === 1);
    assert.deepEqual(producer.seen(), ['clock@2']);
    const timeouts = (await metrics.progressTimeouts.get()).values.find((v) => v.labels.service === 'up');
    assert.equal(timeouts?.value, 1);
  });

  it('a service announces a tick once its deferred work is done and its outputs are acknowledged, and again after a restore', async () => {
    const store = new InMemoryCheckpointStore();
    const first = makeTask(['a', 'clock'], progressOptions({ awaits: [], announces: ['out'] }), { out: 41 }, store);
    await first.task.restore();
    first.task.begin();
    first.task.enqueue('a', [rec('a', 0, day(1))], 1);
    first.task.enqueue('clock', [rec('clock', 0, day(2))], 1);
    await until(() => first.producer.announced().length === 1);
    const sent = first.producer.sent.map((s) => s.topic);
    assert.ok(sent.lastIndexOf('out') < sent.indexOf('progress'), 'announced after the outputs');
    assert.deepEqual(first.producer.announced(), [{ service: 'down', time: day(2), ends: { out: 41 } }]);
    assert.equal(first.producer.sent.find((s) => s.topic === 'progress')?.partition, 3, 'on the task\'s own partition');
    await first.task.checkpoint();
    await first.task.close({ checkpoint: false });
    // The next owner announces the completed tick again: its predecessor may have died before announcing it.
    const second = makeTask(['a', 'clock'], progressOptions({ awaits: [], announces: ['out'] }), { out: 45 }, store);
    await second.task.restore();
    second.task.begin();
    await until(() => second.producer.announced().length === 1);
    assert.deepEqual(second.producer.announced(), [{ service: 'down', time: day(2), ends: { out: 45 } }]);
  });

  it('a service without a clock announces the progress of the services it awaits once it has processed their outputs', async () => {
    const { task, producer } = makeTask(['derived', 'progress'], progressOptions({ clockTopic: undefined, awaits: ['up'], announces: ['out'] }), { out: 7 });
    await task.restore();
    task.begin();
    task.enqueue('progress', [rec('progress', 0, day(2), { service: 'up', time: day(2), ends: { derived: 2 } })], 1);
    task.enqueue('derived', [rec('derived', 0, day(1))], 2);
    await until(() => producer.seen().length === 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(producer.announced(), [], 'offset 1 of the upstream output is not processed yet');
    task.enqueue('derived', [rec('derived', 1, day(2))], 2);
    await until(() => producer.announced().length === 1);
    assert.deepEqual(producer.announced(), [{ service: 'down', time: day(2), ends: { out: 7 } }]);
  });

  it('the records of the days after a tick wait for the daily run of the services awaited so (account blocks stamped at its day\'s end); the rest of the tick\'s day does not', async () => {
    const { task, producer } = makeTask(['customers', 'orders', 'clock', 'progress'], progressOptions({ awaits: [], awaitsDailyRun: ['blocker'] }));
    await task.restore();
    task.enqueue('progress', [], 0);
    task.begin();
    const hours = 3_600_000;
    task.enqueue('clock', [rec('clock', 0, day(2)), rec('clock', 1, day(3))], 2);
    task.enqueue('orders', [rec('orders', 0, day(1)), rec('orders', 1, day(2) + 15 * hours), rec('orders', 2, day(3) + 9 * hours)], 3);
    await until(() => producer.seen().length === 3);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(producer.seen(), ['orders@1', 'clock@2', 'orders@2'], 'the tick and the rest of its day do not wait; the next day (its tick too) does');
    // The blocker's daily run of day 2 blocked the account, stamped at the end of day 2, and says it is past day 2.
    task.enqueue('customers', [rec('customers', 0, endOfDay(day(2)) - 1)], 1);
    await until(() => producer.seen().length === 4);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(producer.seen().slice(3), ['customers@2'], 'the block is of day 2; day 3 waits for the mark, which says the run is over');
    task.enqueue('progress', [rec('progress', 0, day(2), { service: 'blocker', time: day(2), ends: { customers: 1 } })], 1);
    await until(() => producer.seen().length === 6);
    assert.deepEqual(producer.seen(), ['orders@1', 'clock@2', 'orders@2', 'customers@2', 'clock@3', 'orders@3']);
  });

  it('forgets marks before a tick it has passed', () => {
    const gate = new ProgressGate(['a', 'b']);
    for (const d of [1, 2, 3]) gate.observe({ service: 'a', time: day(d), ends: {} });
    gate.observe({ service: 'b', time: day(1), ends: {} });
    gate.forget(day(2));
    assert.deepEqual(gate.snapshot().map((m) => [m.service, new Date(m.time).getUTCDate()]), [['a', 2], ['a', 3]]);
  });
});
