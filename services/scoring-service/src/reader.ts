import type { FeatureLogEntry } from '@creditstream/feature-service';
import { MongoCheckpointStore, readSideLog } from '@creditstream/streams';
import type { Store } from '@creditstream/store';
import { COLLECTIONS, type CustomerPredictionsView } from './documents';

/** Read-only access to the scoring service's read models: current predictions and the vectors behind them. */
export class PredictionReader {
  private readonly checkpoints: MongoCheckpointStore;

  constructor(private readonly store: Store) {
    this.checkpoints = new MongoCheckpointStore(store, COLLECTIONS.state);
  }

  /** Every customer's current predictions and outlook, as of its partition's last checkpoint. */
  async customers(): Promise<Map<string, CustomerPredictionsView>> {
    const views = (await this.checkpoints.views()) as CustomerPredictionsView[];
    return new Map(views.map((v) => [v.customerId, v]));
  }

  /** The logged vectors behind emitted predictions, one per id, optionally of one customer. */
  async scoredVectors(customerId?: string): Promise<FeatureLogEntry[]> {
    const all = await readSideLog<FeatureLogEntry>(this.store, COLLECTIONS.scoredVectors);
    return customerId === undefined ? all : all.filter((e) => e.customerId === customerId);
  }
}
