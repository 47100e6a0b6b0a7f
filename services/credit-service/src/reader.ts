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

  /** The hold list: every order on hold, with its customer, latest first. */
  async holds(): Promise<(HoldView & { customerId: string })[]> {
    const out = (await this.customers()).flatMap((c) => c.holds.map((h) => ({ ...h, customerId: c.customerId })));
    return out.sort((a, b) => b.heldAt.localeCompare(a.heldAt) || a.orderId.localeCompare(b.orderId));
  }
}
