import { Binary, MongoBulkWriteError, MongoServerError, type AnyBulkWriteOperation, type Collection, type Document } from 'mongodb';
import type { Store } from '@creditstream/store';
import { CheckpointCorruptError, CheckpointUnavailableError, TaskFencedError } from './errors';

/** One slot's content at a checkpoint: the serialised values of its keys and their read-model views. */
export interface SlotWrite {
  slot: number;
  entries: { k: string; v: Buffer }[];
  /** Read-model documents of the slot's keys (what people and the API query), or empty. */
  views: Document[];
  /** Per entry, the index of its view in `views`, or -1 when it has none: a restore takes the views from here. */
  viewIndex: number[];
}

/** Side documents written with a checkpoint, before its commit point (e.g. the feature log). */
export interface LogWrite {
  collection: string;
  documents: Document[];
}

/** What a task writes at one checkpoint. */
export interface CheckpointWrite {
  /** Sequence number of this checkpoint within the epoch (starts at 1). */
  seq: number;
  /** Next offset to process, per input topic. */
  positions: Record<string, number>;
  /** The task's own small JSON state (partition clock, ...). */
  meta: unknown;
  /** Only the slots that changed since the last checkpoint. */
  slots: SlotWrite[];
  /**
   * The task's slot count, when given: slots at or beyond it are no longer named by the task (their documents are
   * deleted), so a state laid out again in fewer slots never restores a key from its old slot too.
   */
  slotCount?: number;
  logs: LogWrite[];
}

/** The latest checkpoint of a task, read when an instance takes the task over. */
export interface RestoredTask {
  /** The epoch this owner holds: every earlier owner's checkpoints are refused from now on. */
  epoch: number;
  positions: Record<string, number>;
  meta: unknown;
  /**
   * Every key's serialised value, by slot, with its read-model view as written (null: none); the view is absent
   * from slot documents written before views were indexed by entry.
   */
  slots: Map<number, RestoredEntry[]>;
}

/** One key of a restored slot. */
export interface RestoredEntry {
  k: string;
  v: Buffer;
  view?: Document | null;
}

/**
 * Where tasks make their state durable. A checkpoint is atomic: its changed slots are written as new documents,
 * then one task document names, for every slot, the document that holds it (the commit point); readers and
 * restores follow that document only. Each takeover raises the task's epoch, and a checkpoint commits only under
 * the epoch its writer holds, so a zombie (an instance that lost the partition without knowing) can never overwrite
 * a newer owner's state.
 */
export interface CheckpointStore {
  acquire(partition: number): Promise<RestoredTask>;
  /** @throws TaskFencedError when another instance has taken the task over. */
  commit(partition: number, epoch: number, write: CheckpointWrite): Promise<{ documents: number }>;
}

interface TaskDocument {
  _id: string;
  kind: 'task';
  partition: number;
  epoch: number;
  seq: number;
  positions: Record<string, number>;
  meta: unknown;
  /** Slot number (as a string) → id of the slot document holding it. */
  slots: Record<string, string>;
  updatedAt: Date;
}

interface SlotDocument {
  _id: string;
  kind: 'slot';
  partition: number;
  slot: number;
  epoch: number;
  seq: number;
  entries: { k: string; v: Binary }[];
  views: Document[];
  /** Per entry, the index of its view in `views` or -1 (absent in documents of earlier versions). */
  viewIndex?: number[];
}

const taskId = (partition: number) => `task:${partition}`;

/** Side-log entries per document. */
export const LOG_CHUNK = 1000;

/** Every entry of a side log collection written by {@link MongoCheckpointStore}, one per `id` (replays write some twice). */
export async function readSideLog<T extends { _id: string }>(store: Store, collection: string): Promise<T[]> {
  const chunks = await store.collection<{ entries: T[] }>(collection).find({}, { projection: { entries: 1 } }).toArray();
  const byId = new Map<string, T>();
  for (const c of chunks) for (const e of c.entries) if (!byId.has(e._id)) byId.set(e._id, e);
  return [...byId.values()];
}

/**
 * Indexes a MongoDB checkpoint collection needs: by partition and kind, for the task documents and the garbage
 * collection of slot documents. None on the views: readers follow the task documents to the slot documents by id, and
 * an index on a view field (e.g. `views.customerId`) holds an entry per customer of every slot document, all rewritten
 * at every checkpoint of the slot: costly writes that no read uses.
 */
export function checkpointIndexes(collection: string): { collection: string; keys: Record<string, 1> }[] {
  return [{ collection, keys: { partition: 1, kind: 1 } }];
}

