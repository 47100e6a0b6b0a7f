import assert from 'node:assert/strict';
import type { CreditView } from '@creditstream/credit-service';
import type { CustomerView } from '@creditstream/feature-service';
import { createLogger } from '@creditstream/logging';
import { SnapshotLoader, type SnapshotReaders } from '../src/snapshot-loader';

/** Readers over in-memory read models: each owner's stamp is a counter the test moves; reads are counted. */
function fakeOwners() {
  const stamps = { features: 1, predictions: 1, credit: 1, collections: 1 };
  const reads = { features: 0, predictions: 0, credit: 0, collections: 0 };
  const view = (customerId: string): CustomerView => ({ customerId, partition: 0, version: 1, asOf: '2024-03-01', segment: 'smb', currency: 'EUR', accountStatus: 'ACTIVE', features: {}, openInvoices: [] });
  const hold = (orderId: string) => ({ orderId, holdId: `h-${orderId}`, amountMinor: 100, currency: 'EUR', heldAt: '2024-03-01T00:00:00.000Z', reasons: ['manual-hold'], rules: [], forced: true, fraudCheckId: null });
  let holds = [hold('O1'), hold('O2')];
  const credit = (): CreditView => ({ customerId: 'C1', partition: 0, registered: true, currency: 'EUR', groupId: null, accountStatus: 'ACTIVE', asOf: '2024-03-01', limit: null, balanceMinor: 0, openOrdersMinor: 0, overdueMinor: 0, maxDaysOverdue: 0, holds, pendingOrders: 0, pendingAdjustments: [] }) as CreditView;
  const readers: SnapshotReaders = {
    features: { checkpointStamp: async () => String(stamps.features), follow: () => ({ poll: async () => (reads.features++, 1), views: () => [view('C1'), view('C2')], customers: () => new Map() }) },
    predictions: { checkpointStamp: async () => String(stamps.predictions), follow: () => ({ poll: async () => (reads.predictions++, 1), customers: () => new Map() }) },
    credit: { checkpointStamp: async () => String(stamps.credit), customers: async () => (reads.credit++, [credit()]) },
    collections: { checkpointStamp: async () => String(stamps.collections), views: async () => (reads.collections++, []), actionsSince: async () => [] },
  };
  return { readers, stamps, reads, release: (orderId: string) => (holds = holds.filter((h) => h.orderId !== orderId)) };
}

describe('snapshot loader', () => {
  it('reads again only the owners that checkpointed since the last load, and serves their new state with the others\' kept', async () => {
    const o = fakeOwners();
    const loader = new SnapshotLoader(null as never, { refreshMs: 60_000, logger: createLogger({ name: 'test', level: 'silent' }) }, o.readers);
    await loader.refresh();
    assert.deepEqual(o.reads, { features: 1, predictions: 1, credit: 1, collections: 1 });
    assert.deepEqual(loader.snapshot.holds.map((h) => h.orderId), ['O1', 'O2']);
    await loader.refresh();
    assert.equal(loader.loads, 1, 'nothing checkpointed: no load');
    // A release: only the credit service checkpoints.
    o.release('O1');
    o.stamps.credit += 1;
    await loader.refresh();
    assert.deepEqual(o.reads, { features: 1, predictions: 1, credit: 2, collections: 1 });
    assert.deepEqual(loader.snapshot.holds.map((h) => h.orderId), ['O2'], 'the released hold is gone');
    assert.deepEqual(loader.snapshot.customers.map((c) => c.customerId), ['C1', 'C2'], 'the feature views are kept');
    assert.equal(loader.snapshot.holds[0]?.customerName, null);
    o.stamps.features += 1;
    o.stamps.collections += 1;
    await loader.refresh();
    assert.deepEqual(o.reads, { features: 2, predictions: 1, credit: 2, collections: 2 });
    assert.deepEqual(loader.readsByOwner, [2, 1, 2, 2]);
  });
});
