import { MongoClient, MongoServerError, type Collection, type CreateIndexesOptions, type Db, type Document, type IndexSpecification } from 'mongodb';
import type { Logger } from '@creditstream/logging';
import { StoreAuthenticationError, StoreUnavailableError } from './errors';

export { StoreAuthenticationError, StoreUnavailableError } from './errors';
export type { AnyBulkWriteOperation, Collection, Db, Document, Filter, UpdateFilter } from 'mongodb';

/** An index the service needs; created (idempotently) at start-up. */
export interface IndexDefinition {
  collection: string;
  keys: IndexSpecification;
  options?: CreateIndexesOptions;
}

export interface StoreOptions {
  uri: string;
  database: string;
  indexes?: readonly IndexDefinition[];
  logger?: Logger;
  /** Application name shown in server logs. */
  appName?: string;
}

/**
 * The MongoDB connection of a service. Only features that MongoDB 6+ and SecantusDB both serve are used (CRUD,
 * bulkWrite, unique and compound indexes, simple aggregation), so `MONGODB_URI` can point at either.
 */
export interface Store {
  readonly client: MongoClient;
  readonly db: Db;
  collection<T extends Document = Document>(name: string): Collection<T>;
  /** A round trip to the server. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Connects, checks the server answers, and creates the indexes. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const client = new MongoClient(options.uri, {
    appName: options.appName ?? 'creditstream',
    serverSelectionTimeoutMS: 10_000,
    retryWrites: false,
  });
  try {
    await client.connect();
  } catch (err) {
    // AuthenticationFailed (18): wrong credentials are not an outage; a service must not wait them out.
    if ((err as { code?: unknown }).code === 18) {
      throw new StoreAuthenticationError(`cannot connect to MongoDB at ${redactUri(options.uri)}: it refused the user and password of MONGODB_URI (${(err as Error).message})`, err);
    }
    throw new StoreUnavailableError(`cannot connect to MongoDB at ${redactUri(options.uri)}: ${(err as Error).message}`, err);
  }
  const db = client.db(options.database);
  for (const ix of options.indexes ?? []) {
    await db.collection(ix.collection).createIndex(ix.keys, ix.options ?? {});
  }
  return {
    client,
    db,
    collection: <T extends Document>(name: string) => db.collection<T>(name),
    async ping() {
      await db.command({ ping: 1 });
    },
    close: () => client.close(),
  };
}

/** Hides credentials when a URI is put into a message. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/** Where a message came from: the effect guard is keyed on it. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: number;
}

function guardField(source: SourcePosition): string {
  return `_applied.${source.topic.replace(/\./g, '_')}:${source.partition}`;
}

/**
 * Makes an update to ONE document apply at most once per source message, so a redelivered message (after a crash
 * between the write and the offset commit) changes nothing. The document records, per source topic-partition, the
 * highest offset applied to it; the update only matches while that is lower than this message's offset.
 *
 * Keyed by customer, every message for a document comes from the same partition of its topic, in order, so a
 * per-partition high-water mark is exact. Returns the extra filter and `$set` to merge into the update.
 */
export function effectGuard(source: SourcePosition): { filter: Document; set: Document } {
  const field = guardField(source);
  return {
    filter: { $or: [{ [field]: { $exists: false } }, { [field]: { $lt: source.offset } }] },
    set: { [field]: source.offset },
  };
}

/** True for a duplicate-key error: with a guarded upsert it means the effect was already applied. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/** Classifies driver errors: network and server-selection failures are retriable, the rest are not. */
export function toStoreError(err: unknown, what: string): Error {
  if (err instanceof MongoServerError && err.code !== 11000 && !err.hasErrorLabel('RetryableWriteError')) return err;
  if (err instanceof Error && /MongoNetwork|MongoServerSelection|MongoNotConnected|ECONNREFUSED|Topology/i.test(`${err.name} ${err.message}`)) {
    return new StoreUnavailableError(`${what} failed: ${err.message}`, err);
  }
  return err instanceof Error ? err : new Error(String(err));
}