/**
 * Inserts documents whose ids name their content (a task's epoch and checkpoint sequence, a slot or a chunk number):
 * a retried checkpoint writes the very same documents again, so an id that is already there is one of them, written
 * by an earlier attempt, and counts as written. Any other write error is thrown. Plain inserts, not upserts: an
 * upsert makes the store look the id up and copy the document as an update, which cost the local store (SecantusDB)
 * more than the insert itself on slot documents of a hundred customers.
 */
async function insertOnce(collection: Collection<Document> | Collection<TaskDocument | SlotDocument>, documents: readonly Document[]): Promise<void> {
  try {
    await (collection as Collection<Document>).bulkWrite(documents.map((d) => ({ insertOne: { document: d } }) as AnyBulkWriteOperation<Document>), { ordered: false });
  } catch (err) {
    const errors = err instanceof MongoBulkWriteError ? (Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]) : [];
    if (errors.length === 0 || errors.some((e) => e.code !== 11000)) throw err;
  }
}

/** The checkpoint store on MongoDB: one collection per service store. */
export class MongoCheckpointStore implements CheckpointStore {
  private readonly docs: Collection<TaskDocument | SlotDocument>;
  /** Per partition this instance holds, the committed slot map (known from the restore and its own commits). */
  private readonly slotMaps = new Map<number, Record<string, string>>();

  constructor(
    private readonly store: Store,
    readonly collection: string,
  ) {
    this.docs = store.collection<TaskDocument | SlotDocument>(collection);
  }

  async acquire(partition: number): Promise<RestoredTask> {
    try {
      const task = (await this.docs.findOneAndUpdate(
        { _id: taskId(partition) },
        { $inc: { epoch: 1 }, $setOnInsert: { kind: 'task', partition, seq: 0, positions: {}, meta: null, slots: {} } } as never,
        { upsert: true, returnDocument: 'after' },
      )) as TaskDocument | null;
      if (task === null) throw new Error('findOneAndUpdate with upsert returned nothing');
      const ids = Object.values(task.slots ?? {});
      const slotDocs = ids.length === 0 ? [] : ((await this.docs.find({ _id: { $in: ids } }).toArray()) as SlotDocument[]);
      if (slotDocs.length !== ids.length) {
        const found = new Set(slotDocs.map((d) => d._id));
        throw new CheckpointCorruptError(partition, ids.filter((id) => !found.has(id)));
      }
      this.slotMaps.set(partition, { ...(task.slots ?? {}) });
      // What earlier owners left behind: slot documents their checkpoints replaced but did not delete, or wrote and
      // never committed (a crash between the two). Earlier epochs only: they can never be committed any more, and
      // nothing this owner writes can match. Not awaited (the restore does not wait for garbage); a failure leaves
      // them to the next owner's cleanup.
      void this.docs.deleteMany({ partition, kind: 'slot', epoch: { $lt: task.epoch }, _id: { $nin: ids } } as never).catch(() => undefined);
      const slots = new Map<number, RestoredEntry[]>();
      for (const d of slotDocs) slots.set(d.slot, restoredEntries(d.entries.map((e) => ({ k: e.k, v: Buffer.from(e.v.buffer) })), d.views, d.viewIndex));
      return { epoch: task.epoch, positions: task.positions ?? {}, meta: task.meta ?? null, slots };
    } catch (err) {
      if (err instanceof CheckpointCorruptError) throw err;
      throw new CheckpointUnavailableError(`restoring partition ${partition} from ${this.collection}`, err);
    }
  }

