import { MongoCheckpointStore } from '@creditstream/streams';
import type { Store } from '@creditstream/store';
import { COLLECTIONS, type CreditView, type HoldView } from './documents';
import type { CreditGroupStateView } from './groups/processor';

/** Read-only access to the credit service's read models: every customer's limits, exposure and hold list. */
export class CreditReader {
  private readonly checkpoints: MongoCheckpointStore;
  private readonly groupCheckpoints: MongoCheckpointStore;

  constructor(store: Store) {
    this.checkpoints = new MongoCheckpointStore(store, COLLECTIONS.state);
    this.groupCheckpoints = new MongoCheckpointStore(store, COLLECTIONS.groups);
  }

  /** Every credit group: its limits, its members' exposure and the adjustments waiting, as of its group task's last checkpoint. */
  async groups(): Promise<CreditGroupStateView[]> {
    return ((await this.groupCheckpoints.views()) as CreditGroupStateView[]).filter((v) => v !== null).sort((a, b) => a.creditGroupId.localeCompare(b.creditGroupId));
  }

  /** Every customer's view, as of its partition's last checkpoint. */
  async customers(): Promise<CreditView[]> {
    return ((await this.checkpoints.views()) as CreditView[]).filter((v) => v !== null);
  }

  /** A value that changes whenever any task commits a checkpoint (its positions): readers that cache compare it. */
  async checkpointStamp(): Promise<string> {
    return JSON.stringify((await this.checkpoints.tasks()).map((t) => [t.partition, t.positions]).sort((a, b) => (a[0] as number) - (b[0] as number)));
  }

  /** The hold list: every order on hold, with its customer (and its credit group, if any), latest first. */
  async holds(): Promise<(HoldView & { customerId: string })[]> {
    const out = (await this.customers()).flatMap((c) => c.holds.map((h) => ({ ...h, customerId: c.customerId })));
    return out.sort((a, b) => b.heldAt.localeCompare(a.heldAt) || a.orderId.localeCompare(b.orderId));
  }
}
