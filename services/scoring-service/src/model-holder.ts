import { loadActiveModel, type ActiveModel, type Scorer, type ScorerOptions } from '@creditstream/model';
import type { Logger } from '@creditstream/logging';
import type { Store } from '@creditstream/store';
import type { ScoringMetrics } from './metrics';

/**
 * Holds the serving model. Each scoring batch takes `scorer` once at its start, so a swap happens between batches,
 * never inside one. A reload reads the registry's active model (the latest publication), not the version an event
 * names: replayed or reordered model events then always end on the right model.
 */
export class ModelHolder {
  private current: ActiveModel | null = null;

  constructor(
    private readonly store: () => Store,
    private readonly logger: Logger,
    private readonly metrics: ScoringMetrics,
    private readonly scorerOptions: ScorerOptions = {},
  ) {}

  /** The serving model with its publication. */
  get active(): ActiveModel {
    if (this.current === null) throw new Error('the model is not loaded: the scoring service has not started');
    return this.current;
  }

  get scorer(): Scorer {
    return this.active.scorer;
  }

  /** Loads the active model (the built-in cold-start model when nothing was published). */
  async load(): Promise<void> {
    this.swap(await loadActiveModel(this.store(), this.scorerOptions));
  }

  /** Loads the active model again; returns true when it is another version than the serving one. */
  async reload(): Promise<boolean> {
    const next = await loadActiveModel(this.store(), this.scorerOptions);
    if (this.current !== null && next.scorer.modelVersion === this.current.scorer.modelVersion) return false;
    this.swap(next);
    this.metrics.modelReloads.inc();
    return true;
  }

  private swap(next: ActiveModel): void {
    const previous = this.current?.scorer.modelVersion;
    this.current = next;
    if (previous !== undefined) this.metrics.activeModel.remove({ model_version: previous });
    this.metrics.activeModel.set({ model_version: next.scorer.modelVersion }, 1);
    this.metrics.modelPublished.set(next.publication === null ? 0 : Date.parse(next.publication.publishedAt) / 1000);
    this.logger.info({ modelVersion: next.scorer.modelVersion, algorithm: next.scorer.algorithm, previous: previous ?? null }, 'serving model');
  }
}