  async commit(partition: number, epoch: number, write: CheckpointWrite): Promise<{ documents: number }> {
    let documents = 0;
    try {
      const known = this.slotMaps.get(partition);
      if (known === undefined) throw new TaskFencedError(partition, epoch);
      const slots = { ...known };
      if (write.slots.length > 0) {
        const inserts: SlotDocument[] = write.slots.map((s) => ({
          _id: `${partition}:${s.slot}:${epoch}:${write.seq}`,
          kind: 'slot',
          partition,
          slot: s.slot,
          epoch,
          seq: write.seq,
          entries: s.entries.map((e) => ({ k: e.k, v: new Binary(e.v) })),
          views: s.views,
          viewIndex: s.viewIndex,
        }));
        await insertOnce(this.docs, inserts);
        documents += inserts.length;
        for (const d of inserts) slots[String(d.slot)] = d._id;
      }
      if (write.slotCount !== undefined) for (const slot of Object.keys(slots)) if (Number(slot) >= write.slotCount) delete slots[slot];
      for (const log of write.logs) {
        // A side log is written in chunks of LOG_CHUNK entries, one document each: appending costs a few
        // documents per checkpoint, not one per entry. A replay after a crash writes its entries again in other
        // chunks; entries carry deterministic ids and readers keep one per id.
        const chunks: Document[] = [];
        for (let i = 0; i < log.documents.length; i += LOG_CHUNK) {
          chunks.push({ _id: `${partition}:${epoch}:${write.seq}:${i / LOG_CHUNK}`, partition, epoch, seq: write.seq, entries: log.documents.slice(i, i + LOG_CHUNK) });
        }
        if (chunks.length === 0) continue;
        await insertOnce(this.store.collection(log.collection), chunks);
        documents += chunks.length;
      }
      const committed = await this.docs.updateOne(
        { _id: taskId(partition), epoch } as never,
        { $set: { seq: write.seq, positions: write.positions, meta: write.meta, slots, updatedAt: new Date() } } as never,
      );
      if (committed.matchedCount === 0) {
        this.slotMaps.delete(partition);
        throw new TaskFencedError(partition, epoch);
      }
      this.slotMaps.set(partition, slots);
      documents += 1;
      // The slot documents this checkpoint replaced are garbage now; deleted by id, so the store reads no other
      // document to find them (a filter on the partition made it decode every live slot document of the partition at
      // every checkpoint). Leftovers of crashed checkpoints are deleted when a task is acquired.
      // (A retry of a checkpoint that got this far already has the new ids in `known`: nothing to delete then.)
      const named = new Set(Object.values(slots));
      const replaced = Object.values(known).filter((id) => !named.has(id));
      if (replaced.length > 0) await this.docs.deleteMany({ _id: { $in: replaced } } as never);
      return { documents };
    } catch (err) {
      if (err instanceof TaskFencedError) throw err;
      if (err instanceof MongoServerError && err.code === 11000) throw new TaskFencedError(partition, epoch);
      throw new CheckpointUnavailableError(`checkpoint of partition ${partition} to ${this.collection}`, err);
    }
  }

  /**
   * The current read-model views of every committed slot (of one partition, or all): what the service's readers use.
   * Follows the task documents, so a slot document of an unfinished checkpoint is never read.
   */
  async views(partition?: number): Promise<Document[]> {
    const tasks = (await this.docs.find(partition === undefined ? { kind: 'task' } : { _id: taskId(partition) }).toArray()) as TaskDocument[];
    const ids = tasks.flatMap((t) => Object.values(t.slots ?? {}));
    if (ids.length === 0) return [];
    const slots = (await this.docs.find({ _id: { $in: ids } }, { projection: { views: 1 } }).toArray()) as SlotDocument[];
    return slots.flatMap((s) => s.views);
  }

  /**
   * The committed slots whose document is not the one in `known` (`partition:slot` → the slot document id read last):
   * for a reader that keeps a copy and reads only what changed (slot documents are never changed, only replaced).
   * Returns every committed slot (key → document id), the changed ones with their entries and views, and each
   * partition's meta. A slot document replaced between the task read and the slot read is left for the next call
   * (its key keeps the id in `known`, or is left out when it had none).
   */
  async changedSlots(known: ReadonlyMap<string, string>): Promise<{ slots: Map<string, string>; changed: { key: string; partition: number; entries: { k: string; v: Buffer }[]; views: Document[] }[]; meta: Map<number, unknown> }> {
    const tasks = (await this.docs.find({ kind: 'task' }, { projection: { partition: 1, meta: 1, slots: 1 } }).toArray()) as TaskDocument[];
    const slots = new Map<string, string>();
    const meta = new Map<number, unknown>();
    const wanted: string[] = [];
    for (const t of tasks) {
      meta.set(t.partition, t.meta ?? null);
      for (const [slot, id] of Object.entries(t.slots ?? {})) {
        const key = `${t.partition}:${slot}`;
        slots.set(key, id);
        if (known.get(key) !== id) wanted.push(id);
      }
    }
    const docs = wanted.length === 0 ? [] : ((await this.docs.find({ _id: { $in: wanted } }).toArray()) as SlotDocument[]);
    const found = new Set(docs.map((d) => d._id));
    for (const [key, id] of [...slots]) {
      if (known.get(key) === id || found.has(id)) continue;
      const previous = known.get(key);
      if (previous === undefined) slots.delete(key);
      else slots.set(key, previous);
    }
    return { slots, changed: docs.map((d) => ({ key: `${d.partition}:${d.slot}`, partition: d.partition, entries: d.entries.map((e) => ({ k: e.k, v: Buffer.from(e.v.buffer) })), views: d.views })), meta };
  }

  /** Every task's committed positions and meta (no state). */
  async tasks(): Promise<{ partition: number; meta: unknown; positions: Record<string, number> }[]> {
    const tasks = (await this.docs.find({ kind: 'task' }, { projection: { partition: 1, meta: 1, positions: 1 } }).toArray()) as TaskDocument[];
    return tasks.map((t) => ({ partition: t.partition, meta: t.meta, positions: t.positions }));
  }

