import type { CustomerState } from '@creditstream/features';
import { CheckpointFollower, compressedJsonSerde, MongoCheckpointStore, readSideLog, type ClockReading } from '@creditstream/streams';
import type { Store } from '@creditstream/store';
import { COLLECTIONS, featureLogEntryOf, type CustomerValue, type CustomerView, type FeatureLogEntry, type StoredFeatureLogEntry } from './documents';

/** A customer's committed state, with its partition and that partition's clock. */
export interface StoredCustomer {
  partition: number;
  state: CustomerState;
  /** The partition's latest tick: the state catches up with it lazily. */
  clock: ClockReading | null;
}

/**
 * Read-only access to what the feature service made durable: its customers' read-model views, their committed
 * states (for `features verify` and training) and the feature log. Other services never use it: they read the
 * feature service's events.
 */
export class FeatureStateReader {
  private readonly checkpoints: MongoCheckpointStore;
  private readonly serde = compressedJsonSerde<CustomerValue>();

  constructor(private readonly store: Store) {
    this.checkpoints = new MongoCheckpointStore(store, COLLECTIONS.state);
  }

  /** Every customer's read-model view, as of its partition's last checkpoint. */
  async views(): Promise<CustomerView[]> {
    return (await this.checkpoints.views()) as CustomerView[];
  }

  /** Every customer's committed state. */
  async customers(): Promise<Map<string, StoredCustomer>> {
    const out = new Map<string, StoredCustomer>();
    for (const task of await this.checkpoints.entries()) {
      const clock = ((task.meta as { clock?: ClockReading | null } | null)?.clock ?? null) as ClockReading | null;
      for (const e of task.entries) out.set(e.k, { partition: task.partition, state: this.serde.deserialize(e.v).state, clock });
    }
    return out;
  }

  /**
   * A copy of every customer's view and committed state that follows the checkpoints: each `poll()` reads and decodes
   * only the slots that changed since the last one (for a reader that refreshes often, like the insights API).
   */
  follow(): { poll(): Promise<number>; views(): CustomerView[]; customers(): Map<string, StoredCustomer> } {
    const follower = new CheckpointFollower<{ k: string; partition: number; state: CustomerState }, CustomerView>(this.checkpoints, (e, partition) => ({ k: e.k, partition, state: this.serde.deserialize(e.v).state }));
    return {
      poll: () => follower.poll(),
      views: () => follower.views(),
      customers: () => {
        const out = new Map<string, StoredCustomer>();
        for (const e of follower.entries()) out.set(e.k, { partition: e.partition, state: e.state, clock: ((follower.partitionMeta(e.partition) as { clock?: ClockReading | null } | null)?.clock ?? null) as ClockReading | null });
        return out;
      },
    };
  }

  /** The latest tick of each partition. */
  async clocks(): Promise<Map<number, ClockReading>> {
    const out = new Map<number, ClockReading>();
    for (const t of await this.checkpoints.tasks()) {
      const clock = (t.meta as { clock?: ClockReading | null } | null)?.clock;
      if (clock) out.set(t.partition, clock);
    }
    return out;
  }

  /** A value that changes whenever any task commits a checkpoint (its positions): readers that cache compare it. */
  async checkpointStamp(): Promise<string> {
    return JSON.stringify((await this.checkpoints.tasks()).map((t) => [t.partition, t.positions]).sort((a, b) => (a[0] as number) - (b[0] as number)));
  }

  /** Logged feature vectors, one per id, optionally of one customer or one kind. */
  async readFeatureLog(filter: { customerId?: string; kind?: FeatureLogEntry['kind'] } = {}): Promise<FeatureLogEntry[]> {
    const all = (await readSideLog<StoredFeatureLogEntry | FeatureLogEntry>(this.store, COLLECTIONS.featureLog)).map(featureLogEntryOf);
    return all.filter((e) => (filter.customerId === undefined || e.customerId === filter.customerId) && (filter.kind === undefined || e.kind === filter.kind));
  }
}
