import assert from 'node:assert/strict';
import { BSON } from 'mongodb';
import { newCustomerState } from '@creditstream/features';
import { compressedJsonSerde, MongoCheckpointStore, slotOf } from '@creditstream/streams';
import { openStore, type Store } from '@creditstream/store';
import { stack, uniqueName } from '@creditstream/testing';
import { COLLECTIONS, writeFold, type CustomerValue, type FoldedLog } from '../src';

function foldOf(customers: number): FoldedLog {
  const ids = Array.from({ length: customers }, (_, i) => `C${String(i).padStart(5, '0')}`);
  return {
    customers: new Map(ids.map((id) => [id, newCustomerState(id, '2024-03-01')])),
    partitions: new Map(ids.map((id) => [id, 0])),
    clocks: new Map(),
    positions: new Map([[0, { invoices: 10 }]]),
    rejections: 0,
  };
}

describe('writeFold (the rebuild of `creditstream features rebuild`, on the real stack)', function () {
  this.timeout(60_000);
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ uri: stack().mongodbUri, database: uniqueName('writefold').replace(/[-.]/g, '_') });
  });
  afterEach(async () => {
    await store.db.dropDatabase();
    await store.close();
  });

  it('lays the customers out in slots that fit maxSlotBytes, keeps the count in the checkpoint, and a restore reads every customer once', async () => {
    const folded = foldOf(200);
    await writeFold(store, folded, { slots: 2, maxSlotBytes: 16 * 1024 });
    const restored = await new MongoCheckpointStore(store, COLLECTIONS.state).acquire(0);
    const count = (restored.meta as { slots?: number }).slots as number;
    assert.ok(count > 2 && Number.isInteger(Math.log2(count)), `slot count ${count}: doubled from 2`);
    const keys = [...restored.slots.values()].flat().map((e) => e.k);
    assert.deepEqual(keys.sort(), [...folded.customers.keys()].sort(), 'every customer once');
    for (const [slot, entries] of restored.slots) for (const e of entries) assert.equal(slotOf(e.k, count), slot, `${e.k} in slot ${slot}`);
    // The documents as stored: the entries and views a task's size check counts, plus the few fields naming the slot.
    const documents = await store.collection(COLLECTIONS.state).find({ kind: 'slot' }).toArray();
    assert.equal(documents.length, restored.slots.size);
    for (const d of documents) assert.ok(BSON.calculateObjectSize(d) <= 1.1 * 16 * 1024, `slot document ${String(d._id)}: ${BSON.calculateObjectSize(d)} bytes`);
    const serde = compressedJsonSerde<CustomerValue>();
    assert.equal(serde.deserialize((restored.slots.get(slotOf('C00007', count)) ?? []).find((e) => e.k === 'C00007')?.v as Buffer).state.customerId, 'C00007');
    assert.deepEqual(restored.positions, { invoices: 10 });
  });

  it('a customer whose state alone passes maxSlotBytes fails with STATE_VALUE_TOO_LARGE naming it, before anything is written', async () => {
    await assert.rejects(writeFold(store, foldOf(3), { maxSlotBytes: 1024 }), (err: Error & { code?: string }) => err.code === 'STATE_VALUE_TOO_LARGE' && /C00000/.test(err.message));
    assert.equal(await store.collection(COLLECTIONS.state).countDocuments({}), 0);
  });
});
