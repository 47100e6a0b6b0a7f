import { CollectionsReader } from '@creditstream/collections-service';
import { CreditReader } from '@creditstream/credit-service';
import { FeatureStateReader } from '@creditstream/feature-service';
import type { Logger } from '@creditstream/logging';
import { PredictionReader } from '@creditstream/scoring-service';
import type { Store } from '@creditstream/store';
import { CollectionsDocuments } from './collections-documents';
import { ApiProblem } from './errors';
import { buildSnapshot, type Snapshot } from './read-models';

/**
 * Keeps the API's snapshot of the read models: loaded through the owning services' readers at start and reloaded
 * every `refreshMs` when either owner committed a checkpoint since. Requests read the snapshot in memory, so a read
 * never waits on the database and every answer is consistent within one snapshot.
 */
export class SnapshotLoader {
  private current: Snapshot | null = null;
  private stamp = '';
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly features: FeatureStateReader;
  private readonly predictions: PredictionReader;
  private readonly credit: CreditReader;
  private readonly collections: CollectionsReader;
  /** Letters and interest notes, read incrementally from the collections service's actions log. */
  private readonly documents = new CollectionsDocuments();
  /** Loads done (for metrics and tests). */
  loads = 0;

  constructor(
    store: Store,
    private readonly options: { refreshMs: number; logger: Logger; onLoad?: (snapshot: Snapshot, ms: number) => void },
  ) {
    this.features = new FeatureStateReader(store);
    this.predictions = new PredictionReader(store);
    this.credit = new CreditReader(store);
    this.collections = new CollectionsReader(store);
  }

  /** The current snapshot. @throws ApiProblem READ_MODELS_NOT_READY before the first load */
  get snapshot(): Snapshot {
    if (this.current === null) throw new ApiProblem('READ_MODELS_NOT_READY', 'the read models are still being loaded; try again in a moment');
    return this.current;
  }

  /** Loads now unless nothing changed since the last load; concurrent calls share one load. */
  refresh(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.load().finally(() => (this.running = null));
    return this.running;
  }

  private async load(): Promise<void> {
    const t0 = performance.now();
    const stamp = `${await this.features.checkpointStamp()}|${await this.predictions.checkpointStamp()}|${await this.credit.checkpointStamp()}|${await this.collections.checkpointStamp()}`;
    if (stamp === this.stamp && this.current !== null) return;
    // The new actions are applied as soon as they are read: the chunks are marked read, so they must not be lost if another read fails.
    const [views, states, predictions, credit, collections] = await Promise.all([this.features.views(), this.features.customers(), this.predictions.customers(), this.credit.customers(), this.collections.views(), this.collections.actionsSince(this.documents.seenChunks).then((a) => this.documents.apply(a))]);
    this.current = buildSnapshot(views, states, predictions, Date.now(), credit, collections, { letters: this.documents.letters(), interestNotes: this.documents.notes() });
    this.stamp = stamp;
    this.loads += 1;
    this.options.onLoad?.(this.current, performance.now() - t0);
  }

  async start(): Promise<void> {
    await this.refresh();
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.refresh().then(tick, (err: unknown) => {
          this.options.logger.warn({ err }, 'reloading the read models failed; serving the previous snapshot');
          tick();
        });
      }, this.options.refreshMs);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
