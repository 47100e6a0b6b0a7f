import assert from 'node:assert/strict';
import { Binary } from 'mongodb';
import { openStore, type Store } from '@creditstream/store';
import { stack, uniqueName } from '@creditstream/testing';
import { MongoCheckpointStore, type CheckpointWrite, type SlotWrite } from '../src';

const slot = (n: number, entries: Record<string, string>): SlotWrite => ({ slot: n, entries: Object.entries(entries).map(([k, v]) => ({ k, v: Buffer.from(v) })), views: Object.entries(entries).map(([k, v]) => ({ k, v })), viewIndex: Object.keys(entries).map((_, i) => i) });

/** Polls `check` every 20 ms until it holds, failing after `ms`. */
async function eventually(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('MongoCheckpointStore (on the real stack)', function () {
  this.timeout(60_000);
  let store: Store;
  before(async () => {
    store = await openStore({ uri: stack().mongodbUri, database: uniqueName('checkpoints').replace(/[-.]/g, '_') });
  });
  after(() => store.close());

  const slotIds = async (collection: string, partition: number) => (await store.collection<{ _id: string }>(collection).find({ partition, kind: 'slot' }, { projection: { _id: 1 } }).toArray()).map((d) => d._id).sort();

  it('commits a retried checkpoint once: documents a failed attempt already wrote count as written', async () => {
    const checkpoints = new MongoCheckpointStore(store, 'retried_state');
    const { epoch } = await checkpoints.acquire(0);
    const write: CheckpointWrite = { seq: 1, positions: { t: 3 }, meta: null, slots: [slot(0, { a: 'a1' }), slot(1, { b: 'b1' })], logs: [{ collection: 'retried_log', documents: [{ _id: 'x', id: 'x' }, { _id: 'y', id: 'y' }] }] };
    // The first attempt wrote one slot document (the same, as its id says) and the log chunk, then the store went
    // away before the commit point.
    await store.collection('retried_state').insertOne({ _id: `0:0:${epoch}:1`, kind: 'slot', partition: 0, slot: 0, epoch, seq: 1, entries: [{ k: 'a', v: new Binary(Buffer.from('a1')) }], views: [{ k: 'a', v: 'a1' }] } as never);
    await store.collection('retried_log').insertOne({ _id: `0:${epoch}:1:0`, partition: 0, epoch, seq: 1, entries: write.logs[0]?.documents } as never);
    const { documents } = await checkpoints.commit(0, epoch, write);
    assert.equal(documents, 4, 'two slot documents, one log chunk, the task document');
    assert.deepEqual(await slotIds('retried_state', 0), [`0:0:${epoch}:1`, `0:1:${epoch}:1`]);
    assert.equal(await store.collection('retried_log').countDocuments({}), 1);
    // The same write once more (a retry after the commit point): no error, no new document, nothing deleted.
    await checkpoints.commit(0, epoch, write);
    assert.deepEqual(await slotIds('retried_state', 0), [`0:0:${epoch}:1`, `0:1:${epoch}:1`]);
    assert.deepEqual((await checkpoints.views(0)).map((v) => String(v.k)).sort(), ['a', 'b']);
  });

  it('restores each entry with its read-model view (null where it has none); slot documents written before views were indexed restore without them', async () => {
    const checkpoints = new MongoCheckpointStore(store, 'views_state');
    const { epoch } = await checkpoints.acquire(0);
    const write: SlotWrite = { slot: 0, entries: [{ k: 'a', v: Buffer.from('a1') }, { k: 'b', v: Buffer.from('b1') }, { k: 'c', v: Buffer.from('c1') }], views: [{ id: 'a' }, { id: 'c' }], viewIndex: [0, -1, 1] };
    await checkpoints.commit(0, epoch, { seq: 1, positions: {}, meta: null, slots: [write], logs: [] });
    const restored = await new MongoCheckpointStore(store, 'views_state').acquire(0);
    assert.deepEqual(restored.slots.get(0)?.map((e) => [e.k, e.v.toString(), e.view]), [['a', 'a1', { id: 'a' }], ['b', 'b1', null], ['c', 'c1', { id: 'c' }]]);
    // An earlier version's slot document: no viewIndex.
    await store.collection('views_state').updateOne({ _id: `0:0:${restored.epoch - 1}:1` } as never, { $unset: { viewIndex: '' } });
    const older = await new MongoCheckpointStore(store, 'views_state').acquire(0);
    assert.deepEqual(older.slots.get(0)?.map((e) => [e.k, 'view' in e]), [['a', false], ['b', false], ['c', false]]);
  });

  it('deletes the slot documents a checkpoint replaced, by id, and what an earlier owner left behind when the task is acquired', async () => {
    const checkpoints = new MongoCheckpointStore(store, 'garbage_state');
    const first = await checkpoints.acquire(2);
    await checkpoints.commit(2, first.epoch, { seq: 1, positions: {}, meta: null, slots: [slot(0, { a: 'a1' }), slot(1, { b: 'b1' })], logs: [] });
    await checkpoints.commit(2, first.epoch, { seq: 2, positions: {}, meta: null, slots: [slot(1, { b: 'b2' })], logs: [] });
    assert.deepEqual(await slotIds('garbage_state', 2), [`2:0:${first.epoch}:1`, `2:1:${first.epoch}:2`], 'slot 1 of checkpoint 1 is gone, slot 0 stays');
    // A checkpoint that crashed between its slot documents and its commit point leaves one behind.
    await store.collection('garbage_state').insertOne({ _id: `2:5:${first.epoch}:3`, kind: 'slot', partition: 2, slot: 5, epoch: first.epoch, seq: 3, entries: [], views: [] } as never);
    const second = await new MongoCheckpointStore(store, 'garbage_state').acquire(2);
    assert.deepEqual([...second.slots.keys()].sort(), [0, 1], 'the restore reads the committed slots only');
    await eventually('the leftover slot document to be deleted', 10_000, async () => (await slotIds('garbage_state', 2)).length === 2);
    assert.deepEqual(await slotIds('garbage_state', 2), [`2:0:${first.epoch}:1`, `2:1:${first.epoch}:2`]);
  });

  it('a checkpoint with a smaller slot count no longer names the slots beyond it and deletes their documents', async () => {
    const checkpoints = new MongoCheckpointStore(store, 'layout_state');
    const { epoch } = await checkpoints.acquire(1);
    await checkpoints.commit(1, epoch, { seq: 1, positions: {}, meta: null, slots: [slot(0, { a: 'a1' }), slot(1, { b: 'b1' }), slot(2, { c: 'c1' }), slot(3, { d: 'd1' })], logs: [] });
    await checkpoints.commit(1, epoch, { seq: 2, positions: {}, meta: null, slots: [slot(0, { a: 'a1', c: 'c1' }), slot(1, { b: 'b1', d: 'd2' })], slotCount: 2, logs: [] });
    assert.deepEqual(await slotIds('layout_state', 1), [`1:0:${epoch}:2`, `1:1:${epoch}:2`]);
    const restored = await new MongoCheckpointStore(store, 'layout_state').acquire(1);
    assert.deepEqual([...restored.slots.keys()].sort(), [0, 1]);
    assert.deepEqual([...restored.slots.values()].flat().map((e) => `${e.k}=${e.v.toString()}`).sort(), ['a=a1', 'b=b1', 'c=c1', 'd=d2'], 'every key once, d at its latest value');
    assert.deepEqual((await checkpoints.views(1)).map((v) => String(v.k)).sort(), ['a', 'b', 'c', 'd']);
  });
});
