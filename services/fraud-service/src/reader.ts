import { MongoCheckpointStore } from '@creditstream/streams';
import type { Store } from '@creditstream/store';
import { COLLECTIONS, type CustomerFraudView, type RuleBookView } from './documents';

/** Read-only access to the fraud service's read models: each customer's check summary, each task's rule sets. */
export class FraudReader {
  private readonly checkpoints: MongoCheckpointStore;

  constructor(store: Store) {
    this.checkpoints = new MongoCheckpointStore(store, COLLECTIONS.state);
  }

  /** Every customer's check summary as of its partition's last checkpoint, by customer id. */
  async customers(): Promise<Map<string, CustomerFraudView>> {
    const out = new Map<string, CustomerFraudView>();
    for (const v of (await this.checkpoints.views()) as (CustomerFraudView | RuleBookView)[]) if (v.kind === 'customer') out.set(v.customerId, v);
    return out;
  }

  /** The rule sets each partition's task has read, by partition. */
  async ruleSets(): Promise<Map<number, RuleBookView['ruleSets']>> {
    const out = new Map<number, RuleBookView['ruleSets']>();
    for (const v of (await this.checkpoints.views()) as (CustomerFraudView | RuleBookView)[]) if (v.kind === 'rules') out.set(v.partition, v.ruleSets);
    return out;
  }
}
