import { compressedJsonSerde, MongoCheckpointStore, readSideLog, type ClockReading } from '@creditstream/streams';
import type { Store } from '@creditstream/store';
import { COLLECTIONS, type AgingSnapshot, type CustomerCollectionsView, type LoggedAction, type StoredStatement } from './documents';
import { POLICY_KEY, type CustomerValue, type PolicyValue, type StoreValue } from './domain/state';
import { DEFAULT_POLICY, type CollectionPolicy } from './policy';

/** One row of the collections worklist. */
export interface WorklistRow extends CustomerCollectionsView {
  /** Expected late plus very late amount (from the outlook). */
  expectedLateTotalMinor: number;
  rank: number;
}

/**
 * Read-only access to what the collections service made durable: customers' views (aging, worklist), their committed
 * state, the actions log and the aging history. For people, the CLI and the API; other services read its events.
 */
export class CollectionsReader {
  private readonly checkpoints: MongoCheckpointStore;
  private readonly serde = compressedJsonSerde<StoreValue>();

  constructor(private readonly store: Store) {
    this.checkpoints = new MongoCheckpointStore(store, COLLECTIONS.state);
  }

  /** A value that changes whenever any task commits a checkpoint (its positions): readers that cache compare it. */
  async checkpointStamp(): Promise<string> {
    return JSON.stringify((await this.checkpoints.tasks()).map((t) => [t.partition, t.positions]).sort((a, b) => (a[0] as number) - (b[0] as number)));
  }

  /** Every customer's view, as of its partition's last checkpoint. */
  async views(): Promise<CustomerCollectionsView[]> {
    return (await this.checkpoints.views()) as CustomerCollectionsView[];
  }

  /**
   * The worklist: customers with something open, ranked by expected late and very-late amount (from the outlook),
   * then by overdue amount; optionally one segment's pool.
   */
  async worklist(options: { segment?: string; limit?: number } = {}): Promise<WorklistRow[]> {
    const rows = (await this.views())
      .filter((v) => v.openMinor > 0 && (options.segment === undefined || v.segment === options.segment))
      .map((v) => ({ ...v, expectedLateTotalMinor: v.expectedLateMinor + v.expectedVeryLateMinor, rank: 0 }))
      .sort((a, b) => b.expectedLateTotalMinor - a.expectedLateTotalMinor || b.overdueMinor - a.overdueMinor || (a.customerId < b.customerId ? -1 : 1));
    rows.forEach((r, i) => (r.rank = i + 1));
    return options.limit === undefined ? rows : rows.slice(0, options.limit);
  }

  /** One customer's committed state, its partition's clock and the policy in force there, or null. */
  async customer(customerId: string): Promise<{ value: CustomerValue; clock: ClockReading | null; policy: CollectionPolicy } | null> {
    for (const task of await this.checkpoints.entries()) {
      const e = task.entries.find((x) => x.k === customerId);
      if (e === undefined) continue;
      const value = this.serde.deserialize(e.v);
      if (value.kind !== 'customer') return null;
      const p = task.entries.find((x) => x.k === POLICY_KEY);
      const policy = p === undefined ? DEFAULT_POLICY : (this.serde.deserialize(p.v) as PolicyValue).policy;
      return { value, clock: ((task.meta as { clock?: ClockReading | null } | null)?.clock ?? null) as ClockReading | null, policy };
    }
    return null;
  }

  /** Logged actions, optionally of one customer, in (business date, id) order. */
  async actions(customerId?: string): Promise<LoggedAction[]> {
    const all = await readSideLog<LoggedAction>(this.store, COLLECTIONS.actions);
    return all.filter((a) => customerId === undefined || a.customerId === customerId).sort((a, b) => (a.businessDate < b.businessDate ? -1 : a.businessDate > b.businessDate ? 1 : a._id < b._id ? -1 : 1));
  }

  /**
   * The logged actions in side-log chunks not in `seen` (chunk ids), which it adds: a reader that keeps the actions
   * it has reads each chunk once. Chunks are written whole and never change; a replay writes its actions again in
   * new chunks (the same ids: keep one per id).
   */
  async actionsSince(seen: Set<string>): Promise<LoggedAction[]> {
    const docs = this.store.collection<{ _id: string; entries: LoggedAction[] }>(COLLECTIONS.actions);
    const ids = (await docs.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id).filter((id) => !seen.has(id));
    if (ids.length === 0) return [];
    const out: LoggedAction[] = [];
    // In the order they were written: per partition by epoch, checkpoint and chunk number (ids `p:epoch:seq:i`).
    const order = (id: string) => id.split(':').map(Number);
    const chunks = (await docs.find({ _id: { $in: ids } }).toArray()).sort((a, b) => {
      const x = order(a._id);
      const y = order(b._id);
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    });
    for (const chunk of chunks) {
      seen.add(chunk._id);
      out.push(...chunk.entries);
    }
    return out;
  }

  /** Month-end statements of one customer, in date order. */
  async statements(customerId: string): Promise<StoredStatement[]> {
    const all = await readSideLog<StoredStatement>(this.store, COLLECTIONS.statements);
    return all.filter((s) => s.customerId === customerId).sort((a, b) => (a.asOf < b.asOf ? -1 : 1));
  }

  /** Aging snapshots of one customer in date order. */
  async agingHistory(customerId: string): Promise<AgingSnapshot[]> {
    const all = await readSideLog<AgingSnapshot>(this.store, COLLECTIONS.agingHistory);
    return all.filter((a) => a.customerId === customerId).sort((a, b) => (a.asOf < b.asOf ? -1 : 1));
  }
}
