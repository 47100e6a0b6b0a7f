import { CollectionsReader, type CustomerCollectionsView } from '@creditstream/collections-service';
import { CreditReader, type CreditView } from '@creditstream/credit-service';
import { FeatureStateReader } from '@creditstream/feature-service';
import type { Logger } from '@creditstream/logging';
import { PredictionReader } from '@creditstream/scoring-service';
import type { Store } from '@creditstream/store';
import { CollectionsDocuments } from './collections-documents';
import { ApiProblem } from './errors';
import { buildSnapshot, type Snapshot } from './read-models';

/** The owners' readers, as the loader uses them (narrowed so that tests can give their own). */
export interface SnapshotReaders {
  features: Pick<FeatureStateReader, 'checkpointStamp' | 'follow'>;
  predictions: Pick<PredictionReader, 'checkpointStamp' | 'follow'>;
  credit: Pick<CreditReader, 'checkpointStamp' | 'customers'>;
  collections: Pick<CollectionsReader, 'checkpointStamp' | 'views' | 'actionsSince'>;
}

/**
 * Keeps the API's snapshot of the read models: loaded through the owning services' readers at start and reloaded
 * every `refreshMs` when an owner committed a checkpoint since; only those owners' read models are read again, and of
 * the feature and scoring services' (every customer's state: the bulk of a load) only the slots that changed. Requests read the snapshot in memory, so a read
 * never waits on the database and every answer is consistent within one snapshot.
 */
export class SnapshotLoader {
  private current: Snapshot | null = null;
  /** What each owner had committed at the last load, by owner: features, predictions, credit, collections. */
  private cache: { stamps: string[]; credit: CreditView[]; collections: CustomerCollectionsView[] } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly features: SnapshotReaders['features'];
  private readonly predictions: SnapshotReaders['predictions'];
  /** Copies of the feature and scoring services' committed state, each poll reading only the slots that changed. */
  private readonly featureCopy: ReturnType<FeatureStateReader['follow']>;
  private readonly predictionCopy: ReturnType<PredictionReader['follow']>;
  private readonly credit: SnapshotReaders['credit'];
  private readonly collections: SnapshotReaders['collections'];
  /** Letters and interest notes, read incrementally from the collections service's actions log. */
  private readonly documents = new CollectionsDocuments();
  /** Loads done (for metrics and tests). */
  loads = 0;
  /** Reads of each owner's read models (features, predictions, credit, collections): only an owner that checkpointed is read again. */
  readsByOwner = [0, 0, 0, 0];
  /** Slot documents of the feature and scoring services read so far (each only when it changed). */
  slotsRead = 0;

  constructor(
    store: Store,
    private readonly options: { refreshMs: number; logger: Logger; onLoad?: (snapshot: Snapshot, ms: number) => void },
    readers: SnapshotReaders = { features: new FeatureStateReader(store), predictions: new PredictionReader(store), credit: new CreditReader(store), collections: new CollectionsReader(store) },
  ) {
    ({ features: this.features, predictions: this.predictions, credit: this.credit, collections: this.collections } = readers);
    this.featureCopy = this.features.follow();
    this.predictionCopy = this.predictions.follow();
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
    // Each owner's stamp is read before its data: a checkpoint in between is read now or, at the latest, next time.
    const stamps = await Promise.all([this.features.checkpointStamp(), this.predictions.checkpointStamp(), this.credit.checkpointStamp(), this.collections.checkpointStamp()]);
    const c = this.cache;
    if (c !== null && this.current !== null && stamps.every((s, i) => s === c.stamps[i])) return;
    const changed = (i: number) => c === null || stamps[i] !== c.stamps[i];
    // Only the owners that checkpointed since are read again (a released hold reads the credit views, not every
    // customer's feature state). The new actions are applied as soon as they are read: their chunks are marked read,
    // so they must not be lost if another read fails.
    const [slotsRead, credit, collections] = await Promise.all([
      Promise.all([changed(0) ? this.featureCopy.poll() : 0, changed(1) ? this.predictionCopy.poll() : 0]),
      changed(2) || c === null ? this.credit.customers() : c.credit,
      changed(3) || c === null ? Promise.all([this.collections.views(), this.collections.actionsSince(this.documents.seenChunks).then((a) => this.documents.apply(a))]).then(([views]) => views) : c.collections,
    ]);
    this.cache = { stamps, credit, collections };
    this.current = buildSnapshot(this.featureCopy.views(), this.featureCopy.customers(), this.predictionCopy.customers(), Date.now(), credit, collections, { letters: this.documents.letters(), interestNotes: this.documents.notes() });
    this.loads += 1;
    this.slotsRead += slotsRead[0] + slotsRead[1];
    this.readsByOwner = this.readsByOwner.map((n, i) => n + (changed(i) ? 1 : 0));
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
