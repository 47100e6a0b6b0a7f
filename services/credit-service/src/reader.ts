import { MongoCheckpointStore } from '@creditstream/streams';
import type { Store } from '@creditstream/store';
import { COLLECTIONS, type CreditView, type HoldView } from './documents';

/** Read-only access to the credit service's read models: every customer's limits, exposure and hold list. */
export class CreditReader {
  private readonly checkpoints: MongoCheckpointStore;

  constructor(store: Store) {
    this.checkpoints = new MongoCheckpointStore(store, COLLECTIONS.state);
  }

  /** Every customer's view, as of its partition's last checkpoint. */
  async customers(): Promise<CreditView[]> {
    return ((await this.checkpoints.views()) as CreditView[]).filter((v) => v !== null);
  }

  /** A value that changes whenever any task commits a checkpoint (its positions): readers that cache compare it. */
  async checkpointStamp(): Promise<string> {
    return JSON.stringify((await this.checkpoints.tasks()).map((t) => [t.partition, t.positions]).sort((a, b) => (a[0] as number) - (b[0] as number)));
  }

  /** The hold list: every order on hold, with its customer, latest first. */
  async holds(): Promise<(HoldView & { customerId: string })[]> {
    const out = (await this.customers()).flatMap((c) => c.holds.map((h) => ({ ...h, customerId: c.customerId })));
    return out.sort((a, b) => b.heldAt.localeCompare(a.heldAt) || a.orderId.localeCompare(b.orderId));
  }
}
