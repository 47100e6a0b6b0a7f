import type { Store } from '@creditstream/store';
import type { ModelVersion } from '../model';
import { ModelRegistry, type Publication } from '../registry/registry';
import { builtInColdStart, createScorer, type Scorer, type ScorerOptions } from './scorer';

/** The model that serves: the active (latest published) version, or the built-in cold-start model. */
export interface ActiveModel {
  readonly scorer: Scorer;
  /** The registry entry; null when nothing was ever published (the built-in cold-start model serves). */
  readonly model: ModelVersion | null;
  readonly publication: Publication | null;
}

/**
 * Loads the active model from the registry and builds its scorer; without any publication, the built-in cold-start
 * model (uniform prior, see cold-start.ts) serves. The scoring service calls it at start and again on every
 * model-published event (hot reload), then swaps scorers between two scoring batches.
 * @throws IncompatibleModelError when the active model was trained on another feature set than this build computes
 */
export async function loadActiveModel(store: Store, options: ScorerOptions = {}): Promise<ActiveModel> {
  const active = await new ModelRegistry(store).active();
  if (active === null) return { scorer: createScorer(builtInColdStart()), model: null, publication: null };
  return { scorer: createScorer(active.model, options), model: active.model, publication: active.publication };
}

/**
 * Loads one version (e.g. the one named by a model-published event) and builds its scorer.
 * @throws UnknownModelVersionError, IncompatibleModelError
 */
export async function loadModelVersion(store: Store, version: string): Promise<{ scorer: Scorer; model: ModelVersion }> {
  const model = await new ModelRegistry(store).get(version);
  return { scorer: createScorer(model), model };
}
