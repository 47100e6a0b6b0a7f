import { randomUUID } from 'node:crypto';
import type { ModelPublishedEvent } from '@creditstream/schemas';
import { isDuplicateKey, type IndexDefinition, type Store } from '@creditstream/store';
import { CorruptModelError, UnknownModelVersionError } from '../errors';
import type { ModelVersion, TrainedModel } from '../model';

/** The registry's collections. */
export const REGISTRY_COLLECTIONS = {
  /** One document per model version (everything but the model text). */
  versions: 'model_versions',
  /** The model text of each version, in chunks (a large model exceeds MongoDB's 16 MiB document limit). */
  texts: 'model_texts',
  /** Append-only: one document per publication; the latest names the active model. */
  publications: 'model_publications',
} as const;

/** Indexes the registry needs (pass to openStore). */
export const REGISTRY_INDEXES: readonly IndexDefinition[] = [
  { collection: REGISTRY_COLLECTIONS.versions, keys: { sequence: 1 }, options: { unique: true } },
  { collection: REGISTRY_COLLECTIONS.texts, keys: { textId: 1, index: 1 }, options: { unique: true } },
];

/** Characters of model text per chunk document: far below the 16 MiB limit whatever the encoding. */
const TEXT_CHUNK = 4 * 1024 * 1024;
/** Attempts at taking the next sequence number when another writer takes the same one. */
const SEQUENCE_ATTEMPTS = 10;

/** One publication of a model version: the latest one is the active model. */
export interface Publication {
  /** 1, 2, 3, … */
  readonly sequence: number;
  readonly modelId: string;
  readonly version: string;
  readonly publishedBy: string;
  /** Business time of the publication (the event's eventTime); never earlier than the previous publication's. */
  readonly businessTime: string;
  /** Wall-clock time of the publication (audit information). */
  readonly publishedAt: string;
  /** The model-published event's id: deterministic, `<modelId>:publication:<sequence>`. */
  readonly eventId: string;
}

/** A version without its heavy parts, for listings. */
export type ModelVersionSummary = Omit<ModelVersion, 'modelText' | 'shapSummary' | 'reliability' | 'evalHistory' | 'importance'>;

/** `textId` names the version's text chunks: unique per registration attempt, so racing trainers never share chunks. */
type VersionDocument = Omit<ModelVersion, 'modelText'> & { _id: string; textId: string | null; textChunks: number };
type TextDocument = { _id: string; textId: string; index: number; text: string };
type PublicationDocument = Omit<Publication, 'sequence'> & { _id: number };

/**
 * The model registry in MongoDB: versions with their parameters, feature list, thresholds, metrics, training-data
 * range and model text; and the publications that make one of them the active model.
 */
export class ModelRegistry {
  constructor(private readonly store: Store) {}

  private get versions() {
    return this.store.collection<VersionDocument>(REGISTRY_COLLECTIONS.versions);
  }

  private get texts() {
    return this.store.collection<TextDocument>(REGISTRY_COLLECTIONS.texts);
  }

  private get publicationDocs() {
    return this.store.collection<PublicationDocument>(REGISTRY_COLLECTIONS.publications);
  }

  /**
   * Registers a trained model as the next version (`v1`, `v2`, …). The model text is written before the version
   * document, so a listed version always has its whole text; a crash in between leaves only unreferenced chunks.
   */
  async register(model: TrainedModel, createdAt: Date = new Date()): Promise<ModelVersion> {
    const { modelText, ...rest } = model;
    const textId = modelText === null ? null : randomUUID();
    const chunks: TextDocument[] = [];
    if (modelText !== null && textId !== null) {
      for (let i = 0; i * TEXT_CHUNK < modelText.length; i++) chunks.push({ _id: `${textId}:${i}`, textId, index: i, text: modelText.slice(i * TEXT_CHUNK, (i + 1) * TEXT_CHUNK) });
    }
    if (chunks.length > 0) await this.texts.insertMany(chunks);
    for (let attempt = 0; attempt < SEQUENCE_ATTEMPTS; attempt++) {
      const last = await this.versions.find({}, { projection: { sequence: 1 } }).sort({ sequence: -1 }).limit(1).toArray();
      const sequence = (last[0]?.sequence ?? 0) + 1;
      const version = `v${sequence}`;
      const doc: VersionDocument = { ...rest, _id: version, version, sequence, createdAt: createdAt.toISOString(), textId, textChunks: chunks.length };
      try {
        await this.versions.insertOne(doc);
      } catch (err) {
        // Another trainer took this number first: take the next one (the text chunks stay ours).
        if (isDuplicateKey(err)) continue;
        throw err;
      }
      return { ...rest, version, sequence, createdAt: doc.createdAt, modelText };
    }
    if (textId !== null) await this.texts.deleteMany({ textId });
    throw new Error(`could not take a version number after ${SEQUENCE_ATTEMPTS} attempts: other trainers keep registering at the same time`);
  }

