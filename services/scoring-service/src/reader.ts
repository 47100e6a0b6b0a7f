import { featureLogEntryOf, type FeatureLogEntry, type StoredFeatureLogEntry } from '@creditstream/feature-service';
import { CheckpointFollower, compressedJsonSerde, MongoCheckpointStore, readSideLog } from '@creditstream/streams';
import type { Store } from '@creditstream/store';
import { COLLECTIONS, type CustomerPredictions, type ScoringValue } from './documents';

/** Read-only access to the scoring service's read models: current predictions and the vectors behind them. */
export class PredictionReader {
  private readonly checkpoints: MongoCheckpointStore;

  constructor(private readonly store: Store) {
    this.checkpoints = new MongoCheckpointStore(store, COLLECTIONS.state);
  }

  /**
   * Every customer's current predictions (top factors included) and outlook, as of its partition's last checkpoint,
   * from the committed state (the slot documents' views hold only the summary, to keep checkpoints small).
   */
  async customers(): Promise<Map<string, CustomerPredictions>> {
    const serde = compressedJsonSerde<ScoringValue>();
    const out = new Map<string, CustomerPredictions>();
    for (const task of await this.checkpoints.entries()) {
      for (const e of task.entries) {
        const v = serde.deserialize(e.v);
        out.set(e.k, { customerId: e.k, partition: task.partition, scored: v.scored, predictions: v.predictions, outlook: v.outlook });
      }
    }
    return out;
  }

  /**
   * A copy of every customer's current predictions that follows the checkpoints: each `poll()` reads and decodes only
   * the slots that changed since the last one (for a reader that refreshes often, like the insights API).
   */
  follow(): { poll(): Promise<number>; customers(): Map<string, CustomerPredictions> } {
    const serde = compressedJsonSerde<ScoringValue>();
    const follower = new CheckpointFollower<CustomerPredictions>(this.checkpoints, (e, partition) => {
      const v = serde.deserialize(e.v);
      return { customerId: e.k, partition, scored: v.scored, predictions: v.predictions, outlook: v.outlook };
    });
    return { poll: () => follower.poll(), customers: () => new Map(follower.entries().map((c) => [c.customerId, c])) };
  }

  /** A value that changes whenever any task commits a checkpoint (its positions): readers that cache compare it. */
  async checkpointStamp(): Promise<string> {
    return JSON.stringify((await this.checkpoints.tasks()).map((t) => [t.partition, t.positions]).sort((a, b) => (a[0] as number) - (b[0] as number)));
  }

  /** The logged vectors behind emitted predictions, one per id, optionally of one customer. */
  async scoredVectors(customerId?: string): Promise<FeatureLogEntry[]> {
    const all = (await readSideLog<StoredFeatureLogEntry | FeatureLogEntry>(this.store, COLLECTIONS.scoredVectors)).map(featureLogEntryOf);
    return customerId === undefined ? all : all.filter((e) => e.customerId === customerId);
  }
}
