import assert from 'node:assert/strict';
import { openStore, type Store } from '@creditstream/store';
import { stack, uniqueName } from '@creditstream/testing';
import { CheckpointFollower, MongoCheckpointStore, type SlotWrite } from '../src';

const slot = (n: number, entries: Record<string, string>): SlotWrite => ({ slot: n, entries: Object.entries(entries).map(([k, v]) => ({ k, v: Buffer.from(v) })), views: Object.entries(entries).map(([k, v]) => ({ k, v })), viewIndex: Object.keys(entries).map((_, i) => i) });

describe('CheckpointFollower (MongoDB checkpoint store on the real stack)', function () {
  this.timeout(60_000);
  let store: Store;
  before(async () => {
    store = await openStore({ uri: stack().mongodbUri, database: uniqueName('follower').replace(/[-.]/g, '_') });
  });
  after(() => store.close());

  it('reads every committed slot once, then only the slots a checkpoint replaced, and drops nothing it did not replace', async () => {
    const checkpoints = new MongoCheckpointStore(store, 'test_state');
    const decoded: string[] = [];
    const follower = new CheckpointFollower<{ k: string; v: string; partition: number }>(checkpoints, (e, partition) => (decoded.push(e.k), { k: e.k, v: e.v.toString(), partition }));
    const p0 = await checkpoints.acquire(0);
    const p1 = await checkpoints.acquire(1);
    await checkpoints.commit(0, p0.epoch, { seq: 1, positions: { t: 10 }, meta: { clock: 'd1' }, slots: [slot(0, { a: 'a1', b: 'b1' }), slot(1, { c: 'c1' })], logs: [] });
    await checkpoints.commit(1, p1.epoch, { seq: 1, positions: { t: 5 }, meta: null, slots: [slot(3, { d: 'd1' })], logs: [] });
    assert.equal(await follower.poll(), 3);
    assert.deepEqual(follower.entries().map((e) => `${e.partition}/${e.k}=${e.v}`).sort(), ['0/a=a1', '0/b=b1', '0/c=c1', '1/d=d1']);
    assert.equal(await follower.poll(), 0, 'nothing committed since: nothing read');
    await checkpoints.commit(0, p0.epoch, { seq: 2, positions: { t: 11 }, meta: { clock: 'd2' }, slots: [slot(1, { c: 'c2', e: 'e1' })], logs: [] });
    decoded.length = 0;
    assert.equal(await follower.poll(), 1, 'only the replaced slot is read');
    assert.deepEqual(decoded.sort(), ['c', 'e']);
    assert.deepEqual(follower.entries().map((e) => `${e.k}=${e.v}`).sort(), ['a=a1', 'b=b1', 'c=c2', 'd=d1', 'e=e1']);
    assert.deepEqual(follower.views().map((v) => `${String(v.k)}=${String(v.v)}`).sort(), ['a=a1', 'b=b1', 'c=c2', 'd=d1', 'e=e1']);
    assert.deepEqual(follower.partitionMeta(0), { clock: 'd2' });
    // Another instance takes partition 1 over and commits an empty slot 3: the key is gone from the copy too.
    const taken = await checkpoints.acquire(1);
    await checkpoints.commit(1, taken.epoch, { seq: 1, positions: { t: 6 }, meta: null, slots: [slot(3, {})], logs: [] });
    assert.equal(await follower.poll(), 1);
    assert.deepEqual(follower.entries().map((e) => e.k).sort(), ['a', 'b', 'c', 'e']);
  });
});