  /** Every version, oldest first, without model text, importance, SHAP sample and curves. */
  async list(): Promise<ModelVersionSummary[]> {
    const docs = await this.versions.find({}, { projection: { shapSummary: 0, reliability: 0, evalHistory: 0, importance: 0 } }).sort({ sequence: 1 }).toArray();
    return docs.map(({ _id, textId: _textId, textChunks: _chunks, ...rest }) => rest as ModelVersionSummary);
  }

  /**
   * One version with its model text.
   * @throws UnknownModelVersionError when there is no such version
   */
  async get(version: string): Promise<ModelVersion> {
    const doc = await this.versions.findOne({ _id: version });
    if (doc === null) throw new UnknownModelVersionError(version, (await this.list()).map((v) => v.version));
    const { _id, textId, textChunks, ...rest } = doc;
    let modelText: string | null = null;
    if (textChunks > 0) {
      const chunks = await this.texts.find({ textId: textId ?? '' }).sort({ index: 1 }).toArray();
      if (chunks.length !== textChunks || chunks.some((c, i) => c.index !== i)) throw new CorruptModelError(version, `expected ${textChunks} model text chunks, found ${chunks.length}`);
      modelText = chunks.map((c) => c.text).join('');
    }
    return { ...(rest as Omit<ModelVersion, 'modelText'>), modelText };
  }

  /** Every publication, oldest first. */
  async publications(): Promise<Publication[]> {
    const docs = await this.publicationDocs.find({}).sort({ _id: 1 }).toArray();
    return docs.map(toPublication);
  }

  /** The latest publication, or null when nothing was ever published. */
  async latestPublication(): Promise<Publication | null> {
    const docs = await this.publicationDocs.find({}).sort({ _id: -1 }).limit(1).toArray();
    return docs[0] === undefined ? null : toPublication(docs[0]);
  }

  /**
   * Publishes a version: appends a publication (which makes it the active model) and returns it with the
   * model-published event to produce. Business time never goes back: it is the later of `businessTime` and the
   * previous publication's.
   * @throws UnknownModelVersionError when there is no such version
   */
  async publish(version: string, options: { publishedBy: string; businessTime: string; publishedAt?: Date }): Promise<{ publication: Publication; event: ModelPublishedEvent; model: ModelVersion }> {
    const model = await this.get(version);
    for (let attempt = 0; attempt < SEQUENCE_ATTEMPTS; attempt++) {
      const previous = await this.latestPublication();
      const sequence = (previous?.sequence ?? 0) + 1;
      const businessTime = previous !== null && previous.businessTime > options.businessTime ? previous.businessTime : options.businessTime;
      const publication: Publication = {
        sequence,
        modelId: model.modelId,
        version,
        publishedBy: options.publishedBy,
        businessTime,
        publishedAt: (options.publishedAt ?? new Date()).toISOString(),
        eventId: `${model.modelId}:publication:${sequence}`,
      };
      const { sequence: _, ...fields } = publication;
      try {
        await this.publicationDocs.insertOne({ _id: sequence, ...fields });
      } catch (err) {
        if (isDuplicateKey(err)) continue;
        throw err;
      }
      return { publication, event: modelPublishedEvent(model, publication), model };
    }
    throw new Error(`could not take a publication number after ${SEQUENCE_ATTEMPTS} attempts: others keep publishing at the same time`);
  }

  /** The active model version (the latest publication's) and its publication, or null when nothing was published. */
  async active(): Promise<{ model: ModelVersion; publication: Publication } | null> {
    const publication = await this.latestPublication();
    if (publication === null) return null;
    return { model: await this.get(publication.version), publication };
  }
}

function toPublication(doc: PublicationDocument): Publication {
  const { _id, ...rest } = doc;
  return { sequence: _id, ...rest };
}

/** The holdout metrics of a model as the event's `metrics` map (finite values only). */
export function metricsRecord(model: Pick<ModelVersion, 'metrics' | 'baselines'>): Record<string, number> {
  const m = model.metrics;
  const entries: [string, number | undefined][] = [
    ['rows', m?.rows],
    ['accuracy', m?.accuracy],
    ['macroF1', m?.macroF1],
    ['logLoss', m?.logLoss],
    ['brier', m?.brier],
    ['calibrationError', m?.calibrationError],
    ['majorityAccuracy', model.baselines?.majority.accuracy],
    ['majorityLogLoss', model.baselines?.majority.logLoss],
    ['coldStartLogLoss', model.baselines?.coldStart?.logLoss],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

/** The model-published event of a publication. */
export function modelPublishedEvent(model: ModelVersion, publication: Publication): ModelPublishedEvent {
  return {
    eventId: publication.eventId,
    eventTime: publication.businessTime,
    customerId: '*',
    causationId: null,
    type: 'ModelPublished',
    payload: {
      modelId: model.modelId,
      modelVersion: model.version,
      algorithm: model.algorithm,
      featureSetVersion: model.featureSetVersion,
      trainedAt: model.data.dataEnd === '' ? publication.businessTime : `${model.data.dataEnd}T00:00:00.000Z`,
      trainingRows: model.data.rows.train + model.data.rows.validation,
      veryLateAfterDays: model.buckets.veryLateDays,
      graceDays: model.buckets.graceDays,
      metrics: metricsRecord(model),
      publishedBy: publication.publishedBy,
    },
  };
}