  /** Every committed entry (serialised), across partitions: for verification tools. */
  async entries(): Promise<{ partition: number; meta: unknown; positions: Record<string, number>; entries: { k: string; v: Buffer }[] }[]> {
    const tasks = (await this.docs.find({ kind: 'task' }).toArray()) as TaskDocument[];
    const out = [];
    for (const t of tasks) {
      const ids = Object.values(t.slots ?? {});
      const slots = ids.length === 0 ? [] : ((await this.docs.find({ _id: { $in: ids } }).toArray()) as SlotDocument[]);
      out.push({ partition: t.partition, meta: t.meta, positions: t.positions, entries: slots.flatMap((s) => s.entries.map((e) => ({ k: e.k, v: Buffer.from(e.v.buffer) }))) });
    }
    return out;
  }
}

/**
 * A copy of a checkpoint store's committed state that follows it: each `poll` reads only the slots whose document
 * changed since the last one and decodes only their entries. For readers that keep the state of many keys in memory
 * and refresh it often (the insights API), where reading every key again costs more than the change.
 */
export class CheckpointFollower<E, W = Document> {
  private known = new Map<string, string>();
  private readonly bySlot = new Map<string, { entries: E[]; views: W[] }>();
  private meta = new Map<number, unknown>();

  constructor(
    private readonly checkpoints: Pick<MongoCheckpointStore, 'changedSlots'>,
    private readonly decode: (entry: { k: string; v: Buffer }, partition: number) => E,
  ) {}

  /** Reads what changed since the last poll. @returns the number of slots read */
  async poll(): Promise<number> {
    const r = await this.checkpoints.changedSlots(this.known);
    for (const c of r.changed) this.bySlot.set(c.key, { entries: c.entries.map((e) => this.decode(e, c.partition)), views: c.views as W[] });
    for (const key of [...this.bySlot.keys()]) if (!r.slots.has(key)) this.bySlot.delete(key);
    this.known = r.slots;
    this.meta = r.meta;
    return r.changed.length;
  }

  /** Every decoded entry, as of the last poll. */
  entries(): E[] {
    return [...this.bySlot.values()].flatMap((s) => s.entries);
  }

  /** Every read-model view, as of the last poll. */
  views(): W[] {
    return [...this.bySlot.values()].flatMap((s) => s.views);
  }

  /** Each partition's meta (its clock, …), as of the last poll. */
  partitionMeta(partition: number): unknown {
    return this.meta.get(partition) ?? null;
  }
}

/** A slot's entries with their views, when the slot indexes them (see SlotWrite.viewIndex). */
function restoredEntries(entries: { k: string; v: Buffer }[], views: readonly Document[], viewIndex: readonly number[] | undefined): RestoredEntry[] {
  if (viewIndex === undefined || viewIndex.length !== entries.length) return entries;
  return entries.map((e, i) => {
    const at = viewIndex[i] as number;
    return { k: e.k, v: e.v, view: at >= 0 ? (views[at] ?? null) : null };
  });
}

/** An in-memory checkpoint store with the same contract: for unit tests of tasks and processors. */
export class InMemoryCheckpointStore implements CheckpointStore {
  readonly tasks = new Map<number, { epoch: number; positions: Record<string, number>; meta: unknown; slots: Map<number, RestoredEntry[]> }>();
  readonly logs = new Map<string, Document[]>();
  commits = 0;
  /** Set to make the next commits fail (a store outage), as many as its value. */
  failNext = 0;

  async acquire(partition: number): Promise<RestoredTask> {
    const t = this.tasks.get(partition) ?? { epoch: 0, positions: {}, meta: null, slots: new Map() };
    t.epoch += 1;
    this.tasks.set(partition, t);
    return { epoch: t.epoch, positions: { ...t.positions }, meta: structuredClone(t.meta), slots: new Map([...t.slots].map(([s, e]) => [s, [...e]])) };
  }

  async commit(partition: number, epoch: number, write: CheckpointWrite): Promise<{ documents: number }> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new CheckpointUnavailableError(`checkpoint of partition ${partition}`, new Error('store unavailable (test)'));
    }
    const t = this.tasks.get(partition);
    if (t === undefined || t.epoch !== epoch) throw new TaskFencedError(partition, epoch);
    for (const s of write.slots) t.slots.set(s.slot, restoredEntries(s.entries, structuredClone(s.views), s.viewIndex));
    if (write.slotCount !== undefined) for (const slot of [...t.slots.keys()]) if (slot >= write.slotCount) t.slots.delete(slot);
    for (const l of write.logs) this.logs.set(l.collection, [...(this.logs.get(l.collection) ?? []), ...l.documents]);
    t.positions = { ...write.positions };
    t.meta = structuredClone(write.meta);
    this.commits += 1;
    return { documents: write.slots.length + 1 };
  }
}
